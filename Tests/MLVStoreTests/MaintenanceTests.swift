import Foundation
import MLVSystem
import Testing

@testable import MLVStore

/// gc (`prune`), fsck (`check`) and repair of the disk store, driven directly.
@Suite struct MaintenanceTests {
  @discardableResult
  func put(_ objects: [[UInt8]], in store: DiskStore) throws -> [ObjectID] {
    let w = store.makeWriter()
    for o in objects { try w.put(ObjectID.hash(o), type: .chunk, bytes: o, compress: false) }
    try w.flush()
    return objects.map { ObjectID.hash($0) }
  }

  func packFiles(_ root: String) -> [String] { PackInventory.packFiles(in: root + "/packs") }

  @Test func pruneRepacksAMostlyDeadPackWithItsLiveObjects() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let s = try DiskStore(root: root)
    let small = randomBytes(10_000, seed: 1)
    let big = randomBytes(500_000, seed: 2)
    let ids = try put([small, big], in: s)
    let report = try s.prune(keeping: [ids[0]], dryRun: false, progress: nil)
    #expect(report.packsRepacked == 1 && report.deadObjects == 1 && report.packsWritten == 1)
    let reopened = try DiskStore(root: root)
    #expect(try reopened.read(ids[0]) == small)
    #expect(reopened.info(ids[1]) == nil)
    #expect(packFiles(root).count == 1)
    #expect(try reopened.check(progress: nil).isHealthy)
  }

  /// A pack whose index is not loaded (another process published it after this one opened
  /// the store) is seen through its header and kept when it holds live objects.
  @Test func pruneReadsPackHeadersNotTheLoadedIndexes() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let gcView = try DiskStore(root: root)
    let other = try DiskStore(root: root)
    let o = randomBytes(20_000, seed: 3)
    let id = try put([o], in: other)[0]
    #expect(gcView.info(id) == nil)  // not refreshed
    _ = try gcView.prune(keeping: [id], dryRun: false, progress: nil)
    #expect(try DiskStore(root: root).read(id) == o)
  }

  /// A live object that does not verify is never copied into a new pack, and its pack is
  /// left as it is for repair.
  @Test func pruneKeepsAPackWhoseLiveObjectIsDamaged() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let s = try DiskStore(root: root)
    let ids = try put([randomBytes(10_000, seed: 4), randomBytes(400_000, seed: 5)], in: s)
    let pack = try #require(packFiles(root).first)
    try patchFile(pack, at: 5, with: [0xAA])  // inside the first (live) object
    let report = try s.prune(keeping: [ids[0]], dryRun: false, progress: nil)
    #expect(report.packsWithDamagedLiveObjects == 1 && report.packsRepacked == 0)
    #expect(packFiles(root) == [pack])
    let check = try s.check(progress: nil)
    #expect(check.corrupt.map(\.id) == [ids[0]])
  }

  @Test func checkCrossChecksIndexEntriesAgainstPackHeaders() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let s = try DiskStore(root: root)
    let ids = try put([randomBytes(1_000, seed: 6), randomBytes(2_000, seed: 7)], in: s)
    #expect(try s.check(progress: nil).isHealthy)
    // Re-index with a wrong offset and a correct checksum.
    var records = try s.allRecords()
    let i = try #require(records.firstIndex { $0.id == ids[1] })
    records[i].location.offset += 8
    try s.supersede(s.indexPaths(), with: records)
    let check = try s.check(progress: nil)
    #expect(check.damagedIndexes.isEmpty)
    #expect(check.badEntries.map(\.id) == [ids[1]])
    let repaired = try s.repair(progress: nil)
    #expect(repaired.lost.isEmpty)
    #expect(try s.check(progress: nil).isHealthy)
    #expect(try s.read(ids[1]) == randomBytes(2_000, seed: 7))
  }

  @Test func repairSalvagesTheGoodObjectsOfADamagedPack() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let s = try DiskStore(root: root)
    let objects = (0..<4).map { randomBytes(5_000, seed: UInt64(10 + $0)) }
    let ids = try put(objects, in: s)
    let pack = try #require(packFiles(root).first)
    try patchFile(pack, at: 5_000 + 17, with: [0x55])  // inside the second object
    let report = try s.repair(progress: nil)
    #expect(report.lost == [ids[1]])
    #expect(report.objectsSalvaged == 3)
    #expect(!FS.exists(pack))
    for k in [0, 2, 3] { #expect(try s.read(ids[k]) == objects[k]) }
    #expect(s.info(ids[1]) == nil)
    #expect(try s.check(progress: nil).isHealthy)
  }
}
