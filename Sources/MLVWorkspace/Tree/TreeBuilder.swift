import MLVStore

/// Builds a directory tree from its entries in sorted order, one leaf at a time: memory
/// follows one leaf and the open nodes, not the listing (docs/design.md, "Directory trees").
/// Each finished object goes to `emit` (to be stored, or nowhere when only the root id is
/// wanted); the same entries always give the same objects and root.
final class TreeBuilder {
  struct Pending {
    var child: TreeChild
    var lastPathHash: UInt64
  }

  private let emit: (ObjectID, [UInt8]) throws -> Void
  private var leaf: [Manifest.Entry] = []
  private var leafBytes: Int64 = 0
  /// Children waiting for their node, by height - 1 (index 0 holds leaves).
  private var levels: [[Pending]] = []
  private var lastPath: String?
  private(set) var files = 0
  private(set) var bytes: Int64 = 0
  /// Every leaf closed so far, in order (for the leaf cache).
  private(set) var leaves: [TreeChild] = []

  init(emit: @escaping (ObjectID, [UInt8]) throws -> Void) { self.emit = emit }

  /// A builder that stores every object through `writer` (compressed: the text of a leaf
  /// shrinks ~3x).
  convenience init(writer: ObjectWriter) {
    self.init { id, bytes in try writer.put(id, type: .tree, bytes: bytes, compress: true) }
  }

  /// Adds the next entry; paths must be strictly increasing in byte order.
  func add(_ e: Manifest.Entry) throws {
    if let lastPath, !Manifest.bytesLess(lastPath, e.path) {
      throw WorkspaceError.invalidManifest("tree", reason: "entries are not sorted and unique at \(e.path)")
    }
    lastPath = e.path
    leaf.append(e)
    leafBytes = try Sizes.add(leafBytes, e.size, "directory")
    files += 1
    bytes = try Sizes.add(bytes, e.size, "directory")
    let hash = TreeShape.pathHash(e.path)
    if TreeShape.endsLeaf(lastPath: hash, count: leaf.count) { try closeLeaf(lastHash: hash) }
  }

  /// Adds a whole stored leaf whose last path is `lastPath`: a run of files that `add`
  /// would have made into exactly this leaf (an unchanged run, by `TreeScan`). Valid only
  /// where a leaf ends, so after another whole leaf or a run `add` closed.
  func addLeaf(_ child: TreeChild, lastPath last: String) throws {
    guard leaf.isEmpty, child.files > 0 else {
      throw WorkspaceError.invalidManifest("tree", reason: "a whole leaf added inside an open one")
    }
    if let lastPath, !Manifest.bytesLess(lastPath, child.firstPath) {
      throw WorkspaceError.invalidManifest("tree", reason: "entries are not sorted and unique at \(child.firstPath)")
    }
    lastPath = last
    files += child.files
    bytes = try Sizes.add(bytes, child.bytes, "directory")
    leaves.append(child)
    try push(Pending(child: child, lastPathHash: TreeShape.pathHash(last)), level: 0, final: false)
  }

  private func closeLeaf(lastHash: UInt64) throws {
    guard !leaf.isEmpty else { return }
    let data = TreeFormat.encodeLeaf(leaf)
    let id = ObjectID.hash(data)
    try emit(id, data)
    let child = TreeChild(id: id, files: leaf.count, bytes: leafBytes, firstPath: leaf[0].path)
    leaves.append(child)
    leaf.removeAll(keepingCapacity: true)
    leafBytes = 0
    try push(Pending(child: child, lastPathHash: lastHash), level: 0, final: false)
  }

  /// Adds a child at `level` and closes that level's node when its cut comes.
  private func push(_ p: Pending, level: Int, final: Bool) throws {
    if levels.count <= level { levels.append([]) }
    levels[level].append(p)
    if !final, TreeShape.endsNode(lastPath: p.lastPathHash, count: levels[level].count, height: level + 1) {
      try closeNode(level: level)
    }
  }

  private func closeNode(level: Int) throws {
    let pending = levels[level]
    guard !pending.isEmpty else { return }
    levels[level].removeAll(keepingCapacity: true)
    guard level + 1 <= TreeShape.maxHeight else {
      throw WorkspaceError.invalidManifest("tree", reason: "more than \(TreeShape.maxHeight) levels")
    }
    let children = pending.map(\.child)
    let data = TreeFormat.encodeNode(height: level + 1, children)
    let id = ObjectID.hash(data)
    try emit(id, data)
    let files = children.reduce(0) { $0 + $1.files }
    let bytes = try Sizes.sum(children.lazy.map(\.bytes), "directory")
    let node = TreeChild(id: id, files: files, bytes: bytes, firstPath: children[0].firstPath)
    try push(Pending(child: node, lastPathHash: pending[pending.count - 1].lastPathHash), level: level + 1, final: false)
  }

  /// Closes everything; returns the root: the one object left at the top (an empty leaf
  /// for an empty directory).
  func finish() throws -> ObjectID {
    if !leaf.isEmpty { try closeLeaf(lastHash: TreeShape.pathHash(leaf[leaf.count - 1].path)) }
    if levels.isEmpty {
      let data = TreeFormat.encodeLeaf([])
      let id = ObjectID.hash(data)
      try emit(id, data)
      return id
    }
    var level = 0
    while true {
      let higher = levels.indices.contains(level + 1) ? levels[(level + 1)...].contains { !$0.isEmpty } : false
      if levels[level].count == 1 && !higher { return levels[level][0].child.id }
      if !levels[level].isEmpty { try closeNodeFinal(level: level) }
      level += 1
      guard levels.indices.contains(level) else {
        throw WorkspaceError.invalidManifest("tree", reason: "no root")  // unreachable
      }
    }
  }

  /// `closeNode` at the end: the node takes what is left, whatever its cut.
  private func closeNodeFinal(level: Int) throws {
    let pending = levels[level]
    levels[level].removeAll()
    let children = pending.map(\.child)
    let data = TreeFormat.encodeNode(height: level + 1, children)
    let id = ObjectID.hash(data)
    try emit(id, data)
    let node = TreeChild(
      id: id, files: children.reduce(0) { $0 + $1.files }, bytes: try Sizes.sum(children.lazy.map(\.bytes), "directory"),
      firstPath: children[0].firstPath)
    if levels.count <= level + 1 { levels.append([]) }
    levels[level + 1].append(Pending(child: node, lastPathHash: pending[pending.count - 1].lastPathHash))
  }

  /// The root id of `entries` (sorted), storing nothing.
  static func rootID(_ entries: [Manifest.Entry]) throws -> ObjectID {
    let b = TreeBuilder { _, _ in }
    for e in entries { try b.add(e) }
    return try b.finish()
  }
}
