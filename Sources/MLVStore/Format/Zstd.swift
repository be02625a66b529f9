import CZstd
import Foundation

/// zstd for chunks and manifests that are worth it: the store's codec since pack format 2
/// (docs/design.md, "Compression"). Level 1 compresses the bench CSV 4x faster than zlib
/// level 1 and smaller; negative levels gain speed but give back most of the ratio.
///
/// Frames are written with their content size and without zstd's own checksum (every
/// object is verified against its SHA-256 id on read), one frame per object.
public enum Zstd {
  /// Chosen by measurement (docs/design.md, "Compression").
  public static let level: Int32 = 1

  /// The largest raw length a zstd entry may claim. The decoder allocates the raw length
  /// before decompressing, so this bounds what a damaged or hostile entry can make a read
  /// allocate. mlv compresses chunks (at most the chunker's maximum) and manifests; a
  /// manifest of 1 GiB lists ~10 million files. Larger objects are stored raw.
  public static let maxRawLength = 1 << 30

  /// zstd's largest expansion: an RLE block is 3 header bytes + 1 byte and decodes to at
  /// most 128 KiB, so no frame decodes to more than 32,768 times its size.
  public static let maxExpansion: UInt64 = 32_768

  /// Compresses `input`; nil when it is empty, larger than `maxRawLength`, or the frame
  /// would not save at least 1/8 of the size (not worth decompressing on every read).
  public static func compress(_ input: UnsafeRawBufferPointer, level: Int32 = level) -> [UInt8]? {
    guard let src = input.baseAddress, input.count > 0, input.count <= maxRawLength else { return nil }
    let limit = input.count - input.count / 8
    return Contexts.compressors.with(level: level) { cctx in
      var out = [UInt8](repeating: 0, count: limit)
      let n = out.withUnsafeMutableBytes { o in ZSTD_compress2(cctx, o.baseAddress, limit, src, input.count) }
      // dstSize_tooSmall (no saving) or any other error: store the bytes raw.
      guard ZSTD_isError(n) == 0, n < limit else { return nil }
      out.removeLast(out.count - n)
      return out
    }
  }

  /// Decompresses one frame into exactly `rawLength` bytes. Returns the reason when the
  /// bytes are not exactly one frame whose recorded content size is `rawLength` and whose
  /// blocks decode to it; nothing is allocated before the frame header agrees.
  public static func decompress(_ input: UnsafeRawBufferPointer, rawLength: Int) -> Result<[UInt8], BlobCodec.Damage> {
    func damage(_ why: String) -> Result<[UInt8], BlobCodec.Damage> { .failure(BlobCodec.Damage(reason: why)) }
    guard rawLength <= maxRawLength else { return damage("zstd raw length \(rawLength) exceeds the limit") }
    guard let src = input.baseAddress, input.count > 0 else { return damage("empty zstd frame") }
    let size = ZSTD_getFrameContentSize(src, input.count)
    // ZSTD_CONTENTSIZE_UNKNOWN and _ERROR are the two largest UInt64 values.
    guard size < ZSTD_CONTENTSIZE_ERROR - 1 else { return damage("zstd frame header is damaged or has no content size") }
    guard size == UInt64(rawLength) else { return damage("zstd frame holds \(size) bytes, expected \(rawLength)") }
    let frame = ZSTD_findFrameCompressedSize(src, input.count)
    guard ZSTD_isError(frame) == 0, frame == input.count else { return damage("zstd data is not exactly one frame") }
    var out = [UInt8](repeating: 0, count: rawLength)
    guard
      let n = Contexts.decompressors.with({ dctx in
        out.withUnsafeMutableBytes { o in ZSTD_decompressDCtx(dctx, o.baseAddress, rawLength, src, input.count) }
      })
    else { return damage("no memory for a zstd context") }
    if ZSTD_isError(n) != 0 { return damage("zstd frame is damaged (\(String(cString: ZSTD_getErrorName(n))))") }
    guard n == rawLength else { return damage("zstd frame decodes to \(n) bytes, expected \(rawLength)") }
    return .success(out)
  }

  /// zstd contexts are reused: creating one costs about as much as compressing a 64 KiB
  /// chunk at level 1. A context is used by one thread at a time; idle ones wait here
  /// (one per lane that ever compressed, so a handful), and live for the process.
  final class Contexts: @unchecked Sendable {  // `idle` under `lock`; a context has one user at a time
    static let compressors = Contexts(create: { ZSTD_createCCtx() })
    static let decompressors = Contexts(create: { ZSTD_createDCtx() })

    private let lock = NSLock()
    private var idle: [(context: OpaquePointer, level: Int32)] = []
    private let create: () -> OpaquePointer?

    private init(create: @escaping () -> OpaquePointer?) { self.create = create }

    /// Runs `body` with a context set to `level` (compressors) or any context.
    func with<T>(level: Int32? = nil, _ body: (OpaquePointer) -> T?) -> T? {
      var taken = lock.withLock { idle.popLast() }
      if taken == nil {
        guard let fresh = create() else { return nil }
        taken = (fresh, Int32.min)
      }
      guard var (ctx, current) = taken else { return nil }
      if let level, level != current {
        _ = ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, level)
        _ = ZSTD_CCtx_setParameter(ctx, ZSTD_c_contentSizeFlag, 1)
        _ = ZSTD_CCtx_setParameter(ctx, ZSTD_c_checksumFlag, 0)
        current = level
      }
      defer { lock.withLock { idle.append((ctx, current)) } }
      return body(ctx)
    }
  }
}
