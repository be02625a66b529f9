import MLVStore

/// A directory listing in tree order (paths sorted by bytes), cut where `TreeBuilder` cuts
/// its leaves: the cuts depend on paths only, so they are found without reading a file or
/// the stored tree, and each run can be matched against the leaf cache by its digest.
///
/// Paths are kept as UTF-8 bytes back to back, with each path's FNV-1a hash (the stat
/// cache's path hash, from which the cut's hash is one finaliser away): a million paths
/// as Strings were 64 MB of small allocations, the largest part of a one-file commit's
/// peak, and hashing them again per run was a tenth of its CPU. `path(_:)` makes a String
/// when a caller needs one (the files of changed runs, a run's first and last path).
struct TreeListing {
  /// The paths' bytes, sorted; path `i` ends at `ends[i]` (and starts where `i - 1` ends).
  private(set) var bytes: [UInt8] = []
  private(set) var ends: [Int] = []
  /// FNV-1a of each path (`StatCache.pathHash` from `pathHashBasis`).
  private(set) var hashes: [UInt64] = []
  var stats: [FileStat] = []
  /// Leaf runs: indices into the listing, in order; together they cover every path.
  private(set) var runs: [Range<Int>] = []

  var count: Int { ends.count }

  /// Sorts a walker's listing and cuts it into leaf runs. The sort keys, hashes and cuts
  /// come from the listing's bytes; nothing holds a second, unsorted copy of the paths.
  init(_ listing: DirectoryWalker.Listing) {
    struct Key {
      var hi: UInt64
      var lo: UInt64
      var segment: UInt32
      var index: UInt32
    }
    let segments = listing.segments
    var keys: [Key] = []
    keys.reserveCapacity(listing.count)
    for (s, segment) in segments.enumerated() {
      segment.pathBytes.withUnsafeBufferPointer { b in
        var start = 0
        for (i, end) in segment.pathEnds.enumerated() {
          let (hi, lo) = Self.prefixKey(UnsafeBufferPointer(rebasing: b[start..<end]))
          keys.append(Key(hi: hi, lo: lo, segment: UInt32(truncatingIfNeeded: s), index: UInt32(truncatingIfNeeded: i)))
          start = end
        }
      }
    }
    func range(_ k: Key) -> Range<Int> {
      let seg = segments[Int(k.segment)]
      let i = Int(k.index)
      return (i == 0 ? 0 : seg.pathEnds[i - 1])..<seg.pathEnds[i]
    }
    keys.sort { x, y in
      if x.hi != y.hi { return x.hi < y.hi }
      if x.lo != y.lo { return x.lo < y.lo }
      return segments[Int(x.segment)].pathBytes[range(x)].lexicographicallyPrecedes(segments[Int(y.segment)].pathBytes[range(y)])
    }
    reserve(keys.count, bytes: keys.reduce(0) { $0 + range($1).count })
    for k in keys {
      let seg = segments[Int(k.segment)]
      seg.pathBytes.withUnsafeBufferPointer { b in append(UnsafeBufferPointer(rebasing: b[range(k)]), seg.stats[Int(k.index)]) }
    }
    runs = Self.cut(hashes)
  }

  /// A listing of paths already sorted by bytes.
  init(sortedPaths: [String], stats: [FileStat]) {
    reserve(sortedPaths.count, bytes: sortedPaths.reduce(0) { $0 + $1.utf8.count })
    for (p, st) in zip(sortedPaths, stats) {
      var p = p
      p.withUTF8 { append($0, st) }
    }
    runs = Self.cut(hashes)
  }

  private mutating func reserve(_ files: Int, bytes total: Int) {
    bytes.reserveCapacity(total)
    ends.reserveCapacity(files)
    hashes.reserveCapacity(files)
    stats.reserveCapacity(files)
  }

  private mutating func append(_ path: UnsafeBufferPointer<UInt8>, _ stat: FileStat) {
    bytes.append(contentsOf: path)
    ends.append(bytes.count)
    hashes.append(StatCache.pathHash(StatCache.pathHashBasis, path))
    stats.append(stat)
  }

  /// The bytes of path `i`.
  func pathBytes(_ i: Int) -> ArraySlice<UInt8> { bytes[(i == 0 ? 0 : ends[i - 1])..<ends[i]] }

  /// Path `i` as a String.
  func path(_ i: Int) -> String {
    pathBytes(i).withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
  }

  /// The leaf runs of sorted paths with these FNV-1a hashes, by `TreeShape`'s rule (as
  /// `TreeBuilder.add` applies it: the cut hash is the path hash's finaliser).
  static func cut(_ hashes: [UInt64]) -> [Range<Int>] {
    var runs: [Range<Int>] = []
    runs.reserveCapacity(hashes.count / 256 + 1)
    var start = 0
    for (i, h) in hashes.enumerated() where TreeShape.endsLeaf(lastPath: TreeShape.finish(h), count: i + 1 - start) {
      runs.append(start..<(i + 1))
      start = i + 1
    }
    if start < hashes.count { runs.append(start..<hashes.count) }
    return runs
  }

  /// The digest of run `r` (`StatCache.digest` of its paths and stats).
  func digest(_ r: Range<Int>) -> StatCache.Digest {
    var d = StatCache.Digest(a: 0, b: 0)
    for i in r {
      let (a, b) = StatCache.fileHash(pathHash: hashes[i], stats[i])
      d.a &+= a
      d.b &+= b
    }
    return d
  }

  /// The index of `path`, by binary search.
  func index(of path: String) -> Int? {
    let want = Array(path.utf8)
    var lo = 0
    var hi = count
    while lo < hi {
      let mid = (lo + hi) / 2
      if pathBytes(mid).lexicographicallyPrecedes(want) { lo = mid + 1 } else { hi = mid }
    }
    return lo < count && pathBytes(lo).elementsEqual(want) ? lo : nil
  }

  /// Indices of `paths` in byte order. Each path's first 16 bytes, as two big-endian
  /// integers, decide almost every comparison; whole paths are compared only on a tie. A
  /// sort of the strings themselves (a retain, release and memcmp per comparison, ~20
  /// comparisons per path) would cost more than everything else a one-file commit does.
  static func byteOrder(_ paths: [String]) -> [Int] {
    struct Key {
      var hi: UInt64
      var lo: UInt64
      var index: Int
    }
    var keys: [Key] = []
    keys.reserveCapacity(paths.count)
    for (i, path) in paths.enumerated() {
      var p = path
      let (hi, lo) = p.withUTF8 { prefixKey($0) }
      keys.append(Key(hi: hi, lo: lo, index: i))
    }
    keys.sort { x, y in
      if x.hi != y.hi { return x.hi < y.hi }
      if x.lo != y.lo { return x.lo < y.lo }
      return Manifest.bytesLess(paths[x.index], paths[y.index])
    }
    return keys.map(\.index)
  }

  /// A path's first 16 bytes as two big-endian integers (zero-padded): ordering these
  /// orders paths by bytes, except between paths that share their first 16 bytes.
  static func prefixKey(_ b: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
    var hi: UInt64 = 0
    var lo: UInt64 = 0
    for k in 0..<16 {
      let byte = k < b.count ? UInt64(b[k]) : 0
      if k < 8 { hi = hi << 8 | byte } else { lo = lo << 8 | byte }
    }
    return (hi, lo)
  }
}
