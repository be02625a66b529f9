import CZstd

/// Parquet's ZSTD codec: one or more zstd frames. The frame header's content size, when
/// present, must agree with the page header, so a lie fails before any decoding.
enum ZstdPages {
  static func decompress(_ input: UnsafeBufferPointer<UInt8>, size: Int) throws -> [UInt8] {
    guard let src = input.baseAddress, !input.isEmpty else {
      if size == 0 { return [] }
      throw PageCodec.Failure(reason: "empty zstd page claims \(size) bytes")
    }
    let declared = ZSTD_getFrameContentSize(src, input.count)
    if declared == ZSTD_CONTENTSIZE_ERROR {
      throw PageCodec.Failure(reason: "damaged zstd page (no zstd frame header)")
    }
    // A single frame stating its size must state the page's; several frames sum to it
    // and are checked by the decoded length below.
    if declared != ZSTD_CONTENTSIZE_UNKNOWN && declared > UInt64(size) {
      throw PageCodec.Failure(reason: "zstd frame holds \(declared) bytes, its page header says \(size)")
    }
    return try PageCodec.fill(size, "zstd") { o in
      let n = ZSTD_decompress(o, max(size, 1), src, input.count)
      return ZSTD_isError(n) != 0 ? nil : Int(n)
    }
  }
}
