import MLVStore

/// The merge driver's fast path for two tree pointers (docs/git.md, "Merges"): each side's
/// changes from the base come from `TreeDiff`, which reads only the subtrees whose ids
/// differ, so a merge of two 20,000-file directories that each changed a few files reads
/// ours whole once (to build the result) and a few leaves of the others, instead of
/// decoding and hashing three full listings into dictionaries.
extension Workspace {
  /// The merged pointer when the two sides changed no path differently and the result has
  /// no file/directory clash; nil when the full merge (`ManifestMerge`) must decide, which
  /// is also what names the conflicts.
  func mergeTreesByDelta(base: Pointer, ours: Pointer, theirs: Pointer) throws -> Pointer? {
    guard base.kind == .dir, ours.kind == .dir, theirs.kind == .dir, base.isTree, ours.isTree, theirs.isTree else {
      return nil
    }
    let diff = TreeDiff(reader: TreeReader(store: store))
    // What each side made of each path it changed: its new entry, or nil for a deletion.
    func outcomes(_ c: (old: [Manifest.Entry], new: [Manifest.Entry])) -> [String: Manifest.Entry?] {
      var out: [String: Manifest.Entry?] = [:]
      for e in c.old { out[e.path] = .some(nil) }
      for e in c.new { out[e.path] = e }
      return out
    }
    let ourSide = outcomes(try diff.changes(from: base.oid, to: ours.oid))
    let theirDelta = try diff.changes(from: base.oid, to: theirs.oid)
    let theirSide = outcomes(theirDelta)
    for (path, theirs) in theirSide {
      if let ours = ourSide[path], !ManifestMerge.same(ours, theirs) { return nil }  // a conflict
    }
    // Ours, with every path theirs changed replaced by theirs' version (a path both changed
    // the same way comes out once, from theirs).
    let kept = try entries(of: ours).filter { theirSide[$0.path] == nil }
    let added = theirDelta.new.sorted { Manifest.bytesLess($0.path, $1.path) }
    var merged: [Manifest.Entry] = []
    merged.reserveCapacity(kept.count + added.count)
    var i = 0
    for e in added {
      while i < kept.count, Manifest.bytesLess(kept[i].path, e.path) {
        merged.append(kept[i])
        i += 1
      }
      merged.append(e)
    }
    merged += kept[i...]
    // Ours is a valid tree on its own, so a clash of a file with a directory of the same
    // name can only involve a path theirs brought in: left to the full merge to report.
    for e in added where Self.clashes(e.path, in: merged) { return nil }
    let writer = store.makeWriter()
    let pointer = try directoryPointer(merged, writer: writer)
    try writer.flush()
    return pointer
  }

  /// Whether `sorted` (in path byte order) holds a parent directory of `path` as a file, or
  /// a file inside `path` as a directory.
  static func clashes(_ path: String, in sorted: [Manifest.Entry]) -> Bool {
    func lowerBound(_ key: String) -> Int {
      var (lo, hi) = (0, sorted.count)
      while lo < hi {
        let mid = (lo + hi) / 2
        if Manifest.bytesLess(sorted[mid].path, key) { lo = mid + 1 } else { hi = mid }
      }
      return lo
    }
    let inside = lowerBound(path + "/")
    if inside < sorted.count, sorted[inside].path.hasPrefix(path + "/") { return true }
    var p = Substring(path)
    while let slash = p.lastIndex(of: "/") {
      p = p[..<slash]
      let at = lowerBound(String(p))
      if at < sorted.count, sorted[at].path == p { return true }
    }
    return false
  }
}
