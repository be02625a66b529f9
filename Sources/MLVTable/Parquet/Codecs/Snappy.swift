/// Decompressor for raw Snappy blocks (the format Parquet's SNAPPY codec uses): a varint
/// uncompressed length, then literals and back-references. Written from the format
/// description (github.com/google/snappy, format_description.txt); every copy is checked
/// against the output written so far and the declared length.
enum Snappy {
  struct Failure: Error { let reason: String }

  /// Decompresses `input`; `expected` (when known) must match the declared length, and
  /// bounds the allocation before anything is decoded.
  static func decompress(_ input: UnsafeBufferPointer<UInt8>, expected: Int? = nil) throws -> [UInt8] {
    var start = 0
    // The preamble is at most 5 bytes (a 32-bit length).
    guard let length = Varint.read(input, at: &start, maxBits: 35) else {
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
    let written = try out.withUnsafeMutableBufferPointer { dst in
      try decode(input, from: start, into: dst)
    }
    guard written == total else { throw Failure(reason: "snappy data ends after \(written) of \(total) bytes") }
    return out
  }

  /// The elements of `input` from `pos` on, written into `dst`; returns the bytes written.
  /// The positions are locals of this function (not captured by a closure), so they
  /// stay in registers: the loop runs once per element, millions of times a file.
  private static func decode(_ input: UnsafeBufferPointer<UInt8>, from start: Int, into dst: UnsafeMutableBufferPointer<UInt8>)
    throws -> Int
  {
    guard let src = input.baseAddress, let d = dst.baseAddress else { return 0 }
    let end = input.count
    let total = dst.count
    var pos = start
    var o = 0
    while pos < end {
      let tag = src[pos]
      pos += 1
      var len: Int
      var offset: Int
      switch tag & 3 {
      case 0:
        len = Int(tag >> 2)
        if len >= 60 {
          let extra = len - 59
          guard extra <= end - pos else { throw Failure(reason: "truncated snappy literal") }
          len = 0
          for i in 0..<extra { len |= Int(src[pos + i]) << (8 * i) }
          pos += extra
        }
        len += 1
        guard len <= end - pos, len <= total - o else { throw Failure(reason: "snappy literal past the end") }
        if len <= 16 && 16 <= end - pos && 16 <= total - o {
          // Most literals are short: two 8-byte moves. Bytes past `len` land where the
          // next elements write (inside the buffer), as in the reference decoder.
          let s = UnsafeRawPointer(src + pos)
          let t = UnsafeMutableRawPointer(d + o)
          t.storeBytes(of: s.loadUnaligned(as: UInt64.self), as: UInt64.self)
          t.storeBytes(of: s.loadUnaligned(fromByteOffset: 8, as: UInt64.self), toByteOffset: 8, as: UInt64.self)
        } else {
          (d + o).update(from: src + pos, count: len)
        }
        pos += len
        o += len
        continue
      case 1:
        guard pos < end else { throw Failure(reason: "truncated snappy copy") }
        len = 4 + Int((tag >> 2) & 7)
        offset = Int(tag >> 5) << 8 | Int(src[pos])
        pos += 1
      case 2:
        guard 2 <= end - pos else { throw Failure(reason: "truncated snappy copy") }
        len = 1 + Int(tag >> 2)
        offset = Int(src[pos]) | Int(src[pos + 1]) << 8
        pos += 2
      default:
        guard 4 <= end - pos else { throw Failure(reason: "truncated snappy copy") }
        len = 1 + Int(tag >> 2)
        offset = Int(src[pos]) | Int(src[pos + 1]) << 8 | Int(src[pos + 2]) << 16 | Int(src[pos + 3]) << 24
        pos += 4
      }
      guard offset > 0, offset <= o else { throw Failure(reason: "snappy back-reference \(offset) before the start") }
      guard len <= total - o else { throw Failure(reason: "snappy copy past the end") }
      if offset >= 8 && len + 8 <= total - o {
        // 8 bytes at a time: each move reads bytes at least 8 back, already final, and
        // may write up to 7 bytes past `len`, which later elements overwrite.
        let t = UnsafeMutableRawPointer(d + o)
        let s = UnsafeRawPointer(d + (o - offset))
        var k = 0
        while k < len {
          t.storeBytes(of: s.loadUnaligned(fromByteOffset: k, as: UInt64.self), toByteOffset: k, as: UInt64.self)
          k += 8
        }
      } else if offset >= len {
        // The source ends before the destination starts: one memcpy.
        (d + o).update(from: d + (o - offset), count: len)
      } else {
        // Byte by byte: an offset shorter than the length repeats the recent bytes.
        for i in 0..<len { d[o + i] = d[o - offset + i] }
      }
      o += len
    }
    return o
  }
}
