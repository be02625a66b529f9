import Testing

@testable import MLVStore
@testable import MLVWorkspace

@Suite struct PointerTests {
  let abcHex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
  var abc: ObjectID { ObjectID(hex: abcHex)! }

  @Test func goldenFilePointer() throws {
    let p = Pointer(kind: .file, oid: abc, size: 3, files: 99)
    let text = "mlv-pointer: 1\nkind: file\noid: \(abcHex)\nsize: 3\n"
    #expect(String(decoding: p.encode(), as: UTF8.self) == text)
    #expect(p.files == 1)
    #expect(try Pointer.decode(Array(text.utf8), file: "x.mlv") == p)
  }

  @Test func goldenDirPointer() throws {
    let p = Pointer(kind: .dir, oid: abc, size: 680_123_456, files: 20000)
    let text = "mlv-pointer: 2\nkind: dir\noid: \(abcHex)\nsize: 680123456\nfiles: 20000\n"
    #expect(String(decoding: p.encode(), as: UTF8.self) == text)
    #expect(try Pointer.decode(p.encode(), file: "d.mlv") == p)
  }

  @Test func roundTrips() throws {
    for p in [
      Pointer(kind: .file, oid: .empty, size: 0, files: 1),
      Pointer(kind: .file, oid: abc, size: Int64.max, files: 1),
      Pointer(kind: .dir, oid: abc, size: 0, files: 0),
    ] {
      #expect(try Pointer.decode(p.encode(), file: "p.mlv") == p)
    }
  }

  @Test func paths() {
    #expect(Pointer.dataPath(forPointer: "data.mlv") == "data")
    #expect(Pointer.dataPath(forPointer: "a/b.bin.mlv") == "a/b.bin")
    #expect(Pointer.dataPath(forPointer: ".mlv") == nil)
    #expect(Pointer.dataPath(forPointer: "data") == nil)
    #expect(Pointer.dataPath(forPointer: "a/.mlv") == nil)
    #expect(Pointer.pointerPath(forData: "data") == "data.mlv")
  }

  static let good = "mlv-pointer: 1\nkind: file\noid: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\nsize: 3\n"

  static let hostile: [(String, [UInt8])] = [
    ("unknown kind", Array(good.replacingOccurrences(of: "kind: file", with: "kind: link").utf8)),
    ("uppercase oid", Array(good.replacingOccurrences(of: "ba7816bf", with: "BA7816BF").utf8)),
    ("short oid", Array(good.replacingOccurrences(of: "ba7816bf", with: "ba7816b").utf8)),
    ("negative size", Array(good.replacingOccurrences(of: "size: 3", with: "size: -3").utf8)),
    ("plus size", Array(good.replacingOccurrences(of: "size: 3", with: "size: +3").utf8)),
    ("leading zero size", Array(good.replacingOccurrences(of: "size: 3", with: "size: 03").utf8)),
    ("overflowing size", Array(good.replacingOccurrences(of: "size: 3", with: "size: 9223372036854775808").utf8)),
    ("empty size", Array(good.replacingOccurrences(of: "size: 3", with: "size: ").utf8)),
    ("no final newline", Array(good.dropLast().utf8)),
    ("extra line", Array((good + "files: 1\n").utf8)),
    ("blank extra line", Array((good + "\n").utf8)),
    ("CRLF", Array(good.replacingOccurrences(of: "\n", with: "\r\n").utf8)),
    ("too large", Array((good + String(repeating: "#", count: 600) + "\n").utf8)),
    ("not UTF-8", Array(good.utf8.prefix(20)) + [0xff, 0xfe, 10]),
    ("empty file with a non-empty oid", Array(good.replacingOccurrences(of: "size: 3", with: "size: 0").utf8)),
    ("keys out of order", Array("mlv-pointer: 1\noid: \(String(repeating: "a", count: 64))\nkind: file\nsize: 3\n".utf8)),
    ("dir without files", Array(good.replacingOccurrences(of: "kind: file", with: "kind: dir").utf8)),
    ("double space", Array(good.replacingOccurrences(of: "kind: file", with: "kind:  file").utf8)),
    ("empty", []),
    ("not a pointer", Array("version https://git-lfs.github.com/spec/v1\n".utf8)),
  ]

  @Test(arguments: hostile)
  func hostileInputIsRejectedNamingTheFile(_ name: String, _ bytes: [UInt8]) {
    let e = #expect(throws: WorkspaceError.self, "\(name)") { try Pointer.decode(bytes, file: "evil/data.mlv") }
    guard let e else { return }
    if case .invalidPointer(let file, _) = e { #expect(file == "evil/data.mlv") } else {
      Issue.record("\(name): expected invalidPointer, got \(e)")
    }
    #expect(e.description.contains("evil/data.mlv"))
  }

  @Test func newerVersionIsReportedAsUnsupported() {
    let text = Self.good.replacingOccurrences(of: "mlv-pointer: 1", with: "mlv-pointer: 3")
    let e = #expect(throws: WorkspaceError.self) { try Pointer.decode(Array(text.utf8), file: "m.mlv") }
    if case .unsupportedPointerVersion(let file, let version) = e {
      #expect(file == "m.mlv")
      #expect(version == "3")
    } else {
      Issue.record("expected unsupportedPointerVersion, got \(String(describing: e))")
    }
    #expect(e?.description.contains("m.mlv") == true)
  }
}
