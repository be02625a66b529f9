import ArgumentParser
import Foundation
import MLVGit
import MLVRegistry
import MLVRemote
import MLVStore
import MLVWorkspace

/// Options every command accepts.
struct GlobalOptions: ParsableArguments {
  @Flag(name: [.short, .long], help: "Print only errors; no progress.")
  var quiet = false
}

/// Shared by every command: opens the repository (and takes its lock for the commands that
/// write), wires progress to the terminal, and turns library errors into messages on
/// stderr and documented exit codes.
struct Context {
  let options: GlobalOptions
  let cwd = FileManager.default.currentDirectoryPath
  /// Everything a command prints; with -q nothing but errors (on stderr) is printed, in
  /// every command: the exit code carries the result.
  let out: Output

  init(_ options: GlobalOptions) {
    self.options = options
    self.out = options.quiet ? Output(sink: { _ in }) : Output()
  }

  func open() throws -> Workspace {
    let ws = try Workspace.open(cwd: cwd)
    ws.progress = TerminalProgress(enabled: !options.quiet)
    RunJournalRecovery.recoverUnlocked(ws)
    return ws
  }

  /// Command-line paths as repository-relative paths, each of which must be tracked, lie
  /// inside a tracked directory, or contain tracked paths: a typo (`diff -- dta/`) is an
  /// error naming it, never an empty result.
  func trackedFilter(_ paths: [String], _ ws: Workspace, at commit: GitOID? = nil) throws -> [String] {
    let rel = try paths.map { try ws.relative($0, cwd: cwd) }
    guard !rel.isEmpty else { return [] }
    var tracked = Set(try ws.trackedPaths())
    if let commit { tracked.formUnion(try ws.trackedPaths(at: commit)) }
    for p in rel where !p.isEmpty {
      let known = tracked.contains(p) || tracked.contains { p.hasPrefix($0 + "/") || $0.hasPrefix(p + "/") }
      if !known { throw WorkspaceError.notTracked(p) }
    }
    return rel
  }

  /// Runs `body`, mapping failures to exit codes (docs/cli.md, "Exit codes").
  func run(_ body: () throws -> Void) throws {
    do { try body() } catch { throw Self.exit(for: error) }
  }

  /// `run` for async commands: the same messages and exit codes.
  func runAsync(_ body: () async throws -> Void) async throws {
    do { try await body() } catch { throw Self.exit(for: error) }
  }

  /// Opens the workspace and runs `body` holding the repository lock for `command`. The
  /// lock is taken before anything of the store is trusted (`Workspace.lock` refreshes it).
  func run(locking command: String, _ body: (Workspace) throws -> Void) throws {
    try run {
      let ws = try open()
      let lock = try ws.lock(command)
      defer { withExtendedLifetime(lock) {} }
      try RunJournalRecovery.recover(ws)
      try body(ws)
    }
  }

  func runAsync(locking command: String, _ body: (Workspace) async throws -> Void) async throws {
    try await runAsync {
      let ws = try open()
      let lock = try ws.lock(command)
      defer { withExtendedLifetime(lock) {} }
      try RunJournalRecovery.recover(ws)
      try await body(ws)
    }
  }

  /// The error to throw out of a command: ArgumentParser's own pass through (usage errors
  /// exit 64 with its message); anything else is printed and becomes its exit code.
  static func exit(for error: Error) -> Error {
    switch error {
    case is ExitCode, is CleanExit, is ValidationError: return error
    default:
      FileHandle.standardError.write(Data("mlv: error: \(error)\n".utf8))
      return ExitCode(exitCode(for: error))
    }
  }

  /// The one mapping from errors to exit codes (docs/cli.md, "Exit codes"). A failing
  /// system call (`IOError`: a full disk, a read-only filesystem) is 1, never 4, which
  /// means the data itself is missing or corrupt.
  static func exitCode(for error: Error) -> Int32 {
    switch error {
    case WorkspaceError.uncommittedChanges, GitError.checkoutConflict: return 2
    case WorkspaceError.locked: return 3
    case WorkspaceError.notCheckedOut: return 2
    case is StoreError, WorkspaceError.missingData, WorkspaceError.dataUnavailable: return 4
    case RemoteError.corruptObject, RemoteError.missingObjects, RemoteError.corruptIndex: return 4
    // A version's bytes differ from their recorded or signed digests: corrupt data.
    case RegistryError.digestMismatch: return 4
    default: return 1
    }
  }
}

/// Writes command output (stdout by default; a collector for text reused in reports).
struct Output {
  var sink: (String) -> Void = { print($0) }
  func line(_ s: String = "") { sink(s) }
}

enum Format {
  /// Decimal units (as `du --si` and cloud consoles show them).
  static func bytes(_ n: Int64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB", "PB"]
    var v = Double(n)
    var i = 0
    while abs(v) >= 1000 && i < units.count - 1 {
      v /= 1000
      i += 1
    }
    return i == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[i])
  }

  /// "20,000": thousands grouped with commas, whatever the locale. By hand: a
  /// NumberFormatter loads ICU's locale data, a millisecond of every `mlv status`.
  static func count(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = n < 0 ? "-" : ""
    for (k, c) in digits.enumerated() {
      if k > 0 && (digits.count - k) % 3 == 0 { out.append(",") }
      out.append(c)
    }
    return out
  }

  /// "1 file", "2,000 files": the count with its noun, plural unless exactly one.
  static func count(_ n: Int, _ noun: String, plural: String? = nil) -> String {
    count(n) + " " + (n == 1 ? noun : plural ?? noun + "s")
  }

  static func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
  }
}
