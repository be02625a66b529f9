import Testing

@testable import MLVStore

/// Bytes that must never change silently: packs, indexes and file lists written by one mlv
/// are read by every later one. Expected values are written out by hand from the layouts
/// documented in PackFormat.swift, IndexFormat.swift and FileList.swift.
@Suite struct GoldenVectorTests {
  static let abcHex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
  static let countingHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
  let abc = ObjectID(hex: abcHex)!
  let counting = ObjectID(hex: countingHex)!

  @Test func packHeaderBytes() {
    let header = PackFormat.encodeHeader([
      .init(id: abc, type: .chunk, codec: .zlib, rawLength: 0x0102_0304, storedLength: 0x000A_0B0C),
      .init(id: counting, type: .fileList, codec: .raw, rawLength: 300, storedLength: 300),
    ])
    // entry = id[32] type[1] codec[1] reserved[2] rawLength[u32 LE] storedLength[u32 LE]
    let expected =
      Self.abcHex + "00" + "01" + "0000" + "04030201" + "0c0b0a00"
      + Self.countingHex + "01" + "00" + "0000" + "2c010000" + "2c010000"
      // trailer = entryCount[u32 LE] "MLVPACK1"
      + "02000000" + "4d4c565041434b31"
    #expect(header.count == 2 * 44 + 12)
    #expect(hexString(header) == expected)
  }

  @Test func emptyPackHeaderIsJustTheTrailer() {
    #expect(hexString(PackFormat.encodeHeader([])) == "00000000" + "4d4c565041434b31")
  }

  @Test func indexBytes() throws {
    let a = ObjectID(hex: "00" + String(repeating: "11", count: 31))!
    let b = ObjectID(hex: "80" + String(repeating: "22", count: 31))!
    let c = ObjectID(hex: "ff" + String(repeating: "33", count: 31))!
    let p1 = ObjectID.hash(Array("pack one".utf8))
    let p2 = ObjectID.hash(Array("pack two".utf8))
    func loc(_ pack: ObjectID, _ offset: UInt32, _ stored: UInt32, _ raw: UInt32, _ type: ObjectType, _ codec: Codec)
      -> ObjectLocation
    { ObjectLocation(pack: pack, offset: offset, storedLength: stored, rawLength: raw, type: type, codec: codec) }
    let records: [IndexFormat.Record] = [
      .init(id: c, location: loc(p2, 7, 8, 9, .manifest, .zlib)),
      .init(id: a, location: loc(p1, 0, 0x0102_0304, 0x0506_0708, .chunk, .zlib)),
      .init(id: b, location: loc(p1, 0x100, 16, 32, .fileList, .zlib)),
      .init(id: b, location: loc(p2, 999, 1, 1, .chunk, .raw)),  // duplicate: the first wins
    ]
    let (bytes, checksum) = IndexFormat.encode(records)
    // magic[8] packCount[4] entryCount[4] packs[2*32] fanout[256*4] entries[3*52] checksum[32]
    let entries = 16 + 64 + 1024
    #expect(bytes.count == entries + 3 * 52 + 32)
    #expect(hexString(Array(bytes[0..<16])) == "4d4c5649445830310200000003000000")
    // Packs are numbered in the order the sorted entries first use them: a, b -> p1; c -> p2.
    #expect(Array(bytes[16..<48]) == p1.bytes)
    #expect(Array(bytes[48..<80]) == p2.bytes)
    func fanout(_ i: Int) -> String { hexString(Array(bytes[(80 + 4 * i)..<(84 + 4 * i)])) }
    #expect(fanout(0x00) == "01000000")
    #expect(fanout(0x7f) == "01000000")
    #expect(fanout(0x80) == "02000000")
    #expect(fanout(0xfe) == "02000000")
    #expect(fanout(0xff) == "03000000")
    // entry = id[32] pack[u32] offset[u32] stored[u32] raw[u32] type[1] codec[1] reserved[2]
    func entry(_ i: Int) -> String { hexString(Array(bytes[(entries + 52 * i)..<(entries + 52 * (i + 1))])) }
    #expect(entry(0) == a.hex + "00000000" + "00000000" + "04030201" + "08070605" + "00" + "01" + "0000")
    #expect(entry(1) == b.hex + "00000000" + "00010000" + "10000000" + "20000000" + "01" + "01" + "0000")
    #expect(entry(2) == c.hex + "01000000" + "07000000" + "08000000" + "09000000" + "02" + "01" + "0000")
    #expect(checksum == ObjectID.hash(Array(bytes[..<(bytes.count - 32)])))
    #expect(Array(bytes[(bytes.count - 32)...]) == checksum.bytes)

    // The mapped reader agrees with the writer.
    let dir = makeTempDir()
    defer { removeTree(dir) }
    let path = dir + "/\(checksum.hex).idx"
    try writeFile(path, bytes)
    let index = try IndexFile(path: path, verifyChecksum: true)
    #expect(index.count == 3)
    #expect(index.packIDs == [p1, p2])
    #expect(index.lookup(b) == loc(p1, 0x100, 16, 32, .fileList, .zlib))
    #expect(index.lookup(c) == loc(p2, 7, 8, 9, .manifest, .zlib))
    #expect(index.lookup(ObjectID(hex: "80" + String(repeating: "23", count: 31))!) == nil)
    #expect(try index.allRecords().map(\.id) == [a, b, c])
  }

  @Test func fileListBytesAndID() throws {
    let list = FileList(chunks: [.init(id: abc, length: 3), .init(id: counting, length: 0x10000)])
    let expected =
      "4d4c56464c303031" + "0200000000000000"  // "MLVFL001" count[u64 LE]
      + Self.abcHex + "03000000" + Self.countingHex + "00000100"
    let encoded = list.encode()
    #expect(hexString(encoded) == expected)
    #expect(list.fileID == ObjectID.hash(bytes(fromHex: expected)))
    #expect(list.size == 3 + 0x10000)
    #expect(try FileList.decode(encoded, id: list.fileID) == list)
  }

  @Test func singleChunkFileIDIsTheChunkID() {
    #expect(FileList(chunks: [.init(id: abc, length: 3)]).fileID == abc)
    #expect(FileList(chunks: []).fileID == ObjectID.empty)
  }

  @Test func fileListDecodeRejectsDamage() {
    let list = FileList(chunks: [.init(id: abc, length: 3), .init(id: counting, length: 5)])
    var bytes = list.encode()
    #expect(throws: StoreError.self) { try FileList.decode(Array(bytes.dropLast()), id: list.fileID) }
    #expect(throws: StoreError.self) { try FileList.decode(Array(bytes.prefix(8)), id: list.fileID) }
    bytes[0] = UInt8(ascii: "X")
    #expect(throws: StoreError.self) { try FileList.decode(bytes, id: list.fileID) }
    // A one-chunk list is not canonical (its file id is the chunk id).
    let one = FileList(chunks: [.init(id: abc, length: 3)]).encode()
    #expect(throws: StoreError.self) { try FileList.decode(one, id: abc) }
    let empty = FileList(chunks: [.init(id: abc, length: 0), .init(id: counting, length: 5)]).encode()
    #expect(throws: StoreError.self) { try FileList.decode(empty, id: abc) }
  }

  @Test func fileListDecodeRejectsAHugeCountWithoutTrapping() {
    // A count whose byte size overflows 64 bits must be an error, not a crash.
    var bytes = Array("MLVFL001".utf8)
    let count: UInt64 = 0x0800_0000_0000_0001
    withUnsafeBytes(of: count.littleEndian) { bytes += $0 }
    bytes += [UInt8](repeating: 0, count: 36 * 2)
    #expect(throws: StoreError.self) { try FileList.decode(bytes, id: .empty) }
  }
}
