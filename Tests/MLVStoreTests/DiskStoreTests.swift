import Foundation
import Testing

@testable import MLVStore
import MLVSystem

@Suite struct DiskStoreTests {
  /// Puts `objects` through one writer and flushes; returns their ids.
  @discardableResult
  func store(_ objects: [[UInt8]], in store: DiskStore, type: ObjectType = .chunk) throws -> [ObjectID] {
    let writer = store.makeWriter()
    var ids: [ObjectID] = []
    for o in objects {
      let id = ObjectID.hash(o)
      try writer.put(id, type: type, bytes: o, compress: true)
      ids.append(id)
    }
    try writer.flush()
    return ids
  }

  @Test func writeReopenAndReadBack() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let text = csvText(rows: 3000)
    let random = randomBytes(70_000, seed: 1)
    let manifest = Array("mlv-manifest: 1\n".utf8)
    do {
      let s = try DiskStore(root: root)
      let w = s.makeWriter()
      #expect(try w.put(ObjectID.hash(text), type: .chunk, bytes: text, compress: true))
      #expect(try w.put(ObjectID.hash(random), type: .chunk, bytes: random, compress: true))
      #expect(try w.put(ObjectID.hash(manifest), type: .manifest, bytes: manifest, compress: false))
      // Visible to the same store before flush (pending), durable after it.
      #expect(try s.read(ObjectID.hash(text)) == text)
      try w.flush()
      #expect(w.newBytes.objects == 3)
      #expect(w.newBytes.raw == Int64(text.count + random.count + manifest.count))
    }
    let s = try DiskStore(root: root)
    #expect(try s.read(ObjectID.hash(text)) == text)
    #expect(try s.read(ObjectID.hash(random)) == random)
    #expect(try s.read(ObjectID.hash(manifest)) == manifest)
    #expect(s.info(ObjectID.hash(text))?.type == .chunk)
    #expect(s.info(ObjectID.hash(text))?.rawLength == text.count)
    #expect(s.info(ObjectID.hash(manifest))?.type == .manifest)
    #expect(s.info(ObjectID.hash(manifest))?.rawLength == manifest.count)
    #expect(s.info(ObjectID.hash([1, 2, 3])) == nil)
    let missing = #expect(throws: StoreError.self) { try s.read(ObjectID.hash([1, 2, 3])) }
    #expect(missing?.objectID == ObjectID.hash([1, 2, 3]))
    if case .missingObject = missing {} else { Issue.record("expected missingObject, got \(String(describing: missing))") }

    // Compression is kept for text and skipped for random bytes.
    let t = try #require(s.location(ObjectID.hash(text))).location
    #expect(t.codec == .zstd)
    #expect(t.storedLength < t.rawLength / 2)
    let r = try #require(s.location(ObjectID.hash(random))).location
    #expect(r.codec == .raw)
    #expect(r.storedLength == r.rawLength)
    #expect(s.indexPaths().count == 1)
  }

  @Test func dedupStoresAnObjectOnce() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let s = try DiskStore(root: root)
    let data = randomBytes(10_000, seed: 2)
    let id = ObjectID.hash(data)
    let w = s.makeWriter()
    #expect(try w.put(id, type: .chunk, bytes: data, compress: false))
    #expect(try w.put(id, type: .chunk, bytes: data, compress: false) == false)
    try w.flush()
    let w2 = s.makeWriter()
    #expect(try w2.put(id, type: .chunk, bytes: data, compress: false) == false)
    try w2.flush()
    #expect(w.newBytes.objects == 1)
    #expect(w2.newBytes.objects == 0)
    #expect(try s.allRecords().count == 1)
    let packBytes = try packFiles(root).reduce(0) { $0 + (try readFile($1).count) }
    #expect(packBytes == data.count + 44 + 12)
  }

  func packFiles(_ root: String) throws -> [String] {
    let e = FileManager.default.enumerator(atPath: root + "/packs")
    var out: [String] = []
    while let p = e?.nextObject() as? String {
      if p.hasSuffix(".pack") { out.append(root + "/packs/" + p) }
    }
    return out
  }

  @Test func flippedByteInAPackIsReportedAsCorruptNamingTheObject() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let text = csvText(rows: 2000)
    let random = randomBytes(50_000, seed: 3)
    let ids = try store([text, random], in: try DiskStore(root: root))
    for id in ids {
      let s = try DiskStore(root: root)
      let (path, l) = try #require(s.location(id))
      let original = try readFile(path)
      let at = Int(l.offset) + Int(l.storedLength) / 2
      try patchFile(path, at: Int64(at), with: [original[at] ^ 0x40])
      let e = #expect(throws: StoreError.self) { try DiskStore(root: root).read(id) }
      guard case .corruptObject(let named, let location, _) = e else {
        Issue.record("expected corruptObject, got \(String(describing: e))")
        continue
      }
      #expect(named == id)
      #expect(location == path)
      try writeFile(path, original)
      #expect(try DiskStore(root: root).read(id) == (id == ids[0] ? text : random))
    }
  }

  @Test func truncatedPackAndMissingPack() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let data = randomBytes(30_000, seed: 4)
    let id = try store([data], in: try DiskStore(root: root))[0]
    let (path, l) = try #require(try DiskStore(root: root).location(id))
    try POSIXFile(path: path, flags: O_WRONLY).truncate(to: Int64(l.offset) + 100)
    let truncated = #expect(throws: StoreError.self) { try DiskStore(root: root).read(id) }
    if case .corruptObject(let named, _, let reason) = truncated {
      #expect(named == id)
      #expect(reason.contains("truncated"))
    } else {
      Issue.record("expected corruptObject, got \(String(describing: truncated))")
    }
    // An object whose pack has gone is missing (so a pull fetches it again), not corrupt.
    FS.remove(path)
    let reopened = try DiskStore(root: root)
    #expect(reopened.info(id) == nil)
    let missing = #expect(throws: StoreError.self) { try reopened.read(id) }
    #expect(missing == .missingObject(id))
  }

  @Test func corruptIndexFilesAreReported() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    try store([randomBytes(1000, seed: 5), randomBytes(1000, seed: 6)], in: try DiskStore(root: root))
    let s = try DiskStore(root: root)
    let path = try #require(s.indexPaths().first)
    let good = try readFile(path)
    #expect(try IndexFile(path: path, verifyChecksum: true).count == 2)

    func expectCorrupt(_ bytes: [UInt8], verify: Bool, _ fragment: String) throws {
      try writeFile(path, bytes)
      let e = #expect(throws: StoreError.self) { try IndexFile(path: path, verifyChecksum: verify) }
      if case .corruptIndex(let p, let reason) = e {
        #expect(p == path)
        #expect(reason.contains(fragment), "\(reason)")
      } else {
        Issue.record("expected corruptIndex, got \(String(describing: e))")
      }
    }
    var badMagic = good
    badMagic[0] = UInt8(ascii: "X")
    try expectCorrupt(badMagic, verify: false, "magic")
    try expectCorrupt(good + [0], verify: false, "size")
    try expectCorrupt(Array(good.dropLast(52)), verify: false, "size")
    try expectCorrupt(Array(good.prefix(100)), verify: false, "short")
    // A flipped bit in an entry's offset keeps the structure valid: only the checksum sees it.
    var flipped = good
    flipped[16 + 32 + 1024 + 36] ^= 1
    try writeFile(path, flipped)
    #expect(try IndexFile(path: path, verifyChecksum: false).count == 2)
    try expectCorrupt(flipped, verify: true, "checksum")
    // A store with a damaged index opens (every other index still serves), names the
    // damage for the command layer to warn about, and treats its objects as missing.
    try writeFile(path, badMagic)
    let damaged = try DiskStore(root: root)
    #expect(damaged.loadProblems.count == 1 && damaged.loadProblems[0].contains(path))
    #expect(try damaged.allRecords().isEmpty)
  }

  @Test func hostileIndexCountsAreRejectedWithoutReadingOutOfBounds() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    try store([randomBytes(1000, seed: 7)], in: try DiskStore(root: root))
    let path = try #require(try DiskStore(root: root).indexPaths().first)
    let good = try readFile(path)
    // packCount = 0xffffffff: the pack table would run far past the end of the mapping.
    var hugePacks = good
    hugePacks.replaceSubrange(8..<12, with: [0xff, 0xff, 0xff, 0xff])
    try writeFile(path, hugePacks)
    #expect(throws: StoreError.self) { try IndexFile(path: path, verifyChecksum: false) }
    // A fan-out entry larger than the entry count would send lookups past the table.
    var badFanout = good
    let bucket = 16 + 32 + 4 * 0x10
    badFanout.replaceSubrange(bucket..<(bucket + 4), with: [0xff, 0xff, 0, 0])
    try writeFile(path, badFanout)
    #expect(throws: StoreError.self) { try IndexFile(path: path, verifyChecksum: false) }
  }

  @Test func implausibleLengthsInAnIndexEntryAreCorruptionNotAnAllocation() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let data = randomBytes(1000, seed: 40)
    let id = try store([data], in: try DiskStore(root: root))[0]
    let path = try #require(try DiskStore(root: root).indexPaths().first)
    var bytes = try readFile(path)
    // Entry 0's storedLength (offset 40 in the entry), as a flipped high bit would leave it.
    let entry = 16 + 32 + 1024
    bytes.replaceSubrange((entry + 40)..<(entry + 44), with: [0x00, 0x00, 0x00, 0xf0])
    try writeFile(path, bytes)
    let e = #expect(throws: StoreError.self) { try DiskStore(root: root).read(id) }
    #expect(e?.objectID == id)
  }

  @Test func concurrentPutsThroughOneWriter() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let s = try DiskStore(root: root)
    let w = s.makeWriter()
    // Small objects are buffered, large ones written directly; together they pass the pack
    // target size, so packs are sealed while other lanes are still writing.
    let small = (0..<200).map { i in i % 2 == 0 ? randomBytes(2000 + i, seed: UInt64(500 + i)) : csvText(rows: 20 + i) }
    let large = (0..<150).map { i in randomBytes(200_000 + 701 * i, seed: UInt64(9000 + i)) }
    let objects = small + large
    #expect(large.reduce(0) { $0 + $1.count } > PackFormat.targetSize)
    let errors = Locked<[Error]>([])
    DispatchQueue.concurrentPerform(iterations: 4) { lane in
      // Every lane puts every object: each must be stored exactly once, and is readable
      // as soon as `put` returns, even while it sits in another lane's buffer.
      for o in objects.shuffled() {
        do {
          try w.put(ObjectID.hash(o), type: .chunk, bytes: o, compress: lane % 2 == 0)
          if try s.read(ObjectID.hash(o)) != o { throw StoreError.corruptObject(ObjectID.hash(o), location: "test", reason: "read back differs") }
        } catch {
          errors.update { $0.append(error) }
        }
      }
    }
    try w.flush()
    #expect(errors.value.isEmpty)
    #expect(w.newBytes.objects == objects.count)
    let reopened = try DiskStore(root: root)
    #expect(try reopened.allRecords().count == objects.count)
    #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/tmp").isEmpty)
    for o in objects { #expect(try reopened.read(ObjectID.hash(o)) == o) }
  }

  @Test func indexesAreMergedPastTheThreshold() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let s = try DiskStore(root: root)
    var objects: [[UInt8]] = []
    for i in 0...DiskStore.mergeThreshold {
      let o = randomBytes(500 + i, seed: UInt64(100 + i))
      objects.append(o)
      try store([o], in: s)
      if i < DiskStore.mergeThreshold { #expect(s.indexPaths().count == i + 1) }
    }
    #expect(s.indexPaths().count == 1)
    for o in objects { #expect(try s.read(ObjectID.hash(o)) == o) }
    let reopened = try DiskStore(root: root)
    #expect(try reopened.allRecords().count == objects.count)
    for o in objects { #expect(try reopened.read(ObjectID.hash(o)) == o) }
  }

  @Test func orphanedTemporaryFilesAreRemovedAndLiveOnesKept() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let s = try DiskStore(root: root)
    let exited = Process()
    exited.executableURL = URL(fileURLWithPath: "/bin/true")
    try exited.run()
    exited.waitUntilExit()
    let sleeper = Process()
    sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
    sleeper.arguments = ["30"]
    try sleeper.run()
    defer { kill(sleeper.processIdentifier, SIGKILL) }
    let dead = "pack-\(exited.processIdentifier)-123"
    let live = "restore-\(sleeper.processIdentifier)-456"
    let mine = FS.temporaryPath(in: s.temporaryDirectory, prefix: "pack")
    let oldUnknown = "leftover", newUnknown = "fresh"
    for name in [dead, live, oldUnknown, newUnknown] { try writeFile(s.temporaryDirectory + "/" + name, [1, 2, 3]) }
    try writeFile(mine, [4])
    try FileManager.default.setAttributes(
      [.modificationDate: Date().addingTimeInterval(-3 * 86_400)], ofItemAtPath: s.temporaryDirectory + "/" + oldUnknown)
    let removed = s.removeOrphanedTemporaryFiles()
    #expect(removed == 2)
    let left = Set(try FileManager.default.contentsOfDirectory(atPath: s.temporaryDirectory))
    #expect(left == [live, newUnknown, (mine as NSString).lastPathComponent])
  }

  @Test func temporaryNamesCarryTheirCreatorsPID() {
    let name = (FS.temporaryPath(in: "/x", prefix: "gc-pack") as NSString).lastPathComponent
    #expect(FS.creatorPID(ofTemporaryName: name) == getpid())
    #expect(FS.creatorPID(ofTemporaryName: "pack") == nil)
    #expect(FS.creatorPID(ofTemporaryName: "a-b-c") == nil)
    #expect(FS.creatorPID(ofTemporaryName: "pack-0-5") == nil)
  }

  @Test func abandonedWriterLeavesNothingVisible() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let s = try DiskStore(root: root)
    let kept = randomBytes(2000, seed: 8)
    try store([kept], in: s)
    let lost = (0..<5).map { randomBytes(3000, seed: UInt64(200 + $0)) }
    do {
      // A kill mid-add: objects put, no flush, writer gone.
      let w = s.makeWriter()
      for o in lost { try w.put(ObjectID.hash(o), type: .chunk, bytes: o, compress: false) }
    }
    let reopened = try DiskStore(root: root)
    #expect(reopened.indexPaths().count == 1)
    #expect(try reopened.allRecords().map(\.id) == [ObjectID.hash(kept)])
    for o in lost { #expect(reopened.info(ObjectID.hash(o)) == nil) }
    #expect(try reopened.read(ObjectID.hash(kept)) == kept)
  }

  @Test func abandonedWriterDoesNotPoisonTheStoreThatMadeIt() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let s = try DiskStore(root: root)
    let o = randomBytes(3000, seed: 9)
    let id = ObjectID.hash(o)
    do {
      let w = s.makeWriter()
      try w.put(id, type: .chunk, bytes: o, compress: false)
    }
    // The writer's bytes are gone, so the store must not claim the object any more, and a
    // retry in the same process must really store it.
    #expect(s.info(id) == nil)
    let w = s.makeWriter()
    #expect(try w.put(id, type: .chunk, bytes: o, compress: false))
    try w.flush()
    #expect(try DiskStore(root: root).read(id) == o)
  }

  @Test func sealedPackHeaderListsEveryEntry() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let objects = [csvText(rows: 500), randomBytes(7000, seed: 10), Array("x".utf8), csvText(rows: 50)]
    let s = try DiskStore(root: root)
    let ids = try store(objects, in: s)
    let packs = try packFiles(root)
    #expect(packs.count == 1)
    let file = try POSIXFile.openForReading(packs[0])
    let header = try PackFormat.readHeader(file).entries
    #expect(header.map(\.entry.id) == ids)
    var offset: Int64 = 0
    for (i, h) in header.enumerated() {
      #expect(Int64(h.offset) == offset)
      let l = try #require(s.location(ids[i])).location
      #expect(l.offset == h.offset)
      #expect(l.storedLength == h.entry.storedLength)
      #expect(Int(h.entry.rawLength) == objects[i].count)
      offset += Int64(h.entry.storedLength)
    }
    #expect(offset + Int64(objects.count * 44 + 12) == (try file.size()))
    // The pack's name is the SHA-256 of its header and trailer.
    let tail = try file.read(count: objects.count * 44 + 12, at: offset)
    #expect(packs[0].hasSuffix("/\(ObjectID.hash(tail).hex).pack"))
  }

  @Test func readHeaderRejectsDamage() throws {
    let dir = makeTempDir()
    defer { removeTree(dir) }
    let path = dir + "/x.pack"
    let blob = [UInt8](repeating: 7, count: 10)
    let header = PackFormat.encodeHeader([.init(id: ObjectID.hash(blob), type: .chunk, codec: .raw, rawLength: 10, storedLength: 10)])
    try writeFile(path, blob + header)
    #expect(try PackFormat.readHeader(POSIXFile.openForReading(path)).entries.count == 1)
    for bad in [Array(blob.dropLast()) + header, blob + [0] + header, [1, 2, 3], blob + Array(header.dropLast())] {
      try writeFile(path, bad)
      #expect(throws: StoreError.self) { try PackFormat.readHeader(POSIXFile.openForReading(path)) }
    }
    var badType = blob + header
    badType[10 + 32] = 9
    try writeFile(path, badType)
    #expect(throws: StoreError.self) { try PackFormat.readHeader(POSIXFile.openForReading(path)) }
  }
}
