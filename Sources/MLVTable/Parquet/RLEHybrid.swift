/// Parquet's RLE / bit-packed hybrid encoding (definition levels, dictionary indices):
/// runs of `varint(count << 1) value` or `varint(groups << 1 | 1)` followed by
/// groups of 8 values packed LSB first at `bitWidth` bits each.
struct RLEHybridDecoder {
  struct Failure: Error { let reason: String }
  let data: UnsafeBufferPointer<UInt8>
  let bitWidth: Int
  var pos = 0

  init(_ data: UnsafeBufferPointer<UInt8>, bitWidth: Int) throws {
    guard (0...32).contains(bitWidth) else { throw Failure(reason: "bit width \(bitWidth) out of range") }
    self.data = data
    self.bitWidth = bitWidth
  }

  /// Appends exactly `count` values to `out`; fails when the runs end early. Runs longer
  /// than needed are cut, so a hostile run length costs nothing.
  mutating func decode(_ count: Int, into out: inout [UInt32]) throws {
    var left = count
    out.reserveCapacity(out.count + count)
    while left > 0 {
      let header = try varint()
      if header & 1 == 0 {
        let run = header >> 1
        let width = (bitWidth + 7) / 8
        guard width <= data.count - pos else { throw Failure(reason: "RLE run ends early") }
        var v: UInt32 = 0
        for i in 0..<width { v |= UInt32(data[pos + i]) << (8 * UInt32(i)) }
        pos += width
        if bitWidth < 32 && v >> UInt32(bitWidth) != 0 { throw Failure(reason: "RLE value wider than \(bitWidth) bits") }
        let n = Int(min(run, UInt64(left)))
        out.append(contentsOf: repeatElement(v, count: n))
        left -= n
      } else {
        let groups = min(header >> 1, 1 << 40)  // keeps groups * 8 from overflowing
        // Bytes of the run, clamped to what is present: a short final run is allowed as
        // long as the values actually needed are there.
        let wanted = min(groups, UInt64(data.count)) * UInt64(bitWidth)
        let avail = min(Int(wanted), data.count - pos)
        let values = Int(min(groups * 8, UInt64(left)))
        guard bitWidth == 0 || values * bitWidth <= avail * 8 else { throw Failure(reason: "bit-packed run ends early") }
        if bitWidth == 0 {
          out.append(contentsOf: repeatElement(0, count: values))
        } else {
          let mask: UInt64 = bitWidth == 32 ? 0xffff_ffff : (1 << UInt64(bitWidth)) - 1
          var bitPos = 0
          let run = UnsafeRawPointer(data.baseAddress ?? emptyBytePointer) + pos
          for _ in 0..<values {
            let byteAt = bitPos >> 3
            var chunk: UInt64 = 0
            if avail - byteAt >= 8 {
              // One load where 8 bytes remain (a value spans at most 5 of them).
              chunk = UInt64(littleEndian: run.loadUnaligned(fromByteOffset: byteAt, as: UInt64.self))
            } else {
              let need = min(5, avail - byteAt)
              for i in 0..<need { chunk |= UInt64(data[pos + byteAt + i]) << (8 * UInt64(i)) }
            }
            out.append(UInt32((chunk >> UInt64(bitPos & 7)) & mask))
            bitPos += bitWidth
          }
        }
        pos += avail
        left -= values
      }
    }
  }

  private mutating func varint() throws -> UInt64 {
    guard let v = Varint.read(data, at: &pos) else { throw Failure(reason: "RLE data ends early") }
    return v
  }

  /// Bits needed for values up to `maxValue`.
  static func bitWidth(of maxValue: Int) -> Int {
    var w = 0
    while (1 << w) <= maxValue { w += 1 }
    return w
  }
}
