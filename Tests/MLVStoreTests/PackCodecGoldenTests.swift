import MLVSystem
import Testing

@testable import MLVStore

/// Whole packs, byte for byte, for each pack version: a version 1 pack (raw + zlib, what
/// every mlv before zstd wrote) and a version 2 pack (raw + zstd). They must read forever,
/// so the bytes are written out here rather than produced by the current code.
@Suite struct PackCodecGoldenTests {
  /// "0,item-0,yes\n" ... "19,item-1,yes\n": 270 bytes.
  static let text: [UInt8] = Array((0..<20).map { "\($0),item-\($0 % 3),yes\n" }.joined().utf8)
  static let textHex = "d3639b840f532c4e6957f68acf83ef8e045276a23aeb2318a8c722ddd34f186e"
  static let abcHex = GoldenVectorTests.abcHex

  /// The text as zlib level 1 wrote it (RFC 1950, 90 bytes).
  static let zlibBlob =
    "78014dce3b0ac0301003d13e677160e5fc0fe42285aba4c9ed03de29540a1e68a2dc6feb7394af3d9372"
    + "688c9aa38eb1385b9d6dce766787b3d3d9e54ce14e34e4ad88208f8aec1319483a90842029419282a425e50f23a55104"
  /// The text as libzstd 1.5.4 level 1 writes it (one frame, content size, no checksum; 119 bytes).
  static let zstdBlob =
    "28b52ffd600e006d03009403302c6974656d2d302c7965730a31313232333034313532363037313832393031"
    + "3031313232303331343235303631373238303931"
    + "2c7965730a2520f0e543c60d3664dc6043c60d36e4b8c1868c1b6cc8381f2ca65d99bb6ce4de6157e62e1bb9"
    + "37eccadc6546e05e302425"

  /// blob text, blob "abc" raw, header of two entries, trailer "MLVPACK<version>".
  static func pack(codec: String, blob: String, version: String) -> String {
    let storedLength = String(format: "%02x000000", blob.count / 2)
    return blob + "616263"
      // entry = id[32] type[1] codec[1] reserved[2] rawLength[u32 LE] storedLength[u32 LE]
      + textHex + "00" + codec + "0000" + "0e010000" + storedLength
      + abcHex + "00" + "00" + "0000" + "03000000" + "03000000"
      + "02000000" + "4d4c565041434b" + version
  }

  static let version1Pack = pack(codec: "01", blob: zlibBlob, version: "31")
  static let version2Pack = pack(codec: "02", blob: zstdBlob, version: "32")

  /// Writes `hex` as a pack file and reads it back through the pack reader and the codec.
  func readPack(_ hex: String) throws -> (entries: [PackFormat.LocatedEntry], objects: [[UInt8]]) {
    let dir = makeTempDir("mlv-golden-pack")
    defer { removeTree(dir) }
    let bytes = bytes(fromHex: hex)
    try writeFile(dir + "/p.pack", bytes)
    let (entries, id) = try PackFormat.readHeader(try POSIXFile.openForReading(dir + "/p.pack"))
    let tail = Array(bytes[(bytes.count - 2 * 44 - 12)...])
    #expect(id == ObjectID.hash(tail), "the pack id is the SHA-256 of header and trailer")
    let objects = try entries.map { e in
      try BlobCodec.decode(e.entry, stored: Array(bytes[Int(e.offset)..<Int(e.offset + e.entry.storedLength)]))
    }
    return (entries, objects)
  }

  @Test func zstdFrameIsTheDecodedText() {
    #expect(Self.text.count == 270)
    #expect(ObjectID.hash(Self.text).hex == Self.textHex)
    #expect(bytes(fromHex: Self.zstdBlob).count == 119)
  }

  @Test func version1PackWithZlibStillReads() throws {
    let (entries, objects) = try readPack(Self.version1Pack)
    #expect(entries.map(\.entry.codec) == [.zlib, .raw])
    #expect(entries.map(\.offset) == [0, 90])
    #expect(objects == [Self.text, Array("abc".utf8)])
  }

  @Test func version2PackWithZstdReads() throws {
    let (entries, objects) = try readPack(Self.version2Pack)
    #expect(entries.map(\.entry.codec) == [.zstd, .raw])
    #expect(entries.map(\.offset) == [0, 119])
    #expect(objects == [Self.text, Array("abc".utf8)])
  }

  @Test func headersAreWrittenAtTheLowestVersionTheirCodecsNeed() throws {
    let text = ObjectID(hex: Self.textHex)!
    let abc = ObjectID(hex: Self.abcHex)!
    func header(_ codec: Codec, stored: Int) -> String {
      hexString(
        PackFormat.encodeHeader([
          .init(id: text, type: .chunk, codec: codec, rawLength: 270, storedLength: UInt32(stored)),
          .init(id: abc, type: .chunk, codec: .raw, rawLength: 3, storedLength: 3),
        ]))
    }
    #expect(Self.version1Pack.hasSuffix(header(.zlib, stored: 90)))
    #expect(Self.version2Pack.hasSuffix(header(.zstd, stored: 119)))
    // Raw-only packs (weights, random data) stay version 1, readable by an mlv before zstd.
    #expect(hexString(PackFormat.encodeHeader([])).hasSuffix("4d4c565041434b31"))
  }

  @Test func zstdInAVersion1PackIsDamage() throws {
    // The same entries under a version 1 trailer: codec 2 did not exist there.
    let forged = Self.pack(codec: "02", blob: Self.zstdBlob, version: "31")
    #expect(throws: StoreError.self) { _ = try readPack(forged) }
  }

  @Test func aNewerPackVersionIsRefusedAsUnsupported() throws {
    let newer = Self.pack(codec: "02", blob: Self.zstdBlob, version: "33")
    do {
      _ = try readPack(newer)
      Issue.record("a version 3 pack was read")
    } catch let error as StoreError {
      guard case .unsupportedFormat = error else { Issue.record("wrong error: \(error)"); return }
      #expect(error.description.contains("pack version 3"))
    }
  }

  @Test func theEncoderWritesOneFrameWithItsContentSizeAndNoChecksum() throws {
    let frame = try #require(Self.text.withUnsafeBytes { Zstd.compress($0) })
    // Magic 0xFD2FB528; frame header descriptor: single segment (bit 5), no checksum
    // (bit 2), 2-byte content size field (bits 6-7 = 1, stored as size - 256).
    #expect(Array(frame.prefix(4)) == [0x28, 0xb5, 0x2f, 0xfd])
    #expect(frame[4] & 0x04 == 0, "no zstd checksum: SHA-256 verifies every read")
    #expect(frame[4] & 0xc0 != 0 || frame[4] & 0x20 != 0, "the frame records its content size")
    // The library's exact output may change between zstd releases (valid frames all read
    // the same), so only the round trip is pinned, not these bytes.
    #expect(try BlobCodec.decode(ObjectID(hex: Self.textHex)!, codec: .zstd, rawLength: 270, stored: frame) == Self.text)
  }
}
