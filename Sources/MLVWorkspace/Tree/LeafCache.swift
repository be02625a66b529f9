import Foundation
import MLVStore
import MLVSystem

#if canImport(Glibc)
  import Glibc
#endif

/// The tree a tracked directory was last made or found to be, leaf by leaf, with the stats
/// its files had then (docs/design.md, "Leaf cache"). With it, `status` of unchanged data is
/// one `lstat` per file and a sum; a commit after a one-file edit re-reads one leaf and
/// hashes one file; a checkout moves it along with the files it writes. Nothing in it is
/// loaded per file: the stat cache's file table (~70 MB for a million files, more to parse
/// than the `lstat` of every file) is not needed on these paths.
///
///     leafcache = magic "MLVLEAF1"  headerLength[u64 LE]
///                 header: dataPathLength[u16] dataPath  root[32]  leafCount[u32]
///                         (files[u32] bytes[i64] id[32] digestA[u64] digestB[u64]
///                          firstPathLength[u16] firstPath) * leafCount
///                 headerChecksum[32]          SHA-256 of everything before it
///                 stats: (size[i64] mtimeNs[i64] ctimeNs[i64] inode[u64] executable[u8])
///                        * files, in path order, leaf after leaf
///
/// A leaf's digest is `StatCache.digest` of its files' paths and stats, so the sum of the
/// leaves' digests is the whole directory's. Only the header is read up front; a leaf's
/// stats are read when its digest no longer matches. Damage to the header is caught by its
/// checksum (the cache is then ignored); a damaged stat can only fail to match a file's
/// current stat, which costs a re-hash, never a wrong id. A stat of a file modified in the
/// tick it was recorded in ("racily clean") is stored as a stat no file has.
struct LeafCache {
  struct Leaf {
    var child: TreeChild
    var digest: StatCache.Digest
    /// Index of the leaf's first file in the stats section.
    var firstStat: Int
  }

  var dataPath: String
  var root: ObjectID
  var leaves: [Leaf]
  /// Where the stats section starts in `file`.
  private var statsOffset: Int64 = 0
  private var file: String = ""

  static let magic = Array("MLVLEAF1".utf8)
  static let statSize = FileStat.byteCount
  /// Stands for a stat that must never match (a racily clean file's).
  static let unsettled = FileStat(size: -1, mtimeNs: -1, ctimeNs: -1, inode: 0, executable: false)

  var files: Int { leaves.last.map { $0.firstStat + $0.child.files } ?? 0 }
  var digest: StatCache.Digest {
    var d = StatCache.Digest(a: 0, b: 0)
    for l in leaves {
      d.a &+= l.digest.a
      d.b &+= l.digest.b
    }
    return d
  }

  static func path(_ stateDir: String, _ dataPath: String) -> String {
    stateDir + "/leaves/" + String(ObjectID.hash(Array(dataPath.utf8)).hex.prefix(32))
  }

  /// The cache of `dataPath`, or nil when there is none or it is damaged (then it is just
  /// not used; the next write replaces it).
  static func load(_ stateDir: String, _ dataPath: String) -> LeafCache? {
    let path = Self.path(stateDir, dataPath)
    guard let f = try? POSIXFile.openForReading(path), let size = try? f.size(), size >= 16 + 32,
      let head = try? f.read(count: 16, at: 0), head.count == 16, Array(head[0..<8]) == magic
    else { return nil }
    let length = head[8..<16].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    guard length <= UInt64(size), 16 + Int64(length) + 32 <= size,
      let front = try? f.read(count: 16 + Int(length) + 32, at: 0), front.count == 16 + Int(length) + 32
    else { return nil }
    let end = 16 + Int(length)
    let sum = front.withUnsafeBytes { ObjectID.hash(UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
    guard sum.bytes.elementsEqual(front[end...]) else { return nil }
    guard var cache = parse(front, end: end), cache.dataPath == dataPath else { return nil }
    cache.statsOffset = Int64(end + 32)
    cache.file = path
    guard size == cache.statsOffset + Int64(cache.files) * Int64(statSize) else { return nil }
    return cache
  }

  private static func parse(_ b: [UInt8], end: Int) -> LeafCache? {
    var c = ByteCursor(b, from: 16, end: end)
    guard let dataPath = c.string(), let rootBytes = c.bytes(32), let root = ObjectID(bytes: rootBytes),
      let count = c.int(UInt32.self)
    else { return nil }
    var leaves: [Leaf] = []
    leaves.reserveCapacity(Int(count))
    var next = 0
    var previous: String?
    for _ in 0..<count {
      guard let files = c.int(UInt32.self), files > 0, let bytes = c.int(Int64.self), bytes >= 0, let idBytes = c.bytes(32),
        let id = ObjectID(bytes: idBytes), let a = c.int(UInt64.self), let d = c.int(UInt64.self), let first = c.string()
      else { return nil }
      if let previous, !Manifest.bytesLess(previous, first) { return nil }
      previous = first
      leaves.append(
        Leaf(child: TreeChild(id: id, files: Int(files), bytes: bytes, firstPath: first), digest: .init(a: a, b: d), firstStat: next))
      next += Int(files)
    }
    guard c.atEnd else { return nil }
    return LeafCache(dataPath: dataPath, root: root, leaves: leaves)
  }

  /// The stats recorded for the files of leaf `i`, in path order (nil if unreadable).
  func stats(ofLeaf i: Int) -> [FileStat]? {
    let l = leaves[i]
    guard let f = try? POSIXFile.openForReading(file),
      let raw = try? f.read(count: l.child.files * Self.statSize, at: statsOffset + Int64(l.firstStat * Self.statSize)),
      raw.count == l.child.files * Self.statSize
    else { return nil }
    return raw.withUnsafeBytes { p in
      guard let base = p.baseAddress else { return [] }
      return (0..<l.child.files).map { k in FileStat(bytes: base + k * Self.statSize) }
    }
  }

  /// The recorded stats of every file, as stored (`statSize` bytes each, in path order),
  /// for copying the leaves a checkout keeps into the cache of the next tree; nil if
  /// unreadable.
  func rawStats() -> [UInt8]? {
    guard let f = try? POSIXFile.openForReading(file), let raw = try? f.read(count: files * Self.statSize, at: statsOffset),
      raw.count == files * Self.statSize
    else { return nil }
    return raw
  }

  /// One leaf of a cache being written.
  enum Part {
    /// A leaf of the cache being replaced, whose files and stats the new tree keeps as they
    /// were: its digest and its recorded stats (`rawStats`, `statSize` bytes per file) are
    /// copied, so a checkout that keeps 2,000 of 2,001 leaves handles no path of theirs.
    case kept(Leaf, stats: ArraySlice<UInt8>)
    /// A leaf with its files' paths and stats, in path order.
    case listed(TreeChild, paths: [String], stats: [FileStat])
    /// A leaf whose files are `range` of `listing`: no path is made into a String (for a
    /// million files those were ~100 MB at the end of an add), except where a racy stat
    /// must be looked at again.
    case run(TreeChild, TreeListing, Range<Int>)
  }

  /// Writes the cache of `dataPath` as tree `root`, leaf by leaf. A listed stat in the
  /// current timestamp tick is settled first: the tick is waited out (once, at most ~20 ms)
  /// and the file is looked at again; one that changed meanwhile is recorded as
  /// `unsettled`. Kept stats were settled when first written. Best effort: a cache that
  /// cannot be written is removed, and only costs speed.
  static func write(_ stateDir: String, _ dataPath: String, root: ObjectID, parts: [Part], absolute: (String) -> String) {
    let path = Self.path(stateDir, dataPath)
    var parts = parts
    let now = FileStat.clockNs
    let racyFrom = now() - StatCache.racyWindowNs
    var newest: Int64?
    for part in parts {
      switch part {
      case .kept: continue
      case .listed(_, _, let stats):
        for st in stats where st.mtimeNs >= racyFrom { newest = max(newest ?? st.mtimeNs, st.mtimeNs) }
      case .run(_, let listing, let range):
        for st in listing.stats[range] where st.mtimeNs >= racyFrom { newest = max(newest ?? st.mtimeNs, st.mtimeNs) }
      }
    }
    if let newest {
      usleep(UInt32(max(0, min(newest + StatCache.racyWindowNs - now(), StatCache.racyWindowNs)) / 1000))
      for k in parts.indices {
        // A run with a racy stat is listed out, to be re-checked below like any listed leaf.
        if case .run(let child, let listing, let range) = parts[k], listing.stats[range].contains(where: { $0.mtimeNs >= racyFrom }) {
          parts[k] = .listed(child, paths: range.map(listing.path), stats: Array(listing.stats[range]))
        }
        guard case .listed(let child, let paths, var stats) = parts[k], stats.contains(where: { $0.mtimeNs >= racyFrom }) else { continue }
        for i in stats.indices where stats[i].mtimeNs >= racyFrom && FileStat.of(absolute(paths[i])) != stats[i] { stats[i] = unsettled }
        parts[k] = .listed(child, paths: paths, stats: stats)
      }
    }
    for part in parts {
      switch part {
      case .kept(let leaf, let raw):
        guard raw.count == leaf.child.files * statSize else { return FS.remove(path) }
      case .listed(let child, let paths, let stats):
        guard paths.count == child.files, stats.count == child.files else { return FS.remove(path) }
      case .run(let child, let listing, let range):
        guard range.count == child.files, range.upperBound <= listing.count else { return FS.remove(path) }
      }
    }
    var out = magic
    out.reserveCapacity(16 + parts.count * 120 + 64)
    func append<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    append(UInt64(0))  // headerLength, filled in below
    guard dataPath.utf8.count < 65536, parts.count <= Int(UInt32.max) else { return FS.remove(path) }
    append(UInt16(dataPath.utf8.count))
    out += dataPath.utf8
    out += root.bytes
    append(UInt32(parts.count))
    for part in parts {
      let l: TreeChild
      var d = StatCache.Digest(a: 0, b: 0)
      switch part {
      case .kept(let leaf, _):
        l = leaf.child
        d = leaf.digest
      case .listed(let child, let paths, let stats):
        l = child
        for (p, st) in zip(paths, stats) {
          let (a, b) = StatCache.fileHash(p, st)
          d.a &+= a
          d.b &+= b
        }
      case .run(let child, let listing, let range):
        l = child
        d = listing.digest(range)
      }
      guard l.firstPath.utf8.count < 65536, l.files <= Int(UInt32.max) else { return FS.remove(path) }
      append(UInt32(l.files))
      append(l.bytes)
      out += l.id.bytes
      append(d.a)
      append(d.b)
      append(UInt16(l.firstPath.utf8.count))
      out += l.firstPath.utf8
    }
    withUnsafeBytes(of: UInt64(out.count - 16).littleEndian) { out.replaceSubrange(8..<16, with: $0) }
    out += ObjectID.hash(out).bytes
    // The stats go straight to the file, a leaf at a time: for a million files they are
    // 33 MB, which a commit would otherwise hold twice at its peak.
    do {
      try FS.makeDirectories(stateDir + "/leaves")
      try FS.atomicWrite(to: path, durable: false) { f in
        try f.write(out)
        var buffer: [UInt8] = []
        for part in parts {
          switch part {
          case .kept(_, let raw): try raw.withUnsafeBytes { try f.write($0) }
          case .listed(_, _, let stats):
            try write(stats[...], &buffer, f)
          case .run(_, let listing, let range):
            try write(listing.stats[range], &buffer, f)
          }
        }
      }
    } catch { FS.remove(path) }
  }

  /// Writes `stats` in the cache's layout through `buffer`.
  private static func write(_ stats: ArraySlice<FileStat>, _ buffer: inout [UInt8], _ f: POSIXFile) throws {
    buffer.removeAll(keepingCapacity: true)
    buffer.append(contentsOf: repeatElement(0, count: stats.count * statSize))
    buffer.withUnsafeMutableBytes { out in
      guard let base = out.baseAddress else { return }
      for (k, st) in stats.enumerated() { st.write(to: base + k * statSize) }
    }
    try f.write(buffer)
  }

  static func remove(_ stateDir: String, _ dataPath: String) { FS.remove(Self.path(stateDir, dataPath)) }
}
