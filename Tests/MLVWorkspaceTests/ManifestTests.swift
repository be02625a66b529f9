import Testing

@testable import MLVStore
@testable import MLVWorkspace

@Suite struct ManifestTests {
  let abcHex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
  var abc: ObjectID { ObjectID(hex: abcHex)! }
  let emptyHex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

  @Test func goldenBytesAndCanonicalOrder() throws {
    let m = Manifest(entries: [
      .init(path: "b/x.csv", size: 3, oid: abc, executable: false),
      .init(path: "a", size: 0, oid: .empty, executable: true),
      .init(path: "b-c", size: 3, oid: abc, executable: false),
    ])
    // Byte order: '-' (0x2d) sorts before '/' (0x2f), so "b-c" precedes "b/x.csv".
    let text = "mlv-manifest: 1\n" + "x 0 \(emptyHex) a\n" + "f 3 \(abcHex) b-c\n" + "f 3 \(abcHex) b/x.csv\n"
    #expect(String(decoding: m.encode(), as: UTF8.self) == text)
    #expect(m.id == ObjectID.hash(Array(text.utf8)))
    #expect(m.totalSize == 6)
    #expect(try Manifest.decode(Array(text.utf8), id: "m") == m)
    // Order of input does not matter.
    #expect(Manifest(entries: m.entries.reversed()).encode() == m.encode())
  }

  @Test func sortsByBytesNotByUnicodeCollation() {
    let m = Manifest(entries: [
      .init(path: "é", size: 3, oid: abc, executable: false),
      .init(path: "z", size: 3, oid: abc, executable: false),
      .init(path: "Z", size: 3, oid: abc, executable: false),
    ])
    #expect(m.entries.map(\.path) == ["Z", "z", "é"])
  }

  @Test func pathsAreWrittenAsIs() throws {
    let path = "odd/100%/p%25c d.bin"
    let m = Manifest(entries: [.init(path: path, size: 3, oid: abc, executable: false)])
    #expect(String(decoding: m.encode(), as: UTF8.self) == "mlv-manifest: 1\nf 3 \(abcHex) odd/100%/p%25c d.bin\n")
    #expect(try Manifest.decode(m.encode(), id: "m").entries[0].path == path)
  }

  @Test func controlCharactersAreRejected() {
    for path in ["odd/p\td.bin", "a\u{7f}b", "x\u{1b}[31m"] {
      let m = Manifest(entries: [.init(path: path, size: 3, oid: abc, executable: false)])
      #expect(throws: WorkspaceError.self, "\(path)") { try Manifest.decode(m.encode(), id: "m") }
    }
  }

  static func line(_ path: String, mode: String = "f", size: String = "3", oid: String = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") -> String {
    "\(mode) \(size) \(oid) \(path)\n"
  }

  static let bad: [(String, String)] = [
    ("absolute path", "mlv-manifest: 1\n" + line("/etc/passwd")),
    ("dot-dot", "mlv-manifest: 1\n" + line("a/../../x")),
    ("dot", "mlv-manifest: 1\n" + line("a/./x")),
    (".git component", "mlv-manifest: 1\n" + line("sub/.git/config")),
    (".mlv component", "mlv-manifest: 1\n" + line(".mlv/config")),
    ("empty component", "mlv-manifest: 1\n" + line("a//b")),
    ("unsorted", "mlv-manifest: 1\n" + line("b") + line("a")),
    ("duplicate", "mlv-manifest: 1\n" + line("a") + line("a")),
    ("file and dir", "mlv-manifest: 1\n" + line("a") + line("a/b")),
    ("file and deep dir", "mlv-manifest: 1\n" + line("a/b") + line("a/b/c/d")),
    ("bad mode", "mlv-manifest: 1\n" + line("a", mode: "l")),
    ("bad size", "mlv-manifest: 1\n" + line("a", size: "-1")),
    ("leading zero size", "mlv-manifest: 1\n" + line("a", size: "03")),
    ("uppercase oid", "mlv-manifest: 1\n" + line("a", oid: String(repeating: "A", count: 64))),
    ("short oid", "mlv-manifest: 1\n" + line("a", oid: "abc")),
    ("empty file, non-empty oid", "mlv-manifest: 1\n" + line("a", size: "0")),
    ("version 2", "mlv-manifest: 2\n" + line("a")),
    ("no header", line("a")),
    ("no final newline", "mlv-manifest: 1\n" + String(line("a").dropLast())),
    ("missing field", "mlv-manifest: 1\nf 3 a\n"),
    ("control char", "mlv-manifest: 1\n" + line("a\u{1}b")),
  ]

  @Test(arguments: bad)
  func decodeRejects(_ name: String, _ text: String) {
    #expect(throws: WorkspaceError.self, "\(name)") { try Manifest.decode(Array(text.utf8), id: "m1") }
  }

  @Test func versionErrorSaysUpgrade() {
    let e = #expect(throws: WorkspaceError.self) { try Manifest.decode(Array("mlv-manifest: 2\n".utf8), id: "m1") }
    #expect(e?.description.contains("upgrade") == true)
  }

  @Test func emptyManifestIsValid() throws {
    let m = Manifest(entries: [])
    #expect(m.encode() == Array("mlv-manifest: 1\n".utf8))
    #expect(try Manifest.decode(m.encode(), id: "m").entries.isEmpty)
  }

  @Test func initKeepsTheFirstOfDuplicatePaths() throws {
    let m = Manifest(entries: [
      .init(path: "a", size: 3, oid: abc, executable: false),
      .init(path: "a", size: 5, oid: abc, executable: true),
    ])
    #expect(m.entries.count == 1 && m.entries[0].size == 3)
    #expect(try Manifest.decode(m.encode(), id: "m") == m)
  }

  /// One content, one byte form: '%' is an ordinary character, never an escape.
  @Test func percentIsLiteral() throws {
    for path in ["%41", "%2a", "x%2Fy"] {
      let m = try Manifest.decode(Array(("mlv-manifest: 1\n" + Self.line(path)).utf8), id: "m")
      #expect(m.entries.map(\.path) == [path])
    }
  }
}
