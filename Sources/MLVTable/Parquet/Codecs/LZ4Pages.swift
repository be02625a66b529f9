import CLZ4

/// Parquet's two LZ4 codecs. LZ4_RAW (7) is one raw LZ4 block. The deprecated LZ4 (5)
/// was written two ways: parquet-mr (Hadoop's Lz4Codec) frames blocks as
/// `u32be decompressed size, u32be compressed size, block`, repeated; older parquet-cpp
/// wrote a raw block. Like Arrow and parquet-mr, mlv tries the Hadoop framing first and
/// falls back to a raw block when the framing does not fit the page exactly.
enum LZ4Pages {
  /// LZ4 expands at most ~255x (a match length byte run of 255 per byte).
  static func checkRatio(_ input: UnsafeBufferPointer<UInt8>, _ size: Int) throws {
    guard size <= input.count * 256 + 64 else {
      throw PageCodec.Failure(reason: "lz4 page claims \(size) bytes from \(input.count) compressed")
    }
  }

  static func decompressRaw(_ input: UnsafeBufferPointer<UInt8>, size: Int) throws -> [UInt8] {
    try checkRatio(input, size)
    return try PageCodec.fill(size, "lz4") { o in block(input, o, size) }
  }

  static func decompressLegacy(_ input: UnsafeBufferPointer<UInt8>, size: Int) throws -> [UInt8] {
    try checkRatio(input, size)
    if let framed = try? PageCodec.fill(size, "lz4", { o in hadoop(input, o, size) }) { return framed }
    return try PageCodec.fill(size, "lz4 (neither Hadoop-framed nor raw)") { o in block(input, o, size) }
  }

  /// One raw block into `capacity` bytes; nil when damaged.
  static func block(_ input: UnsafeBufferPointer<UInt8>, _ out: UnsafeMutablePointer<UInt8>, _ capacity: Int) -> Int? {
    guard let src = input.baseAddress, input.count <= Int(Int32.max), capacity <= Int(Int32.max) else {
      return input.isEmpty && capacity == 0 ? 0 : nil
    }
    let n = src.withMemoryRebound(to: CChar.self, capacity: input.count) { s in
      out.withMemoryRebound(to: CChar.self, capacity: max(capacity, 1)) { d in
        LZ4_decompress_safe(s, d, Int32(input.count), Int32(capacity))
      }
    }
    return n < 0 ? nil : Int(n)
  }

  /// Hadoop framing; nil unless the frames consume the input exactly and each block
  /// decodes to the size its frame states.
  static func hadoop(_ input: UnsafeBufferPointer<UInt8>, _ out: UnsafeMutablePointer<UInt8>, _ capacity: Int) -> Int? {
    func be32(_ at: Int) -> Int {
      return Int(input[at]) << 24 | Int(input[at + 1]) << 16 | Int(input[at + 2]) << 8 | Int(input[at + 3])
    }
    var pos = 0
    var written = 0
    while pos < input.count {
      guard input.count - pos >= 8 else { return nil }
      let raw = be32(pos)
      let packed = be32(pos + 4)
      pos += 8
      guard raw <= capacity - written, packed <= input.count - pos else { return nil }
      let piece = UnsafeBufferPointer(rebasing: input[pos..<(pos + packed)])
      guard let n = block(piece, out + written, raw), n == raw else { return nil }
      pos += packed
      written += raw
    }
    return written
  }
}
