import CLibGit2

extension GitRepository {
  /// Every commit reachable from `tips` (all parents, not just the first), each once.
  /// gc walks this to keep the data of every kept revision's whole history.
  public func reachableCommits(from tips: [GitOID]) throws -> [GitOID] {
    var walk: OpaquePointer?
    try check(git_revwalk_new(&walk, handle), "start revision walk")
    guard let walk else { return [] }
    defer { git_revwalk_free(walk) }
    for tip in tips {
      var raw = tip.raw
      try check(git_revwalk_push(walk, &raw), "walk from \(tip)")
    }
    var out: [GitOID] = []
    var oid = git_oid()
    while git_revwalk_next(&oid, walk) == 0 { out.append(GitOID(oid)) }
    return out
  }
}
