import Foundation
import Testing

@testable import MLVStore
import MLVSystem

/// A writer publishes each pack as it is sealed (docs/design.md, "Write ordering"): the
/// store's memory follows the packs being filled, not the session.
@Suite struct PackPublishTests {
  /// Objects of ~3 KB that do not compress: with a 16 KiB pack target, ~5 per pack.
  func objects(_ n: Int, seed: UInt64) -> [[UInt8]] {
    (0..<n).map { randomBytes(3000 + $0 % 7, seed: seed &+ UInt64($0)) }
  }

  func expectConsistent(_ root: String) throws {
    let check = try DiskStore(root: root).check(progress: nil)
    #expect(check.corrupt.isEmpty)
    #expect(check.damagedPacks.isEmpty)
    #expect(check.damagedIndexes.isEmpty)
    #expect(check.badEntries.isEmpty)
  }

  @Test func sealedPacksArePublishedBeforeFlush() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let s = try DiskStore(root: root)
    let w = s.makeWriter(packTarget: 16 * 1024)
    let all = objects(60, seed: 1000)
    for o in all { #expect(try w.put(ObjectID.hash(o), type: .chunk, bytes: o, compress: false)) }
    // Before flush: several packs are already in packs/ and indexed, and another store
    // (another process) sees their objects.
    let other = try DiskStore(root: root)
    let seen = all.filter { other.info(ObjectID.hash($0)) != nil }
    #expect(seen.count >= 40)
    for o in seen { #expect(try other.read(ObjectID.hash(o)) == o) }
    // The writer's own store reads every object, published or still in a temporary pack.
    for o in all { #expect(try s.read(ObjectID.hash(o)) == o) }
    #expect(s.lock.withLock { s.pending.count } < all.count - 40)
    // Tiers keep the number of indexes well below one per pack.
    #expect(s.indexPaths().count < PackInventory.packFiles(in: root + "/packs").count)
    try w.flush()
    #expect(s.lock.withLock { s.pending.isEmpty && s.pendingFiles.isEmpty && s.pendingFileNumbers.isEmpty })
    #expect(s.indexPaths().count == 1)
    #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/tmp").isEmpty)
    let reopened = try DiskStore(root: root)
    #expect(try reopened.allRecords().count == all.count)
    for o in all { #expect(try reopened.read(ObjectID.hash(o)) == o) }
    try expectConsistent(root)
  }

  @Test func eachFlushLeavesOneIndexAndKeepsTheEarlierOnes() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let s = try DiskStore(root: root)
    let w = s.makeWriter(packTarget: 16 * 1024)
    let all = objects(120, seed: 7000)
    for o in all.prefix(60) { try w.put(ObjectID.hash(o), type: .chunk, bytes: o, compress: false) }
    try w.flush()
    let first = s.indexPaths()
    #expect(first.count == 1)
    // A writer flushed again (as pull does) adds one index for what it wrote since, and
    // does not rewrite the first flush's index into it.
    for o in all.suffix(60) { try w.put(ObjectID.hash(o), type: .chunk, bytes: o, compress: false) }
    try w.flush()
    let second = s.indexPaths()
    #expect(second.count == 2)
    #expect(second.contains(first[0]))
    let reopened = try DiskStore(root: root)
    #expect(try reopened.allRecords().count == all.count)
    for o in all { #expect(try reopened.read(ObjectID.hash(o)) == o) }
  }

  @Test func concurrentLanesPublishingPacks() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let s = try DiskStore(root: root)
    let w = s.makeWriter(packTarget: 8 * 1024)
    let all = objects(400, seed: 2000)
    let errors = Locked<[String]>([])
    DispatchQueue.concurrentPerform(iterations: 4) { lane in
      // Every lane puts every object and reads it back at once, while other lanes seal,
      // publish and merge indexes under it.
      for o in (lane % 2 == 0 ? all : all.reversed()) {
        do {
          try w.put(ObjectID.hash(o), type: .chunk, bytes: o, compress: false)
          if try s.read(ObjectID.hash(o)) != o { errors.update { $0.append("read back differs") } }
        } catch {
          errors.update { $0.append("\(error)") }
        }
      }
    }
    try w.flush()
    #expect(errors.value.isEmpty)
    #expect(w.newBytes.objects == all.count)
    #expect(s.lock.withLock { s.pending.isEmpty })
    let reopened = try DiskStore(root: root)
    #expect(try reopened.allRecords().count == all.count)
    for o in all { #expect(try reopened.read(ObjectID.hash(o)) == o) }
    try expectConsistent(root)
  }

  @Test func failureAfterSomePacksKeepsWhatWasPublished() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let s = try DiskStore(root: root)
    let all = objects(40, seed: 3000)
    var published: [[UInt8]] = []
    do {
      let w = s.makeWriter(packTarget: 16 * 1024)
      for o in all.prefix(30) { try w.put(ObjectID.hash(o), type: .chunk, bytes: o, compress: false) }
      published = all.prefix(30).filter { s.isIndexed(ObjectID.hash($0)) }
      #expect(published.count >= 20)
      // The temporary directory vanishing makes the next pack (or the seal's rename) fail,
      // as a full disk would.
      removeTree(s.temporaryDirectory)
      #expect(throws: (any Error).self) {
        for o in all.suffix(10) { try w.put(ObjectID.hash(o), type: .chunk, bytes: o, compress: false) }
        try w.flush()
      }
      // Sticky: the writer refuses to flush.
      #expect(throws: (any Error).self) { try w.flush() }
    }
    #expect(s.lock.withLock { s.pending.isEmpty && s.pendingFiles.isEmpty })
    try FS.makeDirectories(s.temporaryDirectory)
    let reopened = try DiskStore(root: root)
    for o in published { #expect(try reopened.read(ObjectID.hash(o)) == o) }
    let unpublished = all.filter { o in !published.contains(o) }
    let indexed = Set(try reopened.allRecords().map(\.id))
    #expect(indexed == Set(published.map { ObjectID.hash($0) }))
    for o in unpublished { #expect(reopened.info(ObjectID.hash(o)) == nil) }
    try expectConsistent(root)
    // A retry stores the rest and reuses what was published.
    let w = reopened.makeWriter()
    for o in all { try w.put(ObjectID.hash(o), type: .chunk, bytes: o, compress: false) }
    try w.flush()
    #expect(w.newBytes.objects == unpublished.count)
    for o in all { #expect(try DiskStore(root: root).read(ObjectID.hash(o)) == o) }
  }

  @Test func interruptedSessionLeavesNoEntryForAMissingPack() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let s = try DiskStore(root: root)
    let all = objects(33, seed: 4000)
    do {
      // Released without flush, as a killed add leaves it.
      let w = s.makeWriter(packTarget: 16 * 1024)
      for o in all { try w.put(ObjectID.hash(o), type: .chunk, bytes: o, compress: false) }
    }
    #expect(s.lock.withLock { s.pending.isEmpty })
    #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/tmp").isEmpty)
    let reopened = try DiskStore(root: root)
    let records = try reopened.allRecords()
    #expect(!records.isEmpty)
    for r in records {
      #expect(FS.exists(reopened.packPath(r.location.pack)))
      #expect(try reopened.read(r.id).count == Int(r.location.rawLength))
    }
    try expectConsistent(root)
  }

  @Test func streamedMergeEqualsEncodingTheRecords() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let s = try DiskStore(root: root)
    // Overlapping sessions: duplicates across indexes, several packs per index.
    for k in 0..<3 {
      let w = s.makeWriter()
      for o in objects(20, seed: 5000 + UInt64(k * 10)) { try w.put(ObjectID.hash(o), type: .chunk, bytes: o, compress: false) }
      try w.flush()
    }
    let inputs = s.loadedIndexes
    #expect(inputs.count == 3)
    let expected = IndexFormat.encode(try inputs.flatMap { try $0.allRecords() })
    let tmp = root + "/tmp/merged"
    let checksum = try IndexMerge.merge(inputs, to: tmp)
    #expect(checksum == expected.checksum)
    #expect(try readFile(tmp) == expected.bytes)
    try s.mergeIndexes()
    #expect(s.indexPaths() == [root + "/index/\(expected.checksum.hex).idx"])
  }

  @Test func mergeRefusesAnOutOfOrderInput() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let s = try DiskStore(root: root)
    for k in 0..<2 {
      let w = s.makeWriter()
      for o in objects(10, seed: 6000 + UInt64(k * 100)) { try w.put(ObjectID.hash(o), type: .chunk, bytes: o, compress: false) }
      try w.flush()
    }
    let path = try #require(s.indexPaths().first)
    var bytes = try readFile(path)
    // Swap the ids of entries 0 and 1 (one pack: entries start after 1 pack id + fan-out).
    let e = 16 + 32 + 1024
    let first = Array(bytes[e..<(e + 32)])
    bytes.replaceSubrange(e..<(e + 32), with: bytes[(e + 52)..<(e + 84)])
    bytes.replaceSubrange((e + 52)..<(e + 84), with: first)
    try writeFile(path, bytes)
    try s.refresh()
    #expect(throws: StoreError.self) { try s.mergeIndexes() }
    #expect(s.indexPaths().count == 2)
  }
}
