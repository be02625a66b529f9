import CLibGit2

/// Every failure MLVGit reports. The specific cases are the outcomes callers act on; all
/// other libgit2 failures arrive as `.libgit2`, keeping libgit2's code and message.
public enum GitError: Error, CustomStringConvertible, Equatable {
  /// A libgit2 call failed. `code` is libgit2's return value (a `git_error_code`, e.g. -3
  /// for not found), `message` the text of `git_error_last()`.
  case libgit2(operation: String, code: Int32, message: String)
  /// No `user.name` / `user.email` in any git config level, so nothing can be committed.
  case noIdentity
  /// Neither the path nor any parent directory holds a git repository.
  case notARepository(String)
  /// The repository has no working directory (bare), which mlv cannot use.
  case bareRepository(String)
  /// The revision string does not name a commit (or names something that is not one).
  case revisionNotFound(String)
  /// A checkout would overwrite local changes to these paths (relative, '/'-separated).
  case checkoutConflict(paths: [String])
  /// HEAD points at a branch without commits yet.
  case unbornHead
  /// A reference or tag name that git would reject.
  case invalidReferenceName(String)
  /// A path that lies outside the working directory.
  case pathOutsideWorkdir(String)
  /// A tag (full reference name) that already exists and was not to be replaced.
  case referenceExists(String)
  /// No linked worktree of this repository lives at the path.
  case worktreeNotFound(String)
  /// A git lock file (the path: `index.lock`, a ref's `.lock`) exists: another process
  /// holds it, or left it when killed.
  case lockFileExists(String)
  /// `git push` / `git fetch` failed as a whole: the remote is unreachable, refused the
  /// connection or the credentials, or is not a repository. `message` is git's own.
  case transport(operation: String, remote: String, message: String)
  /// The `git` command line (needed to reach remotes) is not on PATH.
  case gitCommandNotFound

  public var description: String {
    switch self {
    case .libgit2(let operation, let code, let message):
      return "git: \(operation) failed: \(message) (libgit2 error \(code))"
    case .noIdentity:
      return "no git identity configured: run `git config --global user.name \"Your Name\"` "
        + "and `git config --global user.email you@example.com`"
    case .notARepository(let path):
      return "not a git repository (or any parent directory): \(path)"
    case .bareRepository(let path):
      return "git repository has no working directory (bare): \(path)"
    case .revisionNotFound(let rev):
      return "revision not found: \(rev)"
    case .checkoutConflict(let paths):
      return "checkout would overwrite local changes to: \(paths.joined(separator: ", "))"
    case .unbornHead:
      return "the current branch has no commits yet"
    case .invalidReferenceName(let name):
      return "invalid git reference name: \(name)"
    case .pathOutsideWorkdir(let path):
      return "path is outside the git working directory: \(path)"
    case .referenceExists(let name):
      return "git reference already exists: \(name)"
    case .worktreeNotFound(let path):
      return "no git worktree at \(path)"
    case .lockFileExists(let path):
      return "git's lock file \(path) exists: another git command is running, or a git or mlv "
        + "command was killed while writing; if no git command is running, remove it (`rm \(path)`) and retry"
    case .transport(let operation, let remote, let message):
      return "git \(operation) \(remote) failed: \(message)"
    case .gitCommandNotFound:
      return "the git command was not found on PATH; mlv runs it to reach git remotes (ssh, https, paths)"
    }
  }

  /// The error libgit2 recorded for the failed call on this thread.
  static func last(_ operation: String, code: Int32) -> GitError {
    var message = "unknown error"
    if let err = git_error_last(), let text = err.pointee.message {
      message = String(cString: text).trimmingTrailingNewlines()
    }
    return .libgit2(operation: operation, code: code, message: message)
  }
}

/// Throws `.libgit2` when a libgit2 return code is negative; returns non-negative codes.
@discardableResult
func check(_ code: Int32, _ operation: @autoclosure () -> String) throws -> Int32 {
  if code < 0 { throw GitError.last(operation(), code: code) }
  return code
}

extension String {
  func trimmingTrailingNewlines() -> String {
    var s = Substring(self)
    while let last = s.last, last == "\n" || last == "\r" { s = s.dropLast() }
    return String(s)
  }
}
