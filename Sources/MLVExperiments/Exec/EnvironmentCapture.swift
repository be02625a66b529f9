import Foundation

/// Captures the parts of the environment that can change a run's result: the OS, the
/// versions of interpreters the command uses (and of common Python packages), and an
/// allow-list of environment variables. Nothing else from the environment is recorded,
/// so secrets in it never reach a run record.
public enum EnvironmentCapture {
  /// Variables recorded when set; `--env NAME` adds more.
  public static let defaultVariables = [
    "CUDA_VISIBLE_DEVICES", "PYTHONHASHSEED", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS", "LANG", "LC_ALL", "TZ",
  ]

  /// Python packages whose versions are read from installed metadata (no import, so cheap).
  public static let pythonPackages = ["numpy", "scipy", "pandas", "scikit-learn", "torch", "tensorflow", "jax"]

  /// Captures everything for a command about to run in `directory`.
  public static func capture(
    command: [String], mlvVersion: String, extraVariables: [String] = [], directory: String = ".",
    environment: [String: String] = ProcessInfo.processInfo.environment, probePackages: Bool = true
  ) -> RunEnvironment {
    var interpreters: [String: String] = [:]
    for name in interpreterNames(in: command) {
      guard let exe = CommandRunner.resolveExecutable(name, searchPath: environment["PATH"], from: directory) else { continue }
      let key = (name as NSString).lastPathComponent
      if probePackages && key.hasPrefix("python") {
        // one process for the interpreter and its packages: each start of Python costs
        // 20–50 ms, and through a pyenv shim (bash scripts) 150 ms of CPU more
        guard let found = pythonVersions(exe) else { continue }
        interpreters[key] = found.python
        for (pkg, version) in found.packages where interpreters[pkg] == nil { interpreters[pkg] = version }
        continue
      }
      guard let v = version(of: exe, kind: key) else { continue }
      interpreters[key] = v
    }
    return RunEnvironment(
      os: operatingSystem(), mlvVersion: mlvVersion, interpreters: interpreters,
      variables: variables(defaultVariables + extraVariables, from: environment))
  }

  /// The allow-listed variables that are set.
  public static func variables(_ names: [String], from environment: [String: String]) -> [String: String] {
    var out: [String: String] = [:]
    for n in names { if let v = environment[n] { out[n] = v } }
    return out
  }

  /// `uname` system, release and machine, plus the distribution's PRETTY_NAME when known.
  public static func operatingSystem() -> String {
    var u = utsname()
    uname(&u)
    func field<T>(_ value: T) -> String {
      withUnsafeBytes(of: value) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
    }
    var os = "\(field(u.sysname)) \(field(u.release)) \(field(u.machine))"
    if let text = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8),
      let line = text.split(separator: "\n").first(where: { $0.hasPrefix("PRETTY_NAME=") })
    {
      let name = line.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
      os += " (\(name))"
    }
    return os
  }

  /// Interpreters named anywhere in the command: argv words, and the words of a `sh -c`
  /// string. Matched by base name: python, python3, python3.11, node, ruby, Rscript, julia,
  /// perl; a path (`.venv/bin/python`) is kept as written so its own version is read.
  public static func interpreterNames(in command: [String]) -> [String] {
    let separators = CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: ";&|()`'\""))
    var names: [String] = []
    for arg in command {
      for word in arg.components(separatedBy: separators) where !word.isEmpty {
        let base = (word as NSString).lastPathComponent
        let known = ["node", "ruby", "Rscript", "julia", "perl"].contains(base)
          || base.range(of: #"^python[0-9.]*$"#, options: .regularExpression) != nil
        if known && !names.contains(word) { names.append(word) }
      }
    }
    return names
  }

  /// The first dotted version number the interpreter prints about itself.
  static func version(of executable: String, kind: String) -> String? {
    let args = kind == "perl" ? ["-e", "print $^V"] : ["--version"]
    guard let out = ProbeProcess.output(executable, args) else { return nil }
    guard let r = out.range(of: #"\d+(\.\d+)+"#, options: .regularExpression) else { return nil }
    return String(out[r])
  }

  /// The Python version and the versions of `pythonPackages` installed for it (read with
  /// importlib.metadata, no import), from one run of the interpreter.
  static func pythonVersions(_ python: String) -> (python: String, packages: [String: String])? {
    let script = """
      import platform
      print('python', platform.python_version())
      try:
          import importlib.metadata as m
          for p in \(pythonPackages.map { "'\($0)'" }.joined(separator: ", ")),:
              try: print(p, m.version(p))
              except Exception: pass
      except Exception: pass
      """
    guard let out = ProbeProcess.output(python, ["-c", script]) else { return nil }
    var python: String?
    var versions: [String: String] = [:]
    for line in out.split(separator: "\n") {
      let parts = line.split(separator: " ")
      guard parts.count == 2 else { continue }
      if parts[0] == "python" { python = String(parts[1]) } else { versions[String(parts[0])] = String(parts[1]) }
    }
    return python.map { ($0, versions) }
  }
}

/// Runs a short probe command with a time limit and returns what it printed.
enum ProbeProcess {
  static func output(_ executable: String, _ args: [String], timeout: TimeInterval = 5) -> String? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = args
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    p.standardInput = FileHandle.nullDevice
    let done = DispatchSemaphore(value: 0)
    p.terminationHandler = { _ in done.signal() }
    do { try p.run() } catch { return nil }
    // read while it runs so a chatty probe cannot fill the pipe and stall
    let box = DataBox()
    let reader = DispatchQueue(label: "mlv.probe")
    let readDone = DispatchSemaphore(value: 0)
    reader.async {
      box.data = pipe.fileHandleForReading.readDataToEndOfFile()
      readDone.signal()
    }
    if done.wait(timeout: .now() + timeout) == .timedOut {
      p.terminate()
      _ = done.wait(timeout: .now() + 1)
      return nil
    }
    // the reader is done (or abandoned) after this wait; only then is box.data read
    guard readDone.wait(timeout: .now() + 1) == .success, p.terminationStatus == 0 else { return nil }
    return String(decoding: box.data, as: UTF8.self)
  }

  /// Hands the reader thread's bytes back; the semaphore orders the write before the read.
  private final class DataBox: @unchecked Sendable { var data = Data() }
}
