import CLibGit2

/// The three versions git keeps in its index for a path with a merge conflict (stages 1,
/// 2 and 3); a side is nil when that version has no such file (added or deleted there).
public struct GitConflict: Sendable {
  public var path: String
  public var base: [UInt8]?
  public var ours: [UInt8]?
  public var theirs: [UInt8]?
}

extension GitRepository {
  /// Paths with unresolved merge conflicts in the index, sorted.
  public func conflictedPaths() throws -> [String] {
    try withIndex { index in
      guard git_index_has_conflicts(index) != 0 else { return [] }
      var iterator: OpaquePointer?
      try check(git_index_conflict_iterator_new(&iterator, index), "list conflicts")
      defer { git_index_conflict_iterator_free(iterator) }
      var paths = Set<String>()
      var ancestor: UnsafePointer<git_index_entry>?
      var ours: UnsafePointer<git_index_entry>?
      var theirs: UnsafePointer<git_index_entry>?
      while git_index_conflict_next(&ancestor, &ours, &theirs, iterator) == 0 {
        for entry in [ancestor, ours, theirs] {
          if let entry, let p = entry.pointee.path { paths.insert(String(cString: p)) }
        }
      }
      return paths.sorted()
    }
  }

  /// The conflict stages of `path`; nil when the path has no conflict.
  public func conflict(_ path: String) throws -> GitConflict? {
    let rel = try relativePath(path)
    let ids: (GitOID?, GitOID?, GitOID?)? = try withIndex { index in
      var ancestor: UnsafePointer<git_index_entry>?
      var ours: UnsafePointer<git_index_entry>?
      var theirs: UnsafePointer<git_index_entry>?
      let rc = git_index_conflict_get(&ancestor, &ours, &theirs, index, rel)
      if rc == GIT_ENOTFOUND.rawValue { return nil }
      try check(rc, "read conflict \(rel)")
      return (ancestor.map { GitOID($0.pointee.id) }, ours.map { GitOID($0.pointee.id) }, theirs.map { GitOID($0.pointee.id) })
    }
    guard let (b, o, t) = ids else { return nil }
    return GitConflict(path: rel, base: try b.map { try readBlob($0) }, ours: try o.map { try readBlob($0) }, theirs: try t.map { try readBlob($0) })
  }
}
