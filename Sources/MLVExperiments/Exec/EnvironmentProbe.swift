import Foundation

/// An `EnvironmentCapture` running on its own thread, started before the command and read
/// after it. Probing interpreters spawns processes (a Python start, and through a pyenv
/// shim a chain of bash scripts: 0.1–1 s), so running it beside the command instead of
/// before it takes it off a run's wall time. A sweep starts one and shares it between its
/// points: they run the same command with the same interpreters.
public final class EnvironmentProbe: @unchecked Sendable {  // `value` is written once, before `done` is signalled
  private let done = DispatchSemaphore(value: 0)
  private var value: RunEnvironment?

  /// Starts capturing for `command` about to run in `directory`.
  public init(command: [String], mlvVersion: String, extraVariables: [String], directory: String) {
    Thread.detachNewThread { [self] in
      value = EnvironmentCapture.capture(
        command: command, mlvVersion: mlvVersion, extraVariables: extraVariables, directory: directory)
      done.signal()
    }
  }

  /// Waits for the capture (the probes have a time limit of their own, so this ends).
  public var environment: RunEnvironment {
    done.wait()
    done.signal()  // later readers do not wait
    return value!
  }
}
