/// FastCDC content-defined chunking (Xia et al., "FastCDC", USENIX ATC 2016) with
/// normalized chunking.
///
/// A rolling "gear" fingerprint `fp = (fp << 1) + gear[byte]` is updated for each byte; a cut
/// is made after the first byte at which `fp & mask == 0`. Before the average size a mask with
/// more bits (harder to hit) is used, after it a mask with fewer bits, so sizes cluster near
/// the average. The first `minSize` bytes of a chunk are skipped without hashing — the cut
/// only depends on bytes since the chunk start, so an edit moves at most the boundaries
/// next to it and the stream re-synchronises after one or two chunks.
///
/// The fingerprint only keeps the last 64 bytes (each shift drops one); the masks test the
/// top bits, which depend on the most bytes, so every bit of the window matters.
public struct Chunker: Sendable {
  public let parameters: ChunkerParameters
  let gear: [UInt64]
  let maskSmall: UInt64
  let maskLarge: UInt64

  public init(_ parameters: ChunkerParameters = .default) throws {
    try parameters.validate()
    self.parameters = parameters
    self.gear = Chunker.gearTable(seed: parameters.seed)
    let bits = parameters.averageSize.trailingZeroBitCount
    self.maskSmall = Chunker.topBits(bits + parameters.normalization)
    self.maskLarge = Chunker.topBits(bits - parameters.normalization)
  }

  static func topBits(_ n: Int) -> UInt64 { n == 0 ? 0 : ~UInt64(0) << UInt64(64 - n) }

  /// 256 pseudo-random words from SplitMix64 (Steele et al.), chosen for being tiny and
  /// fully specified, so the table can be re-derived from the seed in the config.
  public static func gearTable(seed: UInt64) -> [UInt64] {
    var state = seed
    return (0..<256).map { _ in
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  /// The length of the chunk that starts at `buffer[0]`.
  ///
  /// `buffer` must hold at least `maxSize` bytes unless it reaches the end of the input
  /// (`isFinal`); then the remainder becomes the last chunk. Returns 0 for an empty buffer.
  public func cut(_ buffer: UnsafeRawBufferPointer, isFinal: Bool) -> Int {
    let n = buffer.count
    precondition(isFinal || n >= parameters.maxSize, "chunker needs maxSize bytes of look-ahead")
    if n <= parameters.minSize { return n }
    let end = min(n, parameters.maxSize)
    let normal = min(end, parameters.averageSize)
    return gear.withUnsafeBufferPointer { g in
      let bytes = buffer.bindMemory(to: UInt8.self)
      var fp: UInt64 = 0
      var i = parameters.minSize
      if let hit = scan(bytes, g, &fp, &i, normal, maskSmall) { return hit }
      if let hit = scan(bytes, g, &fp, &i, end, maskLarge) { return hit }
      return end
    }
  }

  /// Advances `i` up to `limit`; returns the cut length at the first hit of `mask`.
  /// Four bytes per iteration: the four gear lookups are independent of `fp`, so the CPU
  /// overlaps them and only the shift-add chain stays serial (~1.5x over one byte per step).
  @inline(__always)
  func scan(
    _ p: UnsafeBufferPointer<UInt8>, _ g: UnsafeBufferPointer<UInt64>, _ fp: inout UInt64,
    _ i: inout Int, _ limit: Int, _ mask: UInt64
  ) -> Int? {
    var h = fp
    var j = i
    while j + 4 <= limit {
      let g0 = g[Int(p[j])], g1 = g[Int(p[j + 1])], g2 = g[Int(p[j + 2])], g3 = g[Int(p[j + 3])]
      let h0 = (h &<< 1) &+ g0
      let h1 = (h &<< 2) &+ (g0 &<< 1) &+ g1
      let h2 = (h &<< 3) &+ (g0 &<< 2) &+ (g1 &<< 1) &+ g2
      let h3 = (h &<< 4) &+ (g0 &<< 3) &+ (g1 &<< 2) &+ (g2 &<< 1) &+ g3
      if (h0 & mask) == 0 { return j + 1 }
      if (h1 & mask) == 0 { return j + 2 }
      if (h2 & mask) == 0 { return j + 3 }
      if (h3 & mask) == 0 { return j + 4 }
      h = h3
      j += 4
    }
    while j < limit {
      h = (h &<< 1) &+ g[Int(p[j])]
      j += 1
      if (h & mask) == 0 { fp = h; i = j; return j }
    }
    fp = h
    i = j
    return nil
  }

  /// All chunk lengths of an in-memory buffer; convenient for tests and small inputs.
  public func chunkLengths(of bytes: UnsafeRawBufferPointer) -> [Int] {
    var lengths: [Int] = []
    var offset = 0
    while offset < bytes.count {
      let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
      let length = cut(rest, isFinal: true)
      lengths.append(length)
      offset += length
    }
    return lengths
  }
}
