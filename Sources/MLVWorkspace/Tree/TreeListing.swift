import MLVStore

/// A directory listing in tree order (paths sorted by bytes), cut where `TreeBuilder` cuts
/// its leaves: the cuts depend on paths only, so they are found without reading a file or
/// the stored tree, and each run can be matched against the leaf cache by its digest.
struct TreeListing {
  var paths: [String]
  var stats: [FileStat]
  /// Leaf runs: indices into `paths`, in order; together they cover every path.
  var runs: [Range<Int>]

  /// Sorts `files` and cuts them into leaf runs.
  init(_ files: [(path: String, stat: FileStat)]) {
    let order = Self.byteOrder(files.map(\.path))
    paths = order.map { files[$0].path }
    stats = order.map { files[$0].stat }
    runs = Self.cut(paths)
  }

  init(sortedPaths: [String], stats: [FileStat]) {
    paths = sortedPaths
    self.stats = stats
    runs = Self.cut(sortedPaths)
  }

  /// The leaf runs of sorted `paths`, by `TreeShape`'s rule (as `TreeBuilder.add` applies it).
  static func cut(_ paths: [String]) -> [Range<Int>] {
    var runs: [Range<Int>] = []
    runs.reserveCapacity(paths.count / 256 + 1)
    var start = 0
    for (i, p) in paths.enumerated() where TreeShape.endsLeaf(lastPath: TreeShape.pathHash(p), count: i + 1 - start) {
      runs.append(start..<(i + 1))
      start = i + 1
    }
    if start < paths.count { runs.append(start..<paths.count) }
    return runs
  }

  /// The digest of run `r` (`StatCache.digest` of its paths and stats).
  func digest(_ r: Range<Int>) -> StatCache.Digest {
    var d = StatCache.Digest(a: 0, b: 0)
    for i in r {
      let (a, b) = StatCache.fileHash(paths[i], stats[i])
      d.a &+= a
      d.b &+= b
    }
    return d
  }

  /// The index of `path`, by binary search.
  func index(of path: String) -> Int? {
    var lo = 0
    var hi = paths.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if Manifest.bytesLess(paths[mid], path) { lo = mid + 1 } else { hi = mid }
    }
    return lo < paths.count && paths[lo] == path ? lo : nil
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
      let (hi, lo) = p.withUTF8 { b -> (UInt64, UInt64) in
        var hi: UInt64 = 0
        var lo: UInt64 = 0
        for k in 0..<16 {
          let byte = k < b.count ? UInt64(b[k]) : 0
          if k < 8 { hi = hi << 8 | byte } else { lo = lo << 8 | byte }
        }
        return (hi, lo)
      }
      keys.append(Key(hi: hi, lo: lo, index: i))
    }
    keys.sort { x, y in
      if x.hi != y.hi { return x.hi < y.hi }
      if x.lo != y.lo { return x.lo < y.lo }
      return Manifest.bytesLess(paths[x.index], paths[y.index])
    }
    return keys.map(\.index)
  }
}
