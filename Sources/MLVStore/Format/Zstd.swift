import CZstd
import Foundation

/// zstd for chunks and manifests that are worth it: the store's codec since pack version 2
/// (docs/design.md, "Compression", for the measurements behind these choices).
///
/// Level -5 with Huffman-coded literals: negative levels alone leave literals raw, which on
/// CSV costs half the saving (ratio 0.53 instead of 0.31); forcing literal compression
/// keeps the ratio of level 1 (0.316 vs 0.306) at ~1.3x its speed, 3x zlib level 1.
/// Literal mode is an experimental zstd parameter, so it is used only with the libzstd
/// minor version it was measured on and after a self-test of each new context; otherwise
/// level 1 (ratio 0.306), the best of the stable levels.
///
/// Frames are written with their content size and without zstd's own checksum (every
/// object is verified against its SHA-256 id on read), one frame per object. Any valid
/// frame decodes, so the choice of level never affects reading.
public enum Zstd {
  /// The level used with forced literal compression, and the fallback without it.
  public static let fastLevel: Int32 = -5
  public static let fallbackLevel: Int32 = 1

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
  public static func compress(_ input: UnsafeRawBufferPointer) -> [UInt8]? {
    guard let src = input.baseAddress, input.count > 0, input.count <= maxRawLength else { return nil }
    let limit = input.count - input.count / 8
    return Contexts.compressors.with { cctx in
      var ok = false
      // Uninitialised: zstd writes every byte it reports (no 56 KiB memset per chunk).
      let out = [UInt8](unsafeUninitializedCapacity: limit) { o, count in
        let n = ZSTD_compress2(cctx, o.baseAddress, limit, src, input.count)
        // dstSize_tooSmall (no saving) or any other error: store the bytes raw.
        ok = ZSTD_isError(n) == 0 && n < limit
        count = ok ? n : 0
      }
      return ok ? out : nil
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
    var result: Int?
    // Uninitialised, and kept only when zstd filled all of it.
    let out = [UInt8](unsafeUninitializedCapacity: rawLength) { o, count in
      result = Contexts.decompressors.with { dctx in ZSTD_decompressDCtx(dctx, o.baseAddress, rawLength, src, input.count) }
      count = result == rawLength ? rawLength : 0
    }
    guard let n = result else { return damage("no memory for a zstd context") }
    if ZSTD_isError(n) != 0 { return damage("zstd frame is damaged (\(String(cString: ZSTD_getErrorName(n))))") }
    guard n == rawLength else { return damage("zstd frame decodes to \(n) bytes, expected \(rawLength)") }
    return .success(out)
  }

  /// zstd contexts are reused: creating one costs about as much as compressing a 64 KiB
  /// chunk. A context is used by one thread at a time; idle ones wait here (one per lane
  /// that ever compressed, so a handful), and live for the process.
  final class Contexts: @unchecked Sendable {  // `idle` under `lock`; a context has one user at a time
    static let compressors = Contexts(create: Zstd.makeCompressor)
    static let decompressors = Contexts(create: { ZSTD_createDCtx() })

    private let lock = NSLock()
    private var idle: [OpaquePointer] = []
    private let create: () -> OpaquePointer?

    private init(create: @escaping () -> OpaquePointer?) { self.create = create }

    func with<T>(_ body: (OpaquePointer) -> T?) -> T? {
      guard let ctx = lock.withLock({ idle.popLast() }) ?? create() else { return nil }
      defer { lock.withLock { idle.append(ctx) } }
      return body(ctx)
    }
  }

  /// The level new contexts compress at (`fastLevel` unless the fallback was taken), for
  /// tests and reports.
  static var activeLevel: Int32? {
    guard let (ctx, level) = makeConfiguredCompressor() else { return nil }
    ZSTD_freeCCtx(ctx)
    return level
  }

  /// The libzstd minor version whose experimental parameter numbering was measured.
  static let measuredMinorVersion: UInt32 = 10500

  /// A compression context with mlv's parameters: the fast setting when this libzstd is the
  /// measured 1.5.x and a test frame comes out standard and round-trips, else level 1.
  static func makeCompressor() -> OpaquePointer? { makeConfiguredCompressor()?.context }

  static func makeConfiguredCompressor() -> (context: OpaquePointer, level: Int32)? {
    guard let ctx = ZSTD_createCCtx() else { return nil }
    func set(_ p: ZSTD_cParameter, _ v: Int32) -> Bool { ZSTD_isError(ZSTD_CCtx_setParameter(ctx, p, v)) == 0 }
    guard set(ZSTD_c_contentSizeFlag, 1), set(ZSTD_c_checksumFlag, 0) else {
      ZSTD_freeCCtx(ctx)
      return nil
    }
    // ZSTD_c_literalCompressionMode (experimental) = ZSTD_ps_enable (1).
    let version = ZSTD_versionNumber() / 100 * 100
    if version == measuredMinorVersion, set(ZSTD_c_compressionLevel, fastLevel), set(ZSTD_c_experimentalParam5, 1),
      selfTest(ctx)
    {
      return (ctx, fastLevel)
    }
    _ = ZSTD_CCtx_reset(ctx, ZSTD_reset_parameters)
    guard set(ZSTD_c_compressionLevel, fallbackLevel), set(ZSTD_c_contentSizeFlag, 1), set(ZSTD_c_checksumFlag, 0)
    else {
      ZSTD_freeCCtx(ctx)
      return nil
    }
    return (ctx, fallbackLevel)
  }

  /// Whether `ctx` writes a standard frame (magic, content size) that decodes to its input.
  static func selfTest(_ ctx: OpaquePointer) -> Bool {
    let sample = Array((0..<200).map { "\($0),row-\($0 % 7),\($0 * 3)\n" }.joined().utf8)
    var frame = [UInt8](repeating: 0, count: ZSTD_compressBound(sample.count))
    let n = sample.withUnsafeBytes { s in
      frame.withUnsafeMutableBytes { f in ZSTD_compress2(ctx, f.baseAddress, f.count, s.baseAddress, s.count) }
    }
    guard ZSTD_isError(n) == 0, n < sample.count else { return false }
    let back = frame.withUnsafeBytes { f in
      try? decompress(UnsafeRawBufferPointer(rebasing: f[..<n]), rawLength: sample.count).get()
    }
    return back == sample
  }
}
