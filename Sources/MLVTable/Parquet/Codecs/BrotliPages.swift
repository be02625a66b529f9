import CBrotli

/// Parquet's BROTLI codec: one raw brotli stream (RFC 7932) per page.
enum BrotliPages {
  static func decompress(_ input: UnsafeBufferPointer<UInt8>, size: Int) throws -> [UInt8] {
    guard let src = input.baseAddress, !input.isEmpty else {
      if size == 0 { return [] }
      throw PageCodec.Failure(reason: "empty brotli page claims \(size) bytes")
    }
    return try PageCodec.fill(size, "brotli") { o in
      var written = max(size, 1)
      let rc = BrotliDecoderDecompress(input.count, src, &written, o)
      return rc == BROTLI_DECODER_RESULT_SUCCESS ? written : nil
    }
  }
}
