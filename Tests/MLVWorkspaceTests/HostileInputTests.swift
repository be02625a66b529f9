import Foundation
import Testing

@testable import MLVStore
@testable import MLVWorkspace

/// Untrusted sizes, a lying stat cache and deleted pointers (issue 9, items 3, 7 and 10).
@Suite struct HostileInputTests {
  let abcHex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

  @Test func aManifestWhoseSizesOverflowIsRefusedNamingIt() throws {
    let text = "mlv-manifest: 1\nf \(Int64.max) \(abcHex) a\nf 1 \(abcHex) b\n"
    let e = #expect(throws: WorkspaceError.self) { try Manifest.decode(Array(text.utf8), id: "m1") }
    #expect(e?.description == "invalid manifest m1: line 3: sizes add up to more than \(Int64.max) bytes")
    // Each size alone, and sums up to Int64.max exactly, are fine.
    let exact = "mlv-manifest: 1\nf \(Int64.max - 1) \(abcHex) a\nf 1 \(abcHex) b\n"
    #expect(try Manifest.decode(Array(exact.utf8), id: "m2").totalSize == Int64.max)
  }

  @Test func sizesSaturateOrThrowNeverTrap() {
    #expect(Sizes.saturating(.max, 1) == .max)
    #expect(throws: WorkspaceError.self) { try Sizes.sum([Int64.max, 1], "x") }
    #expect(throws: WorkspaceError.self) { try Sizes.add(Int64.max / 2 + 1, Int64.max / 2 + 1, "x") }
    #expect((try? Sizes.sum([1, 2, 3], "x")) == 6)
    let m = Manifest(entries: [
      .init(path: "a", size: .max, oid: .empty, executable: false), .init(path: "b", size: 5, oid: .empty, executable: false),
    ])
    #expect(m.totalSize == .max, "a hand-built manifest saturates instead of trapping")
  }

  /// Writes a cache with one entry and returns its bytes.
  func savedCache(_ dir: String) throws -> (bytes: [UInt8], stat: FileStat) {
    try writeFile(dir + "/f", "x")
    try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -10)], ofItemAtPath: dir + "/f")
    let st = try #require(FileStat.of(dir + "/f"))
    let cache = StatCache(path: dir + "/stat-cache")
    cache.record("f", st, ObjectID.hash(Array("x".utf8)))
    cache.save()
    return (try readFile(dir + "/stat-cache"), st)
  }

  @Test func theStatCacheHasAChecksumTrailerAndTheNewMagic() throws {
    let dir = makeTempDir()
    defer { removeTree(dir) }
    let (bytes, st) = try savedCache(dir)
    #expect(Array(bytes.prefix(8)) == Array("MLVSTAT3".utf8))
    #expect(ObjectID.hash(Array(bytes.dropLast(32))).bytes == Array(bytes.suffix(32)))
    let loaded = StatCache(path: dir + "/stat-cache")
    #expect(loaded.lookup("f", st) == ObjectID.hash(Array("x".utf8)))
    #expect(loaded.takeDiscardNotice() == nil)
  }

  /// Every single-bit flip anywhere in the file is caught: the entry is never trusted, the
  /// damage is reported once, and the next save replaces the file with a sound one.
  @Test func anyFlippedBitDiscardsTheWholeCacheWithANotice() throws {
    let dir = makeTempDir()
    defer { removeTree(dir) }
    let (good, st) = try savedCache(dir)
    for offset in 0..<good.count {
      var bad = good
      bad[offset] ^= UInt8(1 << (offset % 8))
      try writeFile(dir + "/stat-cache", bad)
      let cache = StatCache(path: dir + "/stat-cache")
      #expect(cache.lookup("f", st) == nil, "flip at \(offset) trusted")
      if offset >= 8 {
        let notice = try #require(cache.takeDiscardNotice(), "flip at \(offset) not reported")
        #expect(notice.contains("stat-cache") && notice.contains("damaged"))
        #expect(cache.takeDiscardNotice() == nil, "reported once")
      }
    }
    // The damaged file is replaced at the next save.
    let cache = StatCache(path: dir + "/stat-cache")
    cache.save()
    #expect(StatCache(path: dir + "/stat-cache").takeDiscardNotice() == nil)
  }

  @Test func anOlderCacheIsRebuiltWithoutAWarning() throws {
    let dir = makeTempDir()
    defer { removeTree(dir) }
    try writeFile(dir + "/stat-cache", Array("MLVSTAT1".utf8) + [1, 0, 0, 0, 9, 9])
    #expect(StatCache(path: dir + "/stat-cache").takeDiscardNotice() == nil)
  }

  /// Item 7, the last line of defence: a cache entry that lies with a sound checksum (say,
  /// a bug) must not reach a pointer. `add` refuses, drops the entry, and the retry is true.
  @Test func addRefusesASizeItsObjectDisagreesWith() throws {
    let repo = try TestRepo()
    defer { repo.cleanup() }
    let a = Array(repeating: UInt8(7), count: 3000)
    let b = Array(repeating: UInt8(9), count: 5000)
    try repo.write("data/a.bin", a)
    try repo.write("data/b.bin", b)
    for name in ["a", "b"] {
      try FileManager.default.setAttributes(
        [.modificationDate: Date(timeIntervalSinceNow: -10)], ofItemAtPath: repo.path("data/\(name).bin"))
    }
    _ = try repo.ws.add(["data"])
    repo.ws.statCache.record("data/a.bin", try #require(FileStat.of(repo.path("data/a.bin"))), ObjectID.hash(b))
    repo.ws.statCache.save()
    // The leaf cache would answer from its own record of the files (taken from the tree,
    // not from the stat cache) and never read the planted entry: remove it, so the add goes
    // through the stat cache this test is about.
    try? FileManager.default.removeItem(atPath: repo.path(".mlv/state/leaves"))

    let ws = try Workspace.open(cwd: repo.root)
    try repo.write("data/c.txt", "new")
    let before = try repo.read("data.mlv")
    let e = #expect(throws: WorkspaceError.self) { _ = try ws.add(["data"]) }
    #expect(e?.description.contains("refusing to record data/a.bin: it was measured as 3000 bytes") == true, "\(String(describing: e))")
    #expect(e?.description.contains("holds 5000 bytes") == true)
    #expect(try repo.read("data.mlv") == before, "no pointer written")

    let retry = try Workspace.open(cwd: repo.root)
    let result = try retry.add(["data"])
    let entries = try retry.entries(of: result.results[0].pointer)
    #expect(entries.first { $0.path == "a.bin" }?.oid == ObjectID.hash(a))
  }

  @Test func statusReportsADeletedPointer() throws {
    let repo = try TestRepo()
    defer { repo.cleanup() }
    try repo.write("data/a.txt", "a")
    _ = try repo.ws.add(["data"])
    try FileManager.default.removeItem(atPath: repo.path("data.mlv"))
    let s = try repo.ws.status()
    #expect(s.count == 1)
    #expect(s[0].state == .pointerDeleted && !s[0].isClean)
    #expect(s[0].pointer?.kind == .dir, "the staged pointer")
  }
}
