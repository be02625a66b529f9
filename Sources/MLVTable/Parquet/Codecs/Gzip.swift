import CZlib

/// Parquet's GZIP codec: one or more gzip members (RFC 1952). Some writers (Hadoop's
/// codec streams, `cat a.gz b.gz`) emit several members per page; they decode to the
/// concatenation of their contents, as `gzip -d` and zlib's own readers do.
enum Gzip {
  static func decompress(_ input: UnsafeBufferPointer<UInt8>, size: Int) throws -> [UInt8] {
    // Deflate expands at most ~1032x (and each member has an 18-byte frame).
    guard size <= input.count * 1100 + 1024 else {
      throw PageCodec.Failure(reason: "gzip page claims \(size) bytes from \(input.count) compressed")
    }
    var stream = z_stream()
    guard mlv_inflateInit2(&stream, 16 + MAX_WBITS) == Z_OK else {
      throw PageCodec.Failure(reason: "zlib could not start")
    }
    defer { inflateEnd(&stream) }
    return try PageCodec.fill(size, "gzip") { o in
      stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
      stream.avail_in = uInt(input.count)
      stream.next_out = o
      stream.avail_out = uInt(size)
      while true {
        // Z_NO_FLUSH: the output buffer may be full after one member, with more members
        // (possibly empty ones) still to read.
        let rc = inflate(&stream, Z_NO_FLUSH)
        if rc == Z_STREAM_END {
          // Skip zero padding some writers leave after the last member.
          var rest = Int(stream.avail_in)
          var p = stream.next_in
          while rest > 0, let q = p, q.pointee == 0 {
            p = q + 1
            rest -= 1
          }
          if rest == 0 { return size - Int(stream.avail_out) }
          stream.next_in = p
          stream.avail_in = uInt(rest)
          guard inflateReset(&stream) == Z_OK else { return nil }
          continue
        }
        // Z_BUF_ERROR here means no progress was possible: input ended early or the
        // members hold more than the header says.
        if rc != Z_OK { return nil }
      }
    }
  }
}
