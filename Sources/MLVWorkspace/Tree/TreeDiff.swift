import MLVStore

/// What differs between two directory trees, reading only the subtrees whose ids differ:
/// a one-file edit of a million-file dataset reads the ~30 nodes of each side and one leaf
/// of each, not two million entries (docs/design.md, "Directory trees").
struct TreeDiff {
  let reader: TreeReader

  /// The entries of each side that the other side lacks or has otherwise (another size,
  /// id or mode), in path order. Equal trees give two empty lists without reading.
  func changes(from old: ObjectID, to new: ObjectID) throws -> (old: [Manifest.Entry], new: [Manifest.Entry]) {
    guard old != new else { return ([], []) }
    // Every object id of the old side (its leaves are named by the nodes above them, so only
    // nodes are read), then the new side's objects that are not among them.
    var oldIDs = Set<ObjectID>()
    try collect(old, into: &oldIDs)
    var newSeen = Set<ObjectID>()
    var newLeaves: [ObjectID] = []
    var sharedRoots: [(id: ObjectID, leaf: Bool)] = []
    try walk(new, skipping: oldIDs, seen: &newSeen, leaves: &newLeaves, skipped: &sharedRoots)
    // The old side's leaves outside the subtrees the new side shares.
    var shared = Set<ObjectID>()
    for r in sharedRoots {
      if r.leaf { shared.insert(r.id) } else { try collect(r.id, into: &shared) }
    }
    var oldSeen = Set<ObjectID>()
    var oldLeaves: [ObjectID] = []
    var unused: [(id: ObjectID, leaf: Bool)] = []
    try walk(old, skipping: shared, seen: &oldSeen, leaves: &oldLeaves, skipped: &unused)
    let a = try entries(of: oldLeaves)
    let b = try entries(of: newLeaves)
    // A changed leaf holds mostly unchanged files: keep only those that differ.
    var byPath: [String: Manifest.Entry] = [:]
    byPath.reserveCapacity(a.count)
    for e in a { byPath[e.path] = e }
    var newChanged: [Manifest.Entry] = []
    var same = Set<String>()
    for e in b {
      if let o = byPath[e.path], o == e { same.insert(e.path) } else { newChanged.append(e) }
    }
    return (a.filter { !same.contains($0.path) }, newChanged)
  }

  /// Adds the ids of `root` and every object below it; leaves are not read.
  private func collect(_ root: ObjectID, into ids: inout Set<ObjectID>) throws {
    guard ids.insert(root).inserted else { return }
    guard case .node(let height, let children) = try reader.node(root) else { return }
    for c in children {
      if height == 1 { ids.insert(c.id) } else { try collect(c.id, into: &ids) }
    }
  }

  /// Walks `root`, not entering ids in `skipping` (those met go to `skipped`); collects
  /// the leaves reached.
  private func walk(
    _ root: ObjectID, isLeaf: Bool = false, skipping: Set<ObjectID>, seen: inout Set<ObjectID>,
    leaves: inout [ObjectID], skipped: inout [(id: ObjectID, leaf: Bool)]
  ) throws {
    if skipping.contains(root) {
      skipped.append((root, isLeaf))
      return
    }
    guard seen.insert(root).inserted else { return }
    switch try reader.node(root) {
    case .leaf: leaves.append(root)
    case .node(let height, let children):
      for c in children {
        try walk(c.id, isLeaf: height == 1, skipping: skipping, seen: &seen, leaves: &leaves, skipped: &skipped)
      }
    }
  }

  private func entries(of leaves: [ObjectID]) throws -> [Manifest.Entry] {
    var out: [Manifest.Entry] = []
    for id in leaves {
      guard case .leaf(let e) = try reader.node(id) else { continue }
      out += e
    }
    return out
  }
}
