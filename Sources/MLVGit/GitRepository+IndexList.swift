import CLibGit2

extension GitRepository {
  /// Paths of the stage-0 index entries that end with `suffix` (e.g. every staged `.mlv`
  /// pointer), in index order. Reading the index avoids walking the work tree, which may
  /// hold gigabytes of data in ignored directories.
  public func indexFiles(withSuffix suffix: String) throws -> [String] {
    try indexPaths { $0.hasSuffix(suffix) }
  }

  /// Paths of the index entries below `prefix` (which should end with '/'). The index is
  /// sorted by path, so this is a binary search plus the matching entries: checkout asks
  /// once per tracked path, and a 100,000-file index scanned whole each time would cost
  /// ~20 ms per ask.
  public func indexFiles(withPrefix prefix: String) throws -> [String] {
    try withIndex { index in
      var at = 0
      guard git_index_find_prefix(&at, index, prefix) == 0 else { return [] }  // GIT_ENOTFOUND: none
      var out: [String] = []
      let count = git_index_entrycount(index)
      while at < count, let entry = git_index_get_byindex(index, at), let path = entry.pointee.path {
        let p = String(cString: path)
        guard p.hasPrefix(prefix) else { break }
        out.append(p)
        at += 1
      }
      return out
    }
  }

  func indexPaths(_ include: (String) -> Bool) throws -> [String] {
    try withIndex { index in
      var out: [String] = []
      let count = git_index_entrycount(index)
      for i in 0..<count {
        guard let entry = git_index_get_byindex(index, i), let path = entry.pointee.path else { continue }
        let p = String(cString: path)
        if include(p) { out.append(p) }
      }
      return out
    }
  }
}
