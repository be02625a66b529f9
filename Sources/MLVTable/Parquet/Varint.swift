/// Unsigned LEB128 varints, the integer encoding shared by Thrift's compact protocol, the
/// RLE/bit-packed hybrid's run headers and Snappy's length preamble: 7 bits per byte, low
/// groups first, high bit set on every byte but the last.
enum Varint {
  /// The varint at `pos` (advanced past it), or nil when the bytes end first or it would
  /// need more than `maxBits` bits.
  static func read(_ bytes: UnsafeBufferPointer<UInt8>, at pos: inout Int, maxBits: UInt64 = 64) -> UInt64? {
    var v: UInt64 = 0
    var shift: UInt64 = 0
    while pos < bytes.count, shift < maxBits {
      let b = bytes[pos]
      pos += 1
      v |= UInt64(b & 0x7f) << shift
      if b & 0x80 == 0 { return v }
      shift += 7
    }
    return nil
  }
}
