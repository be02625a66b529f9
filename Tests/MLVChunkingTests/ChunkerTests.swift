import Testing

@testable import MLVChunking

/// Deterministic test bytes: SplitMix64 words, little-endian. The first test pins the
/// generator itself, so a golden-vector failure below can only mean the chunker changed.
func pseudoRandomBytes(count: Int, seed: UInt64) -> [UInt8] {
  var state = seed
  var out = [UInt8]()
  out.reserveCapacity(count + 8)
  while out.count < count {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: z >> (8 * UInt64(i)))) }
  }
  return Array(out.prefix(count))
}

/// The textbook one-byte-per-step FastCDC loop, written independently of the optimized
/// four-byte scan, as a reference for the cut points.
func referenceCuts(_ data: [UInt8], _ p: ChunkerParameters) -> [Int] {
  let gear = Chunker.gearTable(seed: p.seed)
  let bits = p.averageSize.trailingZeroBitCount
  let small = ~UInt64(0) << UInt64(64 - (bits + p.normalization))
  let large = ~UInt64(0) << UInt64(64 - (bits - p.normalization))
  var cuts: [Int] = []
  var start = 0
  while start < data.count {
    let n = data.count - start
    var length = min(n, p.maxSize)
    if n > p.minSize {
      var fp: UInt64 = 0
      var i = p.minSize
      let normal = min(length, p.averageSize)
      var found = false
      while i < length {
        fp = (fp &<< 1) &+ gear[Int(data[start + i])]
        i += 1
        if (fp & (i <= normal ? small : large)) == 0 {
          found = true
          break
        }
      }
      if found { length = i }
    }
    cuts.append(length)
    start += length
  }
  return cuts
}

@Suite struct ChunkerTests {
  let params = ChunkerParameters.default

  @Test func generatorIsPinned() {
    let bytes = pseudoRandomBytes(count: 16, seed: 1)
    #expect(bytes == [193, 92, 2, 137, 236, 45, 10, 145, 103, 236, 142, 101, 161, 141, 235, 190])
  }

  @Test func gearTableIsPinned() {
    let g = Chunker.gearTable(seed: ChunkerParameters.default.seed)
    #expect(g.count == 256)
    #expect(Set(g).count == 256)
    #expect(g[0] == GoldenVectors.gear0)
    #expect(g[255] == GoldenVectors.gear255)
  }

  @Test func matchesReferenceImplementation() throws {
    let chunker = try Chunker(params)
    let data = pseudoRandomBytes(count: 3 << 20, seed: 42)
    let fast = data.withUnsafeBytes { chunker.chunkLengths(of: $0) }
    #expect(fast == referenceCuts(data, params))
    #expect(fast.reduce(0, +) == data.count)
  }

  @Test func goldenCutPoints() throws {
    let chunker = try Chunker(params)
    let data = pseudoRandomBytes(count: 8 << 20, seed: 2026)
    let lengths = data.withUnsafeBytes { chunker.chunkLengths(of: $0) }
    #expect(Array(lengths.prefix(8)) == GoldenVectors.firstCuts)
    #expect(lengths.count == GoldenVectors.cutCount)
  }

  @Test func sizesStayWithinBounds() throws {
    let chunker = try Chunker(params)
    let data = pseudoRandomBytes(count: 6 << 20, seed: 7)
    let lengths = data.withUnsafeBytes { chunker.chunkLengths(of: $0) }
    for l in lengths.dropLast() {
      #expect(l >= params.minSize && l <= params.maxSize)
    }
    let mean = Double(data.count) / Double(lengths.count)
    #expect(mean > 40_000 && mean < 100_000, "mean chunk \(mean) is far from the 64 KiB target")
  }

  @Test func zerosCutAtMaximum() throws {
    let chunker = try Chunker(params)
    let data = [UInt8](repeating: 0, count: 1 << 20)
    let lengths = data.withUnsafeBytes { chunker.chunkLengths(of: $0) }
    // The gear hash of a run of zeros is a constant with non-zero top bits: no cut.
    #expect(lengths == Array(repeating: params.maxSize, count: 4))
  }

  @Test func smallInputsAreOneChunk() throws {
    let chunker = try Chunker(params)
    for n in [0, 1, 100, params.minSize] {
      let data = pseudoRandomBytes(count: n, seed: 3)
      let lengths = data.withUnsafeBytes { chunker.chunkLengths(of: $0) }
      #expect(lengths == (n == 0 ? [] : [n]))
    }
  }

  /// The property dedup relies on: an insertion moves only nearby boundaries.
  @Test func insertionResynchronises() throws {
    let chunker = try Chunker(params)
    let data = pseudoRandomBytes(count: 4 << 20, seed: 9)
    var edited = data
    edited.insert(contentsOf: pseudoRandomBytes(count: 1000, seed: 10), at: 2 << 20)
    func offsets(_ d: [UInt8]) -> [Int] {
      var o = 0
      return d.withUnsafeBytes { chunker.chunkLengths(of: $0) }.map { o += $0; return o }
    }
    let before = Set(offsets(data))
    let after = Set(offsets(edited).map { $0 >= (2 << 20) ? $0 - 1000 : $0 })
    let shared = before.intersection(after).count
    #expect(Double(shared) / Double(before.count) > 0.9)
  }

  @Test func rejectsBadParameters() {
    var p = params
    p.averageSize = 60_000
    #expect(throws: ChunkerError.self) { try Chunker(p) }
    p = params
    p.minSize = p.maxSize
    #expect(throws: ChunkerError.self) { try Chunker(p) }
  }
}
