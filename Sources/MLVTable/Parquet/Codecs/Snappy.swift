/// Decompressor for raw Snappy blocks (the format Parquet's SNAPPY codec uses): a varint
/// uncompressed length, then literals and back-references. Written from the format
/// description (github.com/google/snappy, format_description.txt); every copy is checked
/// against the output written so far and the declared length.
enum Snappy {
  struct Failure: Error { let reason: String }

  /// Decompresses `input`; `expected` (when known) must match the declared length, and
  /// bounds the allocation before anything is decoded.
  static func decompress(_ input: UnsafeBufferPointer<UInt8>, expected: Int? = nil) throws -> [UInt8] {
    var pos = 0
    // The preamble is at most 5 bytes (a 32-bit length).
    guard let length = Varint.read(input, at: &pos, maxBits: 35) else {
      throw Failure(reason: "bad snappy length header")
    }
    if let e = expected, UInt64(e) != length {
      throw Failure(reason: "snappy length \(length) differs from the page size \(e)")
    }
    // The densest element (a 3-byte copy of 64 bytes) expands ~21x; a larger claim is a lie.
    guard length <= UInt64(input.count) * 22 + 64 else {
      throw Failure(reason: "snappy length \(length) is impossible for \(input.count) bytes")
    }
    let total = Int(length)
    var out = [UInt8](repeating: 0, count: total)
    var o = 0
    try out.withUnsafeMutableBufferPointer { dst in
      while pos < input.count {
        let tag = input[pos]
        pos += 1
        var len: Int
        var offset: Int
        switch tag & 3 {
        case 0:
          len = Int(tag >> 2)
          if len >= 60 {
            let extra = len - 59
            guard pos + extra <= input.count else { throw Failure(reason: "truncated snappy literal") }
            len = 0
            for i in 0..<extra { len |= Int(input[pos + i]) << (8 * i) }
            pos += extra
          }
          len += 1
          guard len <= input.count - pos, len <= total - o else { throw Failure(reason: "snappy literal past the end") }
          // One memcpy, not a byte loop: literals are most of a page's bytes.
          guard let d = dst.baseAddress, let s = input.baseAddress else { throw Failure(reason: "snappy literal past the end") }
          (d + o).update(from: s + pos, count: len)
          pos += len
          o += len
          continue
        case 1:
          guard pos < input.count else { throw Failure(reason: "truncated snappy copy") }
          len = 4 + Int((tag >> 2) & 7)
          offset = Int(tag >> 5) << 8 | Int(input[pos])
          pos += 1
        case 2:
          guard pos + 2 <= input.count else { throw Failure(reason: "truncated snappy copy") }
          len = 1 + Int(tag >> 2)
          offset = Int(input[pos]) | Int(input[pos + 1]) << 8
          pos += 2
        default:
          guard pos + 4 <= input.count else { throw Failure(reason: "truncated snappy copy") }
          len = 1 + Int(tag >> 2)
          offset = 0
          for i in 0..<4 { offset |= Int(input[pos + i]) << (8 * i) }
          pos += 4
        }
        guard offset > 0, offset <= o else { throw Failure(reason: "snappy back-reference \(offset) before the start") }
        guard len <= total - o else { throw Failure(reason: "snappy copy past the end") }
        if offset >= len, let d = dst.baseAddress {
          // The source ends before the destination starts: one memcpy.
          (d + o).update(from: d + (o - offset), count: len)
        } else {
          // Byte by byte: an offset shorter than the length repeats the recent bytes.
          for i in 0..<len { dst[o + i] = dst[o - offset + i] }
        }
        o += len
      }
    }
    guard o == total else { throw Failure(reason: "snappy data ends after \(o) of \(total) bytes") }
    return out
  }
}
