/// DELTA_BINARY_PACKED (Parquet encodings.md): a header `varint block size, varint
/// miniblocks per block, varint value count, zigzag first value`, then blocks of
/// `zigzag min delta, one bit width byte per miniblock, miniblocks` whose values are
/// deltas minus the block's minimum, bit-packed LSB first. Arithmetic wraps, as the
/// format requires (an INT32 column's deltas may overflow 32 bits and wrap back).
struct DeltaBinaryPacked {
  struct Failure: Error { let reason: String }

  let data: UnsafeBufferPointer<UInt8>
  /// Bytes consumed once `decode` has returned (where a following stream starts).
  private(set) var end = 0

  init(_ data: UnsafeBufferPointer<UInt8>) { self.data = data }

  /// Decodes every value of the stream; `limit` bounds the count the header may claim
  /// (the values the page has room for), so a hostile header cannot allocate.
  mutating func decode(limit: Int) throws -> [Int64] {
    var pos = 0
    func varint() throws -> UInt64 {
      guard let v = Varint.read(data, at: &pos) else { throw Failure(reason: "delta header ends early") }
      return v
    }
    let blockSize = try varint()
    let miniblocks = try varint()
    let total = try varint()
    var value = ThriftReader.zigzag(try varint())
    guard blockSize > 0, blockSize % 128 == 0, blockSize <= 1 << 20, miniblocks > 0, blockSize % miniblocks == 0,
      (blockSize / miniblocks) % 32 == 0
    else { throw Failure(reason: "bad delta block layout (\(blockSize) values in \(miniblocks) miniblocks)") }
    guard total <= UInt64(limit) else { throw Failure(reason: "delta stream claims \(total) values, the page holds \(limit)") }
    let count = Int(total)
    let perMini = Int(blockSize / miniblocks)
    var out: [Int64] = []
    out.reserveCapacity(count)
    if count > 0 { out.append(value) }
    while out.count < count {
      let minDelta = ThriftReader.zigzag(try varint())
      guard Int(miniblocks) <= data.count - pos else { throw Failure(reason: "delta bit widths end early") }
      let widths = pos
      pos += Int(miniblocks)
      for m in 0..<Int(miniblocks) where out.count < count {
        let width = Int(data[widths + m])
        guard width <= 64 else { throw Failure(reason: "delta bit width \(width) out of range") }
        let bytes = perMini * width / 8
        let take = min(perMini, count - out.count)
        // The last miniblock is padded to full size by the spec; accept a writer that
        // stops after the values it needs.
        let need = (take * width + 7) / 8
        guard need <= data.count - pos else { throw Failure(reason: "delta miniblock ends early") }
        let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
        var bit = 0
        for _ in 0..<take {
          var v: UInt64 = 0
          if width > 0 {
            let byte = pos + bit >> 3
            let shift = UInt64(bit & 7)
            // Up to 9 bytes cover 64 bits starting at any bit offset.
            let avail = min(9, data.count - byte)
            var lo: UInt64 = 0
            for i in 0..<min(8, avail) { lo |= UInt64(data[byte + i]) << (8 * UInt64(i)) }
            v = lo >> shift
            if shift > 0 && avail == 9 { v |= UInt64(data[byte + 8]) << (64 - shift) }
            v &= mask
          }
          value = value &+ minDelta &+ Int64(bitPattern: v)
          out.append(value)
          bit += width
        }
        pos += min(bytes, data.count - pos)
      }
    }
    end = pos
    return out
  }
}
