import CDeferredCertificates
import CLibGit2
import Foundation

/// libgit2 refuses every call until `git_libgit2_init` has run; a lazily initialised
/// static runs it exactly once (Swift guards static initialisers with `swift_once`). It is
/// never balanced by `git_libgit2_shutdown`: the process exits first.
enum LibGit2 {
  private static let initialized: Int32 = git_libgit2_init()
  static func ensureInitialized() { _ = initialized }

  /// Loads the CA bundle that the initialisation left for later (CDeferredCertificates):
  /// only network operations verify certificates, so only they pay for parsing it. If it
  /// cannot be parsed, https connections fail their certificate check, as they would have.
  static func ensureCertificates() {
    ensureInitialized()
    _ = mlv_load_deferred_certificates()
  }
}

extension GitRepository {
  /// Starts libgit2's one-time initialisation on another thread, while the arguments are
  /// parsed. (Its costly part, parsing the system's CA bundle, is deferred to the first
  /// clone: CDeferredCertificates.) Whoever needs libgit2 first still waits for it to
  /// finish (`swift_once`).
  public static func initializeInBackground() {
    Thread.detachNewThread { LibGit2.ensureInitialized() }
  }
}

/// A git repository with a working directory, opened through libgit2.
///
/// Paths given to and returned by its methods are relative to `workdir` and use '/'
/// (absolute paths inside the working directory are accepted too). Not thread-safe: a
/// libgit2 repository handle must not be used from two threads at once, so give each
/// thread its own `GitRepository`.
public final class GitRepository {
  let handle: OpaquePointer
  /// Absolute path of the working directory, without a trailing slash.
  public let workdir: String

  private init(handle: OpaquePointer, path: String) throws {
    self.handle = handle
    guard let wd = git_repository_workdir(handle) else {
      git_repository_free(handle)
      throw GitError.bareRepository(path)
    }
    var dir = String(cString: wd)
    while dir.count > 1, dir.hasSuffix("/") { dir.removeLast() }
    self.workdir = dir
  }

  deinit { git_repository_free(handle) }

  /// Opens the repository containing `path`, walking up parent directories as git does.
  public static func discover(startingAt path: String) throws -> GitRepository {
    LibGit2.ensureInitialized()
    var repo: OpaquePointer?
    let rc = git_repository_open_ext(&repo, path, 0, nil)
    if rc == GIT_ENOTFOUND.rawValue { throw GitError.notARepository(path) }
    try check(rc, "open repository at \(path)")
    guard let repo else { throw GitError.notARepository(path) }
    return try GitRepository(handle: repo, path: path)
  }

  /// Creates a repository with a working directory at `path` (like `git init`; the
  /// initial branch is `master`), or reopens the one already there.
  public static func initialize(at path: String) throws -> GitRepository {
    LibGit2.ensureInitialized()
    var repo: OpaquePointer?
    try check(git_repository_init(&repo, path, 0), "init repository at \(path)")
    guard let repo else { throw GitError.notARepository(path) }
    return try GitRepository(handle: repo, path: path)
  }

  /// The repository's private directory (`.git`, or `.git/worktrees/<name>` for a linked
  /// worktree), absolute, without a trailing slash.
  public var gitDirectory: String { Self.trimmedPath(git_repository_path(handle)) }

  /// The directory shared by all worktrees of the repository (the main `.git`): the place
  /// for state every worktree should see, such as mlv's local object cache.
  public var commonDirectory: String { Self.trimmedPath(git_repository_commondir(handle)) }

  private static func trimmedPath(_ cString: UnsafePointer<CChar>?) -> String {
    guard let cString else { return "" }
    var path = String(cString: cString)
    while path.count > 1, path.hasSuffix("/") { path.removeLast() }
    return path
  }

  /// The commit HEAD points at; nil while the current branch has no commits.
  public func head() throws -> GitOID? {
    if try isHeadUnborn() { return nil }
    var oid = git_oid()
    try check(git_reference_name_to_id(&oid, handle, "HEAD"), "resolve HEAD")
    return GitOID(oid)
  }

  /// The short name of the branch HEAD is attached to (also when it has no commits yet);
  /// nil when HEAD is detached.
  public func currentBranch() throws -> String? {
    var ref: OpaquePointer?
    try check(git_reference_lookup(&ref, handle, "HEAD"), "read HEAD")
    defer { git_reference_free(ref) }
    guard let target = git_reference_symbolic_target(ref) else { return nil }
    let name = String(cString: target)
    let prefix = "refs/heads/"
    return name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : name
  }

  /// True while HEAD is attached to a branch that has no commits yet.
  public func isHeadUnborn() throws -> Bool {
    try check(git_repository_head_unborn(handle), "inspect HEAD") == 1
  }

  /// The repository-relative form of `path`: strips the working directory from absolute
  /// paths (also when either reaches it through a symlink) and a leading "./" from
  /// relative ones.
  func relativePath(_ path: String) throws -> String {
    var rel = Substring(path)
    if rel.hasPrefix("/") {
      guard
        let inside = Self.strip(workdir, from: path)
          ?? Self.strip(Self.resolvingSymlinks(workdir), from: Self.resolvingSymlinks(path))
      else { throw GitError.pathOutsideWorkdir(path) }
      rel = Substring(inside)
    }
    while rel.hasPrefix("./") { rel = rel.dropFirst(2) }
    while rel.hasSuffix("/") { rel = rel.dropLast() }
    return String(rel)
  }

  /// `path` relative to `root`, or nil when it is not inside it.
  private static func strip(_ root: String, from path: String) -> String? {
    if path == root { return "" }
    let prefix = root.hasSuffix("/") ? root : root + "/"
    return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : nil
  }

  /// `path` with symlinks resolved in its longest existing prefix (the rest may not exist
  /// yet, or any more).
  static func resolvingSymlinks(_ path: String) -> String {
    var head = path
    var tail: [Substring] = []
    while head.count > 1 {
      if let resolved = realpath(head, nil) {
        defer { free(resolved) }
        let base = String(cString: resolved)
        return tail.reversed().reduce(base) { $0 == "/" ? "/" + $1 : $0 + "/" + $1 }
      }
      guard let slash = head.lastIndex(of: "/") else { break }
      tail.append(head[head.index(after: slash)...])
      head = slash == head.startIndex ? "/" : String(head[..<slash])
    }
    return path
  }
}

extension LibGit2 {
  /// Makes libgit2 look for global, xdg and system config files only in `directory`
  /// (process-wide). Tests use it to run with no identity configured, since libgit2 reads
  /// $HOME once at initialisation and ignores later changes to it.
  static func setConfigSearchPath(_ directory: String) throws {
    ensureInitialized()
    for level in [
      GIT_CONFIG_LEVEL_PROGRAMDATA, GIT_CONFIG_LEVEL_SYSTEM, GIT_CONFIG_LEVEL_XDG,
      GIT_CONFIG_LEVEL_GLOBAL,
    ] {
      try check(
        mlv_git_set_config_search_path(level.rawValue, directory), "set config search path")
    }
  }
}
