import CLibGit2
import Foundation

extension GitRepository {
  /// `git worktree add --detach <path> <commit>`: a linked working tree at `path` (which
  /// must not exist, or be an empty directory) with HEAD detached at `commit` and all of
  /// its files checked out. Returns the worktree opened as a repository. Used by
  /// `mlv repro` to rebuild a run without touching the user's working directory.
  ///
  /// libgit2 1.5 can only create a worktree on a branch, so a temporary branch carries the
  /// commit until the worktree's HEAD has been detached, and is then deleted.
  @discardableResult
  public func addWorktree(at path: String, commit: GitOID) throws -> GitRepository {
    let absolute = Self.absolute(path)
    try prepareWorktreeDirectory(absolute)
    let name = try unusedWorktreeName(for: absolute)

    var branch: OpaquePointer?
    let branchName = "mlv-worktree-\(name)-\(getpid())"
    try withCommit(commit) { commitObject in
      try check(
        git_branch_create(&branch, handle, branchName, commitObject, 0),
        "create temporary branch \(branchName)")
    }
    defer {
      // Deleting the reference directly, not with git_branch_delete: the branch has no
      // config section to clean up, and libgit2 1.5 leaks pcre2 match data (~20 KB) while
      // searching the config for one.
      git_reference_delete(branch)
      git_reference_free(branch)
    }

    var opts = git_worktree_add_options()
    try check(
      git_worktree_add_options_init(&opts, UInt32(GIT_WORKTREE_ADD_OPTIONS_VERSION)),
      "init worktree options")
    opts.ref = branch
    // The new directory is empty, so a safe checkout relative to HEAD would write nothing.
    opts.checkout_options.checkout_strategy = GIT_CHECKOUT_FORCE.rawValue
    var worktree: OpaquePointer?
    try check(git_worktree_add(&worktree, handle, name, absolute, &opts), "add worktree at \(path)")
    git_worktree_free(worktree)

    // Detach before the deferred branch deletion: libgit2 refuses to delete a branch that
    // some worktree has checked out.
    let linked = try GitRepository.discover(startingAt: absolute)
    var raw = commit.raw
    try check(git_repository_set_head_detached(linked.handle, &raw), "detach worktree HEAD")
    return linked
  }

  /// Deletes the linked worktree at `path`: its directory and its administrative files in
  /// this repository (`git worktree remove --force`).
  public func removeWorktree(at path: String) throws {
    let target = Self.canonical(Self.absolute(path))
    for name in try worktreeNames() {
      var worktree: OpaquePointer?
      guard git_worktree_lookup(&worktree, handle, name) == 0, let worktree else { continue }
      defer { git_worktree_free(worktree) }
      guard let wtPath = git_worktree_path(worktree),
        Self.canonical(String(cString: wtPath)) == target
      else { continue }
      var opts = git_worktree_prune_options()
      try check(
        git_worktree_prune_options_init(&opts, UInt32(GIT_WORKTREE_PRUNE_OPTIONS_VERSION)),
        "init prune options")
      opts.flags =
        GIT_WORKTREE_PRUNE_VALID.rawValue | GIT_WORKTREE_PRUNE_LOCKED.rawValue
        | GIT_WORKTREE_PRUNE_WORKING_TREE.rawValue
      try check(git_worktree_prune(worktree, &opts), "remove worktree at \(path)")
      return
    }
    throw GitError.worktreeNotFound(path)
  }

  /// `git worktree prune`: forgets linked worktrees whose directories are gone. Returns
  /// the names of the pruned worktrees.
  @discardableResult
  public func pruneWorktrees() throws -> [String] {
    var pruned: [String] = []
    for name in try worktreeNames() {
      var worktree: OpaquePointer?
      guard git_worktree_lookup(&worktree, handle, name) == 0, let worktree else { continue }
      defer { git_worktree_free(worktree) }
      // Default options make only invalid (directory gone), unlocked worktrees prunable.
      guard git_worktree_validate(worktree) != 0, git_worktree_is_prunable(worktree, nil) == 1
      else { continue }
      try check(git_worktree_prune(worktree, nil), "prune worktree \(name)")
      pruned.append(name)
    }
    return pruned
  }

  // MARK: - Helpers

  private func worktreeNames() throws -> [String] {
    var names = git_strarray()
    try check(git_worktree_list(&names, handle), "list worktrees")
    defer { git_strarray_dispose(&names) }
    return (0..<names.count).compactMap { names.strings[$0].map { String(cString: $0) } }
  }

  /// libgit2 creates the directory itself and fails if it exists; git accepts an empty
  /// one (e.g. from mkdtemp), so mlv does too.
  private func prepareWorktreeDirectory(_ path: String) throws {
    let fm = FileManager.default
    var isDir: ObjCBool = false
    if fm.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue,
      (try? fm.contentsOfDirectory(atPath: path))?.isEmpty == true
    {
      try fm.removeItem(atPath: path)
    }
    let parent = (path as NSString).deletingLastPathComponent
    try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
  }

  /// A name for `.git/worktrees/<name>`: the directory's basename made safe, with a
  /// numeric suffix when already taken.
  private func unusedWorktreeName(for path: String) throws -> String {
    let base = String(
      (path as NSString).lastPathComponent.map {
        $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-"
      })
    let taken = Set(try worktreeNames())
    var name = base.isEmpty ? "worktree" : base
    var n = 2
    while taken.contains(name) {
      name = "\(base)-\(n)"
      n += 1
    }
    return name
  }

  static func absolute(_ path: String) -> String {
    URL(fileURLWithPath: path).standardizedFileURL.path
  }

  static func canonical(_ path: String) -> String {
    var p = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    while p.count > 1, p.hasSuffix("/") { p.removeLast() }
    return p
  }
}
