import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How a command ended.
public struct CommandResult: Equatable, Sendable {
  /// The exit status, or 128 + the signal number when a signal ended it (as shells report).
  public var exitCode: Int32
  /// The signal that ended the command, if one did.
  public var signal: Int32?
  /// When the command was started.
  public var startedAt: Date
  /// Wall-clock time from start to exit.
  public var durationSeconds: Double
}

/// Runs a command the way a shell would run it in the foreground: stdout and stderr go
/// straight to mlv's own (or to files), and SIGINT/SIGTERM/SIGHUP sent to mlv are forwarded.
///
/// The command runs in its own process group so a forwarded signal reaches the whole tree
/// it starts (`sh -c` and what it runs) exactly once, even when Ctrl-C also reached mlv
/// from the terminal. A command that reads the terminal is therefore stopped (SIGTTIN):
/// stages are meant to run unattended.
public struct CommandRunner: Sendable {
  /// Where one of the command's output streams goes.
  public enum Output: Sendable, Equatable {
    /// mlv's own stream: the command's output streams through as it is written.
    case inherit
    /// A file, created or truncated.
    case file(String)
  }

  /// Where the command runs; must exist.
  public var workingDirectory: String
  /// Added to (and overriding) mlv's environment.
  public var extraEnvironment: [String: String]
  /// Where the command's stdout goes; a `.file` path is relative to mlv's own directory.
  public var stdout: Output
  /// Where the command's stderr goes.
  public var stderr: Output

  /// A runner for commands in `workingDirectory` with `extraEnvironment` added.

  public init(
    workingDirectory: String, extraEnvironment: [String: String] = [:], stdout: Output = .inherit,
    stderr: Output = .inherit
  ) {
    self.workingDirectory = workingDirectory
    self.extraEnvironment = extraEnvironment
    self.stdout = stdout
    self.stderr = stderr
  }

  /// The environment the command sees.
  public var environment: [String: String] {
    ProcessInfo.processInfo.environment.merging(extraEnvironment) { _, new in new }
  }

  /// Runs a shell command line through `/bin/sh -c`.
  public func run(shell command: String) throws -> CommandResult {
    try run(argv: ["/bin/sh", "-c", command])
  }

  /// Runs `argv`; `argv[0]` is looked up on PATH unless it contains a `/`. Blocks until the
  /// command ends. Throws only when it cannot be started; a failing command is a result.
  public func run(argv: [String]) throws -> CommandResult {
    guard let name = argv.first else { throw ExperimentError.commandNotFound(name: "") }
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: workingDirectory, isDirectory: &isDir), isDir.boolValue else {
      throw ExperimentError.noSuchDirectory(path: workingDirectory)
    }
    let directory = URL(fileURLWithPath: workingDirectory).standardizedFileURL.path
    let env = environment
    guard let executable = CommandRunner.resolveExecutable(name, searchPath: env["PATH"], from: directory)
    else { throw ExperimentError.commandNotFound(name: name) }

    SignalForwarding.install()
    defer { SignalForwarding.uninstall() }
    let start = Date()
    let pid = try spawn(executable, argv, env, in: directory)
    let slot = SignalForwarding.register(pid)
    defer { if let slot { SignalForwarding.unregister(slot) } }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 {
      guard errno == EINTR else { throw ExperimentError.spawnFailed(command: name, errno: errno) }
    }
    let duration = Date().timeIntervalSince(start)
    let termSignal = status & 0x7f
    if termSignal == 0 {
      return CommandResult(exitCode: (status >> 8) & 0xff, signal: nil, startedAt: start, durationSeconds: duration)
    }
    return CommandResult(exitCode: 128 + termSignal, signal: termSignal, startedAt: start, durationSeconds: duration)
  }

  private func spawn(_ executable: String, _ argv: [String], _ env: [String: String], in directory: String) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }

    for (fd, output) in [(Int32(1), stdout), (Int32(2), stderr)] {
      if case .file(let path) = output {
        posix_spawn_file_actions_addopen(&actions, fd, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
      }
    }
    // the child starts with default signal handling and nothing blocked, whatever mlv set
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for sig in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE] { sigaddset(&defaults, sig) }
    posix_spawnattr_setsigdefault(&attr, &defaults)
    var mask = sigset_t()
    sigemptyset(&mask)
    posix_spawnattr_setsigmask(&attr, &mask)
    posix_spawnattr_setpgroup(&attr, 0)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

    // posix_spawn has no portable chdir action (glibc's _np one is not visible to Swift),
    // and chdir in mlv would race with other threads, so a POSIX shell changes directory
    // and then execs the command in place: same pid, same process group.
    let trampoline = ["/bin/sh", "-c", "cd -- \"$0\" && exec \"$@\"", directory, executable] + argv.dropFirst()
    let cArgs = trampoline.map { strdup($0) } + [nil]
    let cEnv = env.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      cArgs.forEach { free($0) }
      cEnv.forEach { free($0) }
    }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, "/bin/sh", &actions, &attr, cArgs, cEnv)
    guard rc == 0 else { throw ExperimentError.spawnFailed(command: argv[0], errno: rc) }
    return pid
  }

  /// The path of an executable: `name` itself if it has a `/` (relative to `directory`,
  /// which should be absolute),
  /// else the first executable regular file named `name` on `searchPath`.
  public static func resolveExecutable(_ name: String, searchPath: String?, from directory: String) -> String? {
    func isExecutable(_ path: String) -> Bool {
      var isDir: ObjCBool = false
      return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && !isDir.boolValue
        && access(path, X_OK) == 0
    }
    if name.contains("/") {
      let path = name.hasPrefix("/") ? name : directory + "/" + name
      return isExecutable(path) ? path : nil
    }
    let dirs = (searchPath ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: false)
    for dir in dirs {
      let base = dir.isEmpty ? directory : (dir.hasPrefix("/") ? String(dir) : directory + "/" + dir)
      let candidate = base + "/" + name
      if isExecutable(candidate) { return candidate }
    }
    return nil
  }
}
