import Foundation
import Testing

@testable import MLVStore
@testable import MLVWorkspace

/// The stat cache's compact entry table against a Dictionary as the oracle: lookups through
/// whole paths and through (directory, inner path) pairs, updates in place, bulk removal
/// (with and without rewriting the segments), and the limits where caching stops.
@Suite struct StatTableTests {
  func stat(_ i: Int) -> FileStat {
    FileStat(size: Int64(i % 1500 + 1), mtimeNs: Int64(i) * 1_000, ctimeNs: Int64(i) * 7, inode: UInt64(i), executable: i % 5 == 0)
  }

  func id(_ i: Int) -> ObjectID { ObjectID.hash(Array("content \(i)".utf8)) }

  func path(_ i: Int) -> String { "data/c\(i % 1000)/f\(i).bin" }

  func lookup(_ t: StatTable, _ p: String) -> (FileStat, ObjectID)? { StatTable.Key.with(p) { t.lookup($0) } }

  @discardableResult
  func set(_ t: StatTable, _ p: String, _ st: FileStat, _ oid: ObjectID) -> Bool { StatTable.Key.with(p) { t.set($0, st, oid) } }

  /// 60,000 entries span several 1 MiB segments and several growths of the slot table.
  @Test func itAgreesWithADictionaryAcrossSegmentsAndGrowth() throws {
    let t = StatTable()
    var oracle: [String: (FileStat, ObjectID)] = [:]
    for i in 0..<60_000 {
      #expect(set(t, path(i), stat(i), id(i)))
      oracle[path(i)] = (stat(i), id(i))
    }
    // Updates in place: a new stat, a new id, and an unchanged entry (no change reported).
    for i in stride(from: 0, to: 60_000, by: 3) {
      var st = stat(i)
      st.mtimeNs += 1
      #expect(set(t, path(i), st, id(i + 1)))
      oracle[path(i)] = (st, id(i + 1))
    }
    #expect(!set(t, path(1), stat(1), id(1)))
    #expect(t.count == oracle.count)
    for (p, (st, oid)) in oracle {
      let got = try #require(lookup(t, p))
      #expect(got.0 == st && got.1 == oid)
    }
    #expect(lookup(t, "data/c1/f60001.bin") == nil)
    #expect(lookup(t, "data/c1/f1.bi") == nil)
    var seen = 0
    t.forEach { e in
      seen += 1
      #expect(oracle[e.pathString]?.0 == e.stat)
    }
    #expect(seen == oracle.count)
  }

  /// A directory and an inner path find the entry stored under their joined path.
  @Test func aDirectoryAndInnerPathFindTheJoinedEntry() throws {
    let t = StatTable()
    set(t, "data/a/b.bin", stat(1), id(1))
    set(t, "model.bin", stat(2), id(2))
    #expect(StatTable.Key.with("data", "a/b.bin") { t.lookup($0) }?.1 == id(1))
    #expect(StatTable.Key.with("data/a", "b.bin") { t.lookup($0) }?.1 == id(1))
    #expect(StatTable.Key.with("model.bin", "") { t.lookup($0) }?.1 == id(2))
    #expect(StatTable.Key.with("data", "a") { t.lookup($0) } == nil)
    #expect(StatTable.Key.with("dat", "a/b.bin") { t.lookup($0) } == nil)
  }

  /// Removing a few entries keeps the segments; removing most rewrites them. Either way the
  /// rest is found and the removed are not, and new entries go in afterwards.
  @Test(arguments: [10, 9_000])
  func bulkRemovalKeepsTheRest(removing: Int) throws {
    let t = StatTable()
    for i in 0..<10_000 { set(t, path(i), stat(i), id(i)) }
    let doomed = Set((0..<removing).map(path))
    let removed = t.removeAll { doomed.contains(String(decoding: $0, as: UTF8.self)) }
    #expect(removed == removing)
    #expect(t.count == 10_000 - removing)
    for i in 0..<10_000 {
      #expect((lookup(t, path(i)) != nil) == (i >= removing))
    }
    for i in 0..<removing { set(t, path(i), stat(i), id(i)) }
    #expect(t.count == 10_000)
    for i in 0..<10_000 { #expect(lookup(t, path(i))?.1 == id(i)) }
  }

  /// A path longer than the table holds is not cached (its file is hashed each time): no
  /// trap, no truncated key that could match another path.
  @Test func anOverlongPathIsNotCached() {
    let t = StatTable()
    let long = String(repeating: "d/", count: 20_000) + "f"
    #expect(!set(t, long, stat(1), id(1)))
    #expect(lookup(t, long) == nil)
    #expect(t.count == 0)
  }

  /// Through the stat cache: entries recorded, a prefix forgotten, saved and loaded back.
  @Test func forgetThenSaveRoundTrips() throws {
    let dir = makeTempDir()
    defer { removeTree(dir) }
    let cache = StatCache(path: dir + "/stat-cache")
    for i in 0..<5_000 { cache.record(path(i), stat(i), id(i)) }
    cache.record("data2/x.bin", stat(1), id(1))
    cache.forget(prefix: "data")
    cache.record("data/c1/f1.bin", stat(1), id(7))
    cache.save()
    let loaded = StatCache(path: dir + "/stat-cache")
    #expect(loaded.lookup("data2/x.bin", stat(1)) == id(1))
    #expect(loaded.lookup("data", "c1/f1.bin", stat(1)) == id(7))
    #expect(loaded.lookup(path(2), stat(2)) == nil)
    #expect(loaded.takeDiscardNotice() == nil)
  }

  /// Any flipped byte among the file entries discards the whole cache with a notice.
  @Test func aFlippedEntryByteDiscardsTheCache() throws {
    let dir = makeTempDir()
    defer { removeTree(dir) }
    let file = dir + "/stat-cache"
    let cache = StatCache(path: file)
    for i in 0..<3_000 { cache.record(path(i), stat(i), id(i)) }
    cache.save()
    var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
    bytes[bytes.count - 500] ^= 0x01
    try Data(bytes).write(to: URL(fileURLWithPath: file))
    let loaded = StatCache(path: file)
    #expect(loaded.lookup(path(2_999), stat(2_999)) == nil)
    #expect(loaded.lookup(path(0), stat(0)) == nil)
    #expect(loaded.takeDiscardNotice()?.contains("damaged") == true)
  }
}
