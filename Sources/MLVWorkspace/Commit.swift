import MLVGit

extension Workspace {
  /// `mlv commit`: re-adds tracked data whose workspace content differs from its pointer,
  /// then makes one git commit of everything staged (pointers, params, code).
  public func commit(message: String) throws -> (commit: GitOID, readded: [AddResult]) {
    let changed = try status().filter { !$0.missing && !$0.isClean }.map(\.path)
    let readded = changed.isEmpty ? [] : try add(changed).results
    let staged = try git.status().contains { $0.indexStatus != nil }
    let unborn = try git.head() == nil
    guard staged || unborn else { throw WorkspaceError.nothingToCommit }
    return (try git.commit(message: message), readded)
  }
}
