import MLVStore

/// Reads directory trees from the store, checking as it goes what a node promises: its
/// children's heights, their order, that each subtree starts where its parent says, and
/// the totals a parent records for it. A hostile tree is an error naming the node, never a
/// loop or a wrong listing (node ids are content hashes, so no node can contain itself).
struct TreeReader {
  let store: ObjectReader

  func node(_ id: ObjectID) throws -> TreeNode {
    guard let info = store.info(id) else { throw StoreError.missingObject(id) }
    guard info.type == .tree else {
      throw WorkspaceError.invalidManifest(id.hex, reason: "object is a \(info.type), not a tree node")
    }
    return try TreeFormat.decode(try store.read(id), id: id)
  }

  /// Calls `body` with every leaf in path order (or only those that may hold paths inside
  /// `prefix/`), checking each subtree against what its parent says of it. Returns the
  /// total files and bytes seen.
  @discardableResult
  func forEachLeaf(
    _ root: ObjectID, under prefix: String? = nil, _ body: (ObjectID, [Manifest.Entry]) throws -> Void
  ) throws -> (files: Int, bytes: Int64) {
    try walk(root, expectHeight: nil, range: (nil, nil), prefix: prefix, body)
  }

  private func walk(
    _ id: ObjectID, expectHeight: Int?, range: (first: String?, next: String?), prefix: String?,
    _ body: (ObjectID, [Manifest.Entry]) throws -> Void
  ) throws -> (files: Int, bytes: Int64) {
    func bad(_ why: String) -> WorkspaceError { .invalidManifest(id.hex, reason: "tree node: \(why)") }
    switch try node(id) {
    case .leaf(let entries):
      if let h = expectHeight, h != 0 { throw bad("a leaf where a node of height \(h) belongs") }
      if let first = range.first, entries.first?.path != first { throw bad("does not start at \(first)") }
      if let next = range.next, let last = entries.last, !Manifest.bytesLess(last.path, next) {
        throw bad("runs past \(next)")
      }
      try body(id, entries)
      return (entries.count, try Sizes.sum(entries.lazy.map(\.size), "tree leaf \(id.hex)"))
    case .node(let height, let children):
      if let h = expectHeight, h != height { throw bad("height \(height) where \(h) belongs") }
      if let first = range.first, children.first?.firstPath != first { throw bad("does not start at \(first)") }
      if let next = range.next, let last = children.last, !Manifest.bytesLess(last.firstPath, next) {
        throw bad("runs past \(next)")
      }
      var files = 0
      var bytes: Int64 = 0
      for (i, c) in children.enumerated() {
        let next = i + 1 < children.count ? children[i + 1].firstPath : range.next
        if let prefix, !Self.mayHold(prefix, from: c.firstPath, to: next) { continue }
        let seen = try walk(c.id, expectHeight: height - 1, range: (c.firstPath, next), prefix: prefix, body)
        if prefix == nil, seen.files != c.files || seen.bytes != c.bytes {
          throw bad("child \(c.id.hex.prefix(12)) holds \(seen.files) files, \(seen.bytes) bytes; the node says \(c.files), \(c.bytes)")
        }
        files += seen.files
        bytes = try Sizes.add(bytes, seen.bytes, "tree node \(id.hex)")
      }
      return (files, bytes)
    }
  }

  /// The leaves of `root` in order, as their parents describe them: only nodes are read
  /// (~30 for a million files), except for a tree that is one leaf. For the leaf cache, which
  /// checks each against the run of files it must hold.
  func leafChildren(_ root: ObjectID) throws -> [TreeChild] {
    switch try node(root) {
    case .leaf(let entries):
      guard let first = entries.first else { return [] }
      return [TreeChild(id: root, files: entries.count, bytes: try Sizes.sum(entries.lazy.map(\.size), "tree leaf"), firstPath: first.path)]
    case .node(let height, let children):
      if height == 1 { return children }
      return try children.flatMap { try leafChildren($0.id) }
    }
  }

  /// Whether paths from `first` up to (not including) `next` can include `prefix` or
  /// paths inside `prefix/`.
  static func mayHold(_ prefix: String, from first: String, to next: String?) -> Bool {
    let low = prefix, high = prefix + "/\u{10FFFF}"
    if let next, !Manifest.bytesLess(low, next) { return false }  // everything ends before the prefix
    return !Manifest.bytesLess(high, first)
  }

  /// Every entry (for small uses; the hot paths stream leaves). Also checks that no path is
  /// both a file and a directory across leaves.
  func entries(_ root: ObjectID, under prefix: String? = nil) throws -> [Manifest.Entry] {
    var out: [Manifest.Entry] = []
    try forEachLeaf(root, under: prefix) { _, entries in
      if let prefix {
        out += entries.filter { $0.path == prefix || $0.path.hasPrefix(prefix + "/") }
      } else {
        out += entries
      }
    }
    if prefix == nil {
      let paths = Set(out.map(\.path))
      for e in out {
        var p = Substring(e.path)
        while let slash = p.lastIndex(of: "/") {
          p = p[..<slash]
          if paths.contains(String(p)) {
            throw WorkspaceError.invalidManifest(root.hex, reason: "\(p) is both a file and a directory")
          }
        }
      }
    }
    return out
  }
}
