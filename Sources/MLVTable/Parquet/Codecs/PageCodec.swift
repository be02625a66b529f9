/// Decompression of one page's bytes, by the column chunk's codec (CompressionCodec in
/// parquet.thrift). Every codec writes into one buffer of exactly the size the page
/// header declares, so a page never allocates more than that, and the declared size is
/// first checked against `maxPageBytes` and, where the format bounds it, against the
/// codec's largest possible expansion. Output of any other size is a damaged page.
enum PageCodec {
  /// A page decoding to more than this is not one a real writer produced (writers
  /// cut pages at about 1 MiB; a dictionary page of long strings may reach a few
  /// hundred MiB) and is refused before anything is allocated.
  static let maxPageBytes = 1 << 30

  struct Failure: Error { let reason: String }

  static func decompress(_ input: UnsafeBufferPointer<UInt8>, codec: Int, size: Int) throws -> [UInt8] {
    guard size >= 0, size <= maxPageBytes else {
      throw Failure(reason: "page claims \(size) uncompressed bytes (at most \(maxPageBytes >> 20) MiB are allowed)")
    }
    switch codec {
    case 0:
      guard input.count == size else {
        throw Failure(reason: "uncompressed page holds \(input.count) bytes, its header says \(size)")
      }
      return Array(input)
    case 1:
      do { return try Snappy.decompress(input, expected: size) } catch let e as Snappy.Failure {
        throw Failure(reason: e.reason)
      }
    case 2: return try Gzip.decompress(input, size: size)
    case 4: return try BrotliPages.decompress(input, size: size)
    case 5: return try LZ4Pages.decompressLegacy(input, size: size)
    case 6: return try ZstdPages.decompress(input, size: size)
    case 7: return try LZ4Pages.decompressRaw(input, size: size)
    default:
      throw Failure(reason: "unsupported codec \(ParquetCodec.name(codec))")
    }
  }

  /// Whether mlv reads `codec` (LZO is the one real writers may use that it does not).
  static func supports(_ codec: Int) -> Bool { [0, 1, 2, 4, 5, 6, 7].contains(codec) }

  /// A zeroed buffer of `size` bytes filled by `body`, which returns the bytes written
  /// (or nil when the library reported an error); anything but `size` is a failure.
  static func fill(_ size: Int, _ what: String, _ body: (UnsafeMutablePointer<UInt8>) throws -> Int?) throws -> [UInt8] {
    var out = [UInt8](repeating: 0, count: max(size, 1))
    let n = try out.withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
    guard let n = n else { throw Failure(reason: "damaged \(what) page") }
    guard n == size else { throw Failure(reason: "\(what) page decodes to \(n) bytes, its header says \(size)") }
    out.removeLast(out.count - size)
    return out
  }
}
