import Foundation
import MLVChunking
import Testing

@testable import MLVStore
import MLVSystem

@Suite struct IngestRestoreTests {
  let chunker = try! Chunker()

  /// A store, a temp dir for data files, and a restore scratch dir, removed afterwards.
  struct Env {
    let dir: String
    let store: DiskStore
    var tmp: String { dir + "/tmp" }
    init() throws {
      dir = makeTempDir("mlvingest")
      store = try DiskStore(root: dir + "/store")
      try FS.makeDirectories(dir + "/tmp")
    }
    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
      let path = dir + "/" + name
      try writeFile(path, bytes)
      return path
    }
  }

  func ingest(_ path: String, _ env: Env, store: Bool = true) throws -> (IngestedFile, ObjectWriter) {
    let writer = env.store.makeWriter()
    let result = try Ingester(chunker: chunker, writer: writer, store: store).ingest(path: path)
    try writer.flush()
    return (result, writer)
  }

  @Test func largeAndSmallFilesRoundTrip() throws {
    let env = try Env()
    defer { removeTree(env.dir) }
    let big = randomBytes(10 * 1024 * 1024, seed: 11)
    let small = randomBytes(100 * 1024, seed: 12)
    #expect(big.count > Ingester.smallFileLimit)
    for (name, data) in [("big", big), ("small", small)] {
      let path = try env.file(name, data)
      let seen = Locked<Int64>(0)
      let writer = env.store.makeWriter()
      let result = try Ingester(chunker: chunker, writer: writer).ingest(path: path) { n in
        seen.update { $0 += n }
      }
      try writer.flush()
      #expect(result.size == Int64(data.count))
      #expect(seen.value == Int64(data.count))
      #expect(result.chunks.reduce(0) { $0 + Int($1.length) } == data.count)
      // The chunk list is exactly the chunker's cuts of the whole file.
      let lengths = data.withUnsafeBytes { chunker.chunkLengths(of: $0) }
      #expect(result.chunks.map { Int($0.length) } == lengths)
      #expect(result.id == FileList(chunks: result.chunks).fileID)
      let out = env.dir + "/\(name).restored"
      try Restorer(store: try DiskStore(root: env.dir + "/store"), tmpDir: env.tmp)
        .restore(id: result.id, size: result.size, to: out, executable: false)
      #expect(try readFile(out) == data)
    }
  }

  /// The pipelined path cuts blocks and carries the tail over; sizes at the block edges
  /// must give exactly the cuts of the whole file in one buffer.
  @Test(arguments: [
    Ingester.smallFileLimit + 1, Ingester.blockSize - 1, Ingester.blockSize + 256 * 1024,
    Ingester.blockSize + 256 * 1024 + 1,
  ])
  func pipelineCutsEqualWholeBufferCuts(size: Int) throws {
    let env = try Env()
    defer { removeTree(env.dir) }
    // Long zero runs force max-size cuts, so block edges fall at awkward places.
    var data = randomBytes(size, seed: UInt64(size))
    data.replaceSubrange(1_000_000..<2_000_000, with: [UInt8](repeating: 0, count: 1_000_000))
    let (result, _) = try ingest(try env.file("data", data), env)
    let lengths = data.withUnsafeBytes { chunker.chunkLengths(of: $0) }
    #expect(result.chunks.map { Int($0.length) } == lengths)
    var offset = 0
    var ids: [ObjectID] = []
    for n in lengths {
      ids.append(data.withUnsafeBytes { ObjectID.hash(UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + n)])) })
      offset += n
    }
    #expect(result.chunks.map(\.id) == ids)
  }

  @Test func fileIDIsStableAndSecondIngestStoresNothing() throws {
    let env = try Env()
    defer { removeTree(env.dir) }
    let path = try env.file("data", randomBytes(5 * 1024 * 1024, seed: 13))
    let (first, w1) = try ingest(path, env)
    let (second, w2) = try ingest(path, env)
    #expect(first.id == second.id)
    #expect(first.chunks == second.chunks)
    #expect(w1.newBytes.objects == first.chunks.count + 1)  // chunks + file list
    #expect(w2.newBytes.objects == 0)
  }

  @Test func smallSingleChunkFileIDIsItsSHA256() throws {
    let env = try Env()
    defer { removeTree(env.dir) }
    let data = csvText(rows: 100)
    let (result, _) = try ingest(try env.file("small.csv", data), env)
    #expect(result.chunks.count == 1)
    #expect(result.id == ObjectID.hash(data))
    #expect(env.store.location(result.id)?.location.codec == .zstd)
    let (empty, w) = try ingest(try env.file("empty", []), env)
    #expect(empty.id == .empty)
    #expect(empty.size == 0)
    #expect(w.newBytes.objects == 0)
  }

  @Test func ingestWithoutStoringStoresNothing() throws {
    let env = try Env()
    defer { removeTree(env.dir) }
    let data = randomBytes(6 * 1024 * 1024, seed: 14)
    let (hashed, w) = try ingest(try env.file("data", data), env, store: false)
    #expect(w.newBytes.objects == 0)
    #expect(env.store.indexPaths().isEmpty)
    #expect(!env.store.contains(hashed.id))
    for c in hashed.chunks { #expect(!env.store.contains(c.id)) }
    let (stored, _) = try ingest(try env.file("data", data), env)
    #expect(stored.id == hashed.id)
  }

  @Test func smallEditAddsOnlyAFewChunks() throws {
    let env = try Env()
    defer { removeTree(env.dir) }
    let a = randomBytes(10 * 1024 * 1024, seed: 15)
    var b = a
    let middle = a.count / 2
    b.replaceSubrange(middle..<(middle + 1024), with: randomBytes(1024, seed: 16))
    let (ra, _) = try ingest(try env.file("a", a), env)
    let (rb, wb) = try ingest(try env.file("b", b), env)
    #expect(ra.id != rb.id)
    // One or two chunks around the edit (each at most 256 KiB) plus the new file list.
    let maxChunk = chunker.parameters.maxSize
    #expect(wb.newBytes.objects <= 4)
    #expect(wb.newBytes.raw <= Int64(3 * maxChunk + rb.chunks.count * 36 + 16))
    #expect(wb.newBytes.raw > 1024)
    let shared = Set(ra.chunks.map(\.id)).intersection(rb.chunks.map(\.id))
    #expect(shared.count >= rb.chunks.count - 3)
  }

  @Test func patchRewritesOnlyChangedChunks() throws {
    let env = try Env()
    defer { removeTree(env.dir) }
    let a = randomBytes(10 * 1024 * 1024, seed: 17)
    var b = a
    b.replaceSubrange(3_000_000..<3_001_024, with: randomBytes(1024, seed: 18))
    b.removeLast(200_000)  // the target is shorter: patch must trim
    let (ra, _) = try ingest(try env.file("a", a), env)
    let (rb, _) = try ingest(try env.file("b", b), env)
    let path = try env.file("work", a)
    let restorer = Restorer(store: env.store, tmpDir: env.tmp)
    let cost = Restorer.patchCost(current: ra.chunks, target: rb.chunks)
    let written = try restorer.patch(path: path, current: ra.chunks, target: rb.chunks)
    #expect(written == cost)
    #expect(written < Int64(b.count) / 10)
    #expect(written > 0)
    #expect(try readFile(path) == b)
    // And back again, now growing the file.
    let back = try restorer.patch(path: path, current: rb.chunks, target: ra.chunks)
    #expect(back < Int64(a.count) / 10)
    #expect(try readFile(path) == a)
  }

  /// An insertion shifts every later chunk: the reusing restore copies them from the
  /// current file and takes only the new ones from the store.
  @Test func restoreReusingTheCurrentFileTakesOnlyNewChunksFromTheStore() throws {
    let env = try Env()
    defer { removeTree(env.dir) }
    let a = randomBytes(12 * 1024 * 1024, seed: 21)
    var b = a
    b.insert(contentsOf: randomBytes(300_000, seed: 22), at: 6_000_000)
    let (ra, _) = try ingest(try env.file("a", a), env)
    let (rb, _) = try ingest(try env.file("b", b), env)
    let path = try env.file("work", a)
    #expect(Restorer.patchCost(current: ra.chunks, target: rb.chunks) > Int64(b.count) / 2)
    let restorer = Restorer(store: env.store, tmpDir: env.tmp)
    let fromStore = try restorer.restore(
      id: rb.id, size: rb.size, to: path, executable: false, reusing: ra.chunks, unchanged: { true })
    #expect(try readFile(path) == b)
    #expect(fromStore > 300_000 && fromStore < 1_000_000, "took \(fromStore) bytes from the store")
    // If the current file changed meanwhile, the copy is discarded and the store used alone.
    let path2 = try env.file("work2", a)
    let all = try restorer.restore(
      id: rb.id, size: rb.size, to: path2, executable: false, reusing: ra.chunks, unchanged: { false })
    #expect(all == rb.size)
    #expect(try readFile(path2) == b)
  }

  @Test func restoreWithAMissingChunkFailsAndWritesNothing() throws {
    let env = try Env()
    defer { removeTree(env.dir) }
    let data = randomBytes(1024 * 1024, seed: 19)
    let (hashed, _) = try ingest(try env.file("data", data), env, store: false)
    #expect(hashed.chunks.count >= 3)
    // Store every chunk but one, and the file list.
    let dropped = hashed.chunks[hashed.chunks.count / 2].id
    let w = env.store.makeWriter()
    var offset = 0
    for c in hashed.chunks {
      if c.id != dropped {
        try w.put(c.id, type: .chunk, bytes: Array(data[offset..<(offset + Int(c.length))]), compress: false)
      }
      offset += Int(c.length)
    }
    try w.put(hashed.id, type: .fileList, bytes: FileList(chunks: hashed.chunks).encode(), compress: false)
    try w.flush()
    let target = env.dir + "/restored"
    let e = #expect(throws: StoreError.self) {
      try Restorer(store: env.store, tmpDir: env.tmp).restore(id: hashed.id, size: hashed.size, to: target, executable: false)
    }
    if case .missingObject(let id) = e { #expect(id == dropped) } else {
      Issue.record("expected missingObject, got \(String(describing: e))")
    }
    #expect(!FS.exists(target))
    #expect(try FileManager.default.contentsOfDirectory(atPath: env.tmp).isEmpty)
    // A missing file list is reported by its own id.
    let other = randomBytes(600_000, seed: 20)
    let (otherHashed, _) = try ingest(try env.file("other", other), env, store: false)
    let e2 = #expect(throws: StoreError.self) {
      try Restorer(store: env.store, tmpDir: env.tmp).restore(id: otherHashed.id, size: otherHashed.size, to: target, executable: false)
    }
    #expect(e2?.objectID == otherHashed.id)
    #expect(!FS.exists(target))
  }

  @Test func restoreSetsTheExecutableBit() throws {
    let env = try Env()
    defer { removeTree(env.dir) }
    let data = Array("#!/bin/sh\necho hi\n".utf8)
    let (r, _) = try ingest(try env.file("script", data), env)
    let target = env.dir + "/script.out"
    try Restorer(store: env.store, tmpDir: env.tmp).restore(id: r.id, size: r.size, to: target, executable: true)
    #expect(try readFile(target) == data)
    #expect(FileManager.default.isExecutableFile(atPath: target))
  }
}
