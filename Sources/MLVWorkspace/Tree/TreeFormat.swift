import MLVStore

/// A directory's content as a tree of objects (docs/design.md, "Directory trees"): the
/// sorted listing of its files is cut into content-defined runs (leaves), and the leaves
/// are listed by nodes, cut the same way, up to one root that the pointer names.
///
///     leaf = "mlv-tree: 1 leaf\n"  (<mode> <size> <oid> <path>\n)*          paths sorted, as in a manifest
///     node = "mlv-tree: 1 node <height>\n"  (<oid> <files> <bytes> <first path>\n)*
///
/// Cuts depend on paths only, never on content: editing a file rewrites its leaf and the
/// nodes above it (O(depth) small objects), and an unchanged run of files keeps its leaf id,
/// so diff, checkout, push, fetch, gc and fsck skip every subtree whose id matches.
public enum TreeNode: Equatable, Sendable {
  case leaf([Manifest.Entry])
  /// `height` 1 lists leaves; `height` h lists nodes of height h - 1.
  case node(height: Int, children: [TreeChild])
}

/// One child of a node: a subtree, its totals, and the first path in it.
public struct TreeChild: Equatable, Sendable {
  public var id: ObjectID
  public var files: Int
  public var bytes: Int64
  public var firstPath: String

  public init(id: ObjectID, files: Int, bytes: Int64, firstPath: String) {
    self.id = id
    self.files = files
    self.bytes = bytes
    self.firstPath = firstPath
  }
}

/// Where the listing is cut. A leaf ends after a path whose hash has its low 9 bits zero
/// (on average every 512 files: ~50 KB of text, ~20 KB stored), but holds at least 32
/// and at most 4,096 files; a node ends after a child whose last path has 6 other bits
/// zero (every 64 children), at least 4, at most 1,024. So a million files are ~2,000
/// leaves under ~30 nodes under one root: depth 3, and a one-file edit writes ~25 KB.
public enum TreeShape {
  static let leafMask: UInt64 = 0x1FF
  static let minLeaf = 32
  static let maxLeaf = 4096
  static let nodeMask: UInt64 = 0x3F
  static let minNode = 4
  static let maxNode = 1024
  /// Deeper trees are refused as hostile: 4,096 files per leaf and 1,024 children per node
  /// reach 4 * 10^12 files at height 3.
  static let maxHeight = 8

  /// FNV-1a over the path's bytes, then SplitMix64's finalizer so every bit depends on
  /// every byte. Part of the format: changing it changes every tree id.
  public static func pathHash(_ path: String) -> UInt64 {
    var p = path
    return p.withUTF8 { pathHash($0) }
  }

  /// `pathHash` of a path's UTF-8 bytes.
  static func pathHash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes {
      h ^= UInt64(b)
      h = h &* 0x100_0000_01b3
    }
    return finish(h)
  }

  /// The finaliser of `pathHash`, from the path's plain FNV-1a (the stat cache's path hash,
  /// `StatCache.pathHash`, which a listing has already).
  static func finish(_ fnv: UInt64) -> UInt64 {
    var h = fnv
    h = (h ^ (h >> 30)) &* 0xbf58_476d_1ce4_e5b9
    h = (h ^ (h >> 27)) &* 0x94d0_49bb_1331_11eb
    return h ^ (h >> 31)
  }

  /// Whether a leaf of `count` files whose last path is `path` ends here.
  static func endsLeaf(lastPath hash: UInt64, count: Int) -> Bool {
    count >= maxLeaf || (count >= minLeaf && hash & leafMask == 0)
  }

  /// Whether a node of `height` with `count` children, the last of which ends with a path
  /// of hash `hash`, ends here. Each level looks at its own bits.
  static func endsNode(lastPath hash: UInt64, count: Int, height: Int) -> Bool {
    count >= maxNode || (count >= minNode && (hash >> UInt64(16 + 8 * height)) & nodeMask == 0)
  }
}

enum TreeFormat {
  static let leafHeader = Array("mlv-tree: 1 leaf\n".utf8)
  static let nodePrefix = Array("mlv-tree: 1 node ".utf8)

  static func encodeLeaf(_ entries: [Manifest.Entry]) -> [UInt8] {
    var out = leafHeader
    out.reserveCapacity(entries.count * 100 + 32)
    for e in entries { Manifest.appendLine(e, to: &out) }
    return out
  }

  static func encodeNode(height: Int, _ children: [TreeChild]) -> [UInt8] {
    var out = nodePrefix + Array("\(height)\n".utf8)
    out.reserveCapacity(children.count * 110 + 32)
    for c in children {
      out += Array("\(c.id.hex) \(c.files) \(c.bytes) ".utf8)
      out += c.firstPath.utf8
      out.append(10)
    }
    return out
  }

  /// Parses and validates a node's bytes: canonical numbers, sorted and validated paths,
  /// totals that fit. `id` names the object in errors.
  static func decode(_ bytes: [UInt8], id: ObjectID) throws -> TreeNode {
    func bad(_ why: String) -> WorkspaceError { .invalidManifest(id.hex, reason: "tree node: \(why)") }
    guard bytes.last == 10 else { throw bad("no final newline") }
    if bytes.starts(with: leafHeader) {
      return .leaf(try Manifest.parseLines(bytes, from: leafHeader.count, firstLine: 2, id: id.hex))
    }
    guard bytes.starts(with: nodePrefix) else {
      if bytes.starts(with: Array("mlv-tree: ".utf8)) { throw bad("unsupported version; upgrade mlv") }
      throw bad("missing 'mlv-tree: 1' header")
    }
    return try bytes.withUnsafeBufferPointer { b in
      var pos = nodePrefix.count
      var end = pos
      while b[end] != 10 { end += 1 }
      guard let height = Int(String(decoding: UnsafeBufferPointer(rebasing: b[pos..<end]), as: UTF8.self)),
        (1...TreeShape.maxHeight).contains(height), end - pos == String(height).utf8.count
      else { throw bad("bad height") }
      pos = end + 1
      var children: [TreeChild] = []
      var line = 1
      var previous: String?
      var files = 0
      var bytes: Int64 = 0
      while pos < b.count {
        line += 1
        end = pos
        while b[end] != 10 { end += 1 }
        // <64 hex> ' ' <files> ' ' <bytes> ' ' <first path>
        guard end - pos >= 70, b[pos + 64] == 32, let child = Manifest.parseHex(UnsafeBufferPointer(rebasing: b[pos..<(pos + 64)])) else {
          throw bad("line \(line): expected '<oid> <files> <bytes> <first path>'")
        }
        var i = pos + 65
        func number() throws -> Int64 {
          let start = i
          var n: Int64 = 0
          while i < end, b[i] != 32 {
            let d = b[i] &- 48
            guard d < 10, n <= (Int64.max - Int64(d)) / 10 else { throw bad("line \(line): bad number") }
            n = n * 10 + Int64(d)
            i += 1
          }
          guard i > start, i - start == 1 || b[start] != 48, i < end else { throw bad("line \(line): bad number") }
          i += 1
          return n
        }
        let count = try number()
        let size = try number()
        guard count > 0, count <= Int64(Int32.max) else { throw bad("line \(line): a subtree of \(count) files") }
        guard let path = String(validating: UnsafeBufferPointer(rebasing: b[i..<end]), as: UTF8.self) else {
          throw bad("line \(line): path is not valid UTF-8")
        }
        try RepoPath.validateBytes(path, context: "tree node \(id.hex) line \(line)")
        if let previous, !Manifest.bytesLess(previous, path) { throw bad("line \(line): children are not sorted") }
        previous = path
        let (f, o1) = files.addingReportingOverflow(Int(count))
        let (s, o2) = bytes.addingReportingOverflow(size)
        guard !o1, !o2 else { throw bad("totals overflow") }
        (files, bytes) = (f, s)
        children.append(TreeChild(id: child, files: Int(count), bytes: size, firstPath: path))
        pos = end + 1
      }
      guard !children.isEmpty else { throw bad("a node without children") }
      return .node(height: height, children: children)
    }
  }
}
