import Foundation

/// Pushing and fetching explicit refspecs (`refs/mlv/runs/*`, for `mlv exp push/pull`)
/// through a git remote.
///
/// These two run the `git` command line rather than libgit2. libgit2 reaches ssh and https
/// remotes only through a credential callback that mlv would have to write, and it would
/// still not be the user's setup: git's own transport reads `~/.ssh/config` (Host aliases,
/// IdentityFile, ProxyJump), talks to ssh-agent through the real `ssh`, honours
/// `core.sshCommand`, `url.<base>.insteadOf`, `http.proxy` and credential helpers
/// (`credential.helper`, the system keychain, `gh auth`), and prompts on the terminal
/// when it must. Whatever `git push` does for the user, `mlv exp push` does the same.
/// Local paths and `file://` URLs go the same way, so there is one path to test.
extension GitRepository {
  /// `git push REMOTE REFSPEC...` (REMOTE: a configured remote's name, a URL or a path).
  /// Returns the refs the remote refused, with git's reason (`fetch first`, `non-fast-forward`,
  /// a hook's message). Hooks are not run (`--no-verify`): the pre-push hook `mlv install`
  /// sets up would wait for the lock the calling mlv command holds, and the caller has
  /// pushed the data already. A remote that cannot be reached, or refuses the connection or
  /// the credentials, is `GitError.transport` with git's message.
  public func push(remote: String, refspecs: [String]) throws -> [(ref: String, reason: String)] {
    let r = try runGit(["push", "--porcelain", "--no-verify", remote] + refspecs)
    // --porcelain prints `<flag>\t<from>:<to>\t<summary> (<reason>)` per ref; `!` is refused
    var rejected: [(ref: String, reason: String)] = []
    for line in r.stdout.split(separator: "\n") {
      let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
      guard fields.count >= 3, fields[0] == "!" else { continue }
      let target = fields[1].split(separator: ":").last.map(String.init) ?? String(fields[1])
      rejected.append((target, Self.reason(String(fields[2]))))
    }
    if r.status != 0 && rejected.isEmpty { throw GitError.transport(operation: "push", remote: remote, message: r.message) }
    return rejected
  }

  /// `git fetch REMOTE REFSPEC...`: the objects and the refs the refspecs name; no tags,
  /// no FETCH_HEAD, no submodules, no automatic maintenance.
  public func fetch(remote: String, refspecs: [String]) throws {
    let r = try runGit(
      ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--no-recurse-submodules", "--no-auto-maintenance", remote]
        + refspecs)
    if r.status != 0 { throw GitError.transport(operation: "fetch", remote: remote, message: r.message) }
  }

  /// `[rejected] (fetch first)` -> `fetch first`; a summary without a reason is kept whole.
  static func reason(_ summary: String) -> String {
    guard let open = summary.firstIndex(of: "("), let close = summary.lastIndex(of: ")"), open < close else { return summary }
    return String(summary[summary.index(after: open)..<close])
  }

  struct GitRun {
    var status: Int32
    var stdout: String
    var stderr: String
    /// git's complaint, for an error message: its `fatal:`/`error:` lines, else the last ones.
    var message: String {
      let lines = stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
      let told = lines.filter { $0.hasPrefix("fatal:") || $0.hasPrefix("error:") || $0.hasPrefix("ERROR") }
      let shown = (told.isEmpty ? Array(lines.suffix(3)) : told).joined(separator: "; ")
      return shown.isEmpty ? "git exited with status \(status)" : shown
    }
  }

  /// Runs `git` on this repository's git directory, in the user's environment (ssh-agent,
  /// config, credential helpers). stdin stays the terminal's, so git and ssh can prompt.
  func runGit(_ args: [String]) throws -> GitRun {
    guard let git = Self.gitExecutable() else { throw GitError.gitCommandNotFound }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: git)
    p.arguments = ["--git-dir=" + gitDirectory] + args
    var env = ProcessInfo.processInfo.environment
    // the repository is named by --git-dir; variables of an outer git (a hook) must not override it
    for k in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR"] { env[k] = nil }
    p.environment = env
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    // stderr is drained on its own thread so neither pipe can fill and stall git
    let box = Captured()
    let drained = DispatchSemaphore(value: 0)
    do { try p.run() } catch { throw GitError.gitCommandNotFound }
    Thread.detachNewThread {
      box.stderr = err.fileHandleForReading.readDataToEndOfFile()
      drained.signal()
    }
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    drained.wait()
    return GitRun(
      status: p.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
      stderr: String(decoding: box.stderr, as: UTF8.self))
  }

  /// The first executable `git` on PATH.
  static func gitExecutable() -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for dir in path.split(separator: ":") where dir.hasPrefix("/") {
      let candidate = String(dir) + "/git"
      if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
  }

  /// The stderr bytes, written by the reader thread before it signals.
  private final class Captured: @unchecked Sendable { var stderr = Data() }
}
