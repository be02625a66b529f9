import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// An HTTP server written inline in Python (a test fixture, never part of mlv), started on a
/// free loopback port that the script receives as its first argument. Tests script what a
/// real server would rarely do on cue: fail, throttle, stall, or echo what went on the wire.
public final class ScriptedServer: @unchecked Sendable {
  // @unchecked: both properties are immutable; Process is only told to stop.
  public let port: Int
  private let process: Process

  /// Starts `script` and waits until it listens (at most 10 s).
  public init(script: String) async throws {
    port = try MotoServer.freePort()
    process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, String(port)]
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    for _ in 0..<200 {
      if MotoServer.canConnect(port: port) { return }
      try await Task.sleep(nanoseconds: 50_000_000)
    }
    stop()
    throw MotoServer.Failure.didNotStart(log: "the scripted python3 server did not listen within 10 s")
  }

  public func stop() {
    process.terminate()
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }
}
