import MLVGit
import MLVSystem

extension Workspace {
  /// `mlv commit`: re-adds tracked data the user changed, then makes one git commit of
  /// everything staged (pointers, params, code). Data whose pointer git changed without
  /// the data being checked out again is never recorded as a change: the commit refuses,
  /// naming it, unless `force` (docs/git.md).
  public func commit(message: String, force: Bool = false) throws -> (commit: GitOID, readded: [AddResult]) {
    // The scans `status` makes through the leaf cache serve the `add` below.
    treeScans.begin()
    defer { treeScans.end() }
    let statuses = try status()
    if let conflict = statuses.first(where: { $0.state == .conflict }) {
      throw WorkspaceError.mergeConflict(pointer: Pointer.pointerPath(forData: conflict.path), conflicts: conflict.conflicts)
    }
    let stale = statuses.filter { $0.state == .notCheckedOut || $0.state == .diverged }.map(\.path)
    if !stale.isEmpty && !force { throw WorkspaceError.notCheckedOut(stale) }
    let changed = statuses.filter { $0.isRecordable || (force && !stale.isEmpty && stale.contains($0.path)) }.map(\.path)
    let readded = changed.isEmpty ? [] : try add(changed, force: force).results
    // Pointers whose data is checked out but that are not staged (after `git stash pop`,
    // or edited by hand): the commit records the pointers the data is.
    let unstaged = try statuses.filter { $0.isClean }.map { Pointer.pointerPath(forData: $0.path) }.filter { file in
      try git.readIndexFile(file) != FS.readAll(absolute(file))
    }
    if !unstaged.isEmpty { try git.stage(unstaged) }
    let staged = try git.status().contains { $0.indexStatus != nil }
    let unborn = try git.head() == nil
    guard staged || unborn else { throw WorkspaceError.nothingToCommit }
    return (try git.commit(message: message), readded)
  }
}
