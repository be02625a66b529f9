import Foundation
import MLVStore
import Testing

@testable import MLVRemote

/// A backend that fails every upload after the first `allowedUploads` (a dropped network).
final class FailingBackend: RemoteBackend, @unchecked Sendable {
  let inner: RemoteBackend
  let allowedUploads: Int
  private let lock = NSLock()
  private var uploads = 0
  init(_ inner: RemoteBackend, allowedUploads: Int) {
    self.inner = inner
    self.allowedUploads = allowedUploads
  }
  var displayName: String { inner.displayName }
  var uploaded: Int { lock.withLock { uploads } }
  private func admit(_ key: String) throws {
    try lock.withLock {
      let bookkeeping = key.hasPrefix("index/") || key.hasPrefix("locks/")
      guard bookkeeping || uploads < allowedUploads else {
        throw RemoteError.unreachable(endpoint: "test", underlying: "connection reset")
      }
      if !bookkeeping { uploads += 1 }
    }
  }
  func put(_ key: String, data: [UInt8]) async throws {
    try admit(key)
    try await inner.put(key, data: data)
  }
  func putFile(_ key: String, from path: String) async throws {
    try admit(key)
    try await inner.putFile(key, from: path)
  }
  func get(_ key: String) async throws -> [UInt8] { try await inner.get(key) }
  func get(_ key: String, range: Range<Int64>) async throws -> [UInt8] { try await inner.get(key, range: range) }
  func getFile(_ key: String, to path: String) async throws { try await inner.getFile(key, to: path) }
  func exists(_ key: String) async throws -> Bool { try await inner.exists(key) }
  func list(prefix: String) async throws -> [RemoteObjectInfo] { try await inner.list(prefix: prefix) }
  func delete(_ key: String) async throws { try await inner.delete(key) }
}

/// A store with `packs` packs of `perPack` random objects each (one writer flush per pack).
private func makeStore(_ dir: TemporaryDirectory, name: String, packs: Int, perPack: Int) throws -> (DiskStore, [ObjectID]) {
  let store = try DiskStore(root: dir.path + "/" + name)
  var ids: [ObjectID] = []
  for p in 0..<packs {
    let writer = store.makeWriter()
    for i in 0..<perPack {
      let bytes = pseudoRandomBytes(count: 20_000 + i, seed: UInt64(p * 1000 + i + 1))
      let id = ObjectID.hash(bytes)
      try writer.put(id, type: .chunk, bytes: bytes, compress: false)
      ids.append(id)
    }
    try writer.flush()
  }
  return (store, ids)
}

@Suite struct SyncTests {
  @Test func interruptedPushIsResumedMovingOnlyWhatIsMissing() async throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanup() }
    let (store, ids) = try makeStore(dir, name: "local", packs: 6, perPack: 5)
    let remoteRoot = dir.path + "/remote"
    let flaky = FailingBackend(LocalBackend(root: remoteRoot, fsync: false), allowedUploads: 2)
    let first = try RemoteRepository(name: "origin", backend: flaky, cacheDir: dir.path + "/cache1", tmpDir: dir.path + "/tmp")
    await #expect(throws: RemoteError.self) { _ = try await first.push(Set(ids), from: store, jobs: 1) }
    #expect(flaky.uploaded == 2)

    // The packs that made it were indexed: the remote is consistent and knows them.
    let plain = LocalBackend(root: remoteRoot, fsync: false)
    let second = try RemoteRepository(name: "origin", backend: plain, cacheDir: dir.path + "/cache2", tmpDir: dir.path + "/tmp")
    #expect(try await second.index().allRecords().count == 10)
    let resumed = try await second.push(Set(ids), from: store, jobs: 2)
    #expect(resumed.alreadyOnRemote == 10)
    #expect(resumed.objectsPushed == 20)
    #expect(resumed.packsPushed == 4)
    let again = try await second.push(Set(ids), from: store)
    #expect(again.objectsPushed == 0 && again.alreadyOnRemote == 30)

    // Everything arrives intact in an empty store.
    let (other, _) = try makeStore(dir, name: "other", packs: 0, perPack: 0)
    let fetched = try await second.fetch(ids, into: other)
    #expect(fetched.objectsFetched == 30 && fetched.missing.isEmpty)
    for id in ids { #expect(try other.read(id) == store.read(id)) }
  }

  /// gc and push exclude each other through lock objects on the remote; pushes share;
  /// a stale lock (a killed process) is ignored; a finished push leaves no lock behind.
  @Test func remoteGCAndPushExcludeEachOther() async throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanup() }
    let (store, ids) = try makeStore(dir, name: "local", packs: 1, perPack: 3)
    let backend = LocalBackend(root: dir.path + "/remote", fsync: false)
    let remote = try RemoteRepository(name: "r", backend: backend, cacheDir: dir.path + "/cache", tmpDir: dir.path + "/tmp")
    _ = try await remote.push(Set(ids), from: store)
    #expect(try await backend.list(prefix: "locks/").isEmpty)
    let push = try await remote.acquireLock(.push)
    let other = try await remote.acquireLock(.push)  // pushes share
    await #expect(throws: RemoteError.self) { _ = try await remote.gc(live: [], dryRun: false) }
    await remote.releaseLock(push)
    await remote.releaseLock(other)
    let gc = try await remote.acquireLock(.gc)
    await #expect(throws: RemoteError.self) { _ = try await remote.push(Set(ids), from: store) }
    await remote.releaseLock(gc)
    // A lock left by a process killed seven hours ago does not block anyone.
    try await backend.put("locks/gc-\(Int(Date().timeIntervalSince1970) - 7 * 3600)-1", data: [])
    let r = try await remote.gc(live: Set(ids), dryRun: false)
    #expect(r.liveObjects == 3)
  }

  @Test func packUploadedWithoutIndexIsReusedNotResent() async throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanup() }
    let (store, ids) = try makeStore(dir, name: "local", packs: 2, perPack: 3)
    let backend = LocalBackend(root: dir.path + "/remote", fsync: false)
    // A push killed after uploading a pack but before its index.
    let orphan = try #require(store.pack(holding: ids[0]))
    try await backend.putFile(RemoteLayout.packKey(orphan), from: store.packPath(orphan))
    let remote = try RemoteRepository(name: "r", backend: backend, cacheDir: dir.path + "/cache", tmpDir: dir.path + "/tmp")
    let r = try await remote.push(Set(ids), from: store)
    #expect(r.objectsPushed == 6 && r.packsResumed == 1 && r.packsPushed == 1)
  }

  @Test func partlyWantedPackIsRepackedAndFetchVerifiesBytes() async throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanup() }
    let (store, ids) = try makeStore(dir, name: "local", packs: 1, perPack: 6)
    let backend = MemoryBackend()
    let remote = try RemoteRepository(name: "mem", backend: backend, cacheDir: dir.path + "/cache", tmpDir: dir.path + "/tmp")
    let some = Set(ids.prefix(3))
    let r = try await remote.push(some, from: store)
    #expect(r.objectsPushed == 3)
    // Only the three objects went up, in a new pack.
    let packs = try await backend.list(prefix: "packs/")
    #expect(packs.count == 1 && packs[0].size < 3 * 21_000)
    #expect(RemoteLayout.packID(fromKey: packs[0].key) != store.pack(holding: ids[0]))

    // A remote serving wrong bytes: the fetch names it and stores nothing wrong.
    var bytes = try await backend.get(packs[0].key)
    bytes[10] ^= 0xFF
    try await backend.put(packs[0].key, data: bytes)
    let (other, _) = try makeStore(dir, name: "other", packs: 0, perPack: 0)
    do {
      _ = try await remote.fetch(Array(some), into: other)
      Issue.record("expected corruptObject")
    } catch let RemoteError.corruptObject(name, key, _, _) {
      #expect(name.contains("mem") && key == packs[0].key)
    }
    #expect(some.filter { other.contains($0) }.count == 2)
    for id in some where other.contains(id) { #expect(try other.read(id) == store.read(id)) }
    let check = try await remote.verify()
    #expect(check.corrupt.count == 1)
  }

  @Test func remoteGCDeletesDeadPacksAndRewritesMostlyDeadOnes() async throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanup() }
    let (store, ids) = try makeStore(dir, name: "local", packs: 3, perPack: 4)
    let backend = MemoryBackend()
    let remote = try RemoteRepository(name: "mem", backend: backend, cacheDir: dir.path + "/cache", tmpDir: dir.path + "/tmp")
    _ = try await remote.push(Set(ids), from: store)
    // Pack 1 fully live, pack 2 one object of four live, pack 3 dead.
    let live = Set(ids[0..<4]).union([ids[4]])
    let dry = try await remote.gc(live: live, dryRun: true)
    #expect(dry.packsDeleted == 1 && dry.packsRepacked == 1 && dry.deadObjects == 7)
    #expect(try await backend.list(prefix: "packs/").count == 3)
    let r = try await remote.gc(live: live, dryRun: false)
    #expect(r.packsDeleted == 1 && r.packsRepacked == 1 && r.bytesFreed > 0)
    #expect(try await backend.list(prefix: "index/").count == 1)
    #expect(try await backend.list(prefix: "packs/").count == 2)
    let fresh = try RemoteRepository(name: "mem", backend: backend, cacheDir: dir.path + "/cache2", tmpDir: dir.path + "/tmp")
    #expect(try await fresh.index().allRecords().count == 5)
    let (other, _) = try makeStore(dir, name: "other", packs: 0, perPack: 0)
    let fetched = try await fresh.fetch(Array(live), into: other)
    #expect(fetched.missing.isEmpty)
    for id in live { #expect(try other.read(id) == store.read(id)) }
    #expect(try await fresh.verify().isHealthy)
  }
}

/// Remote transfers against the in-memory store: the remote layer depends only on the
/// store's `PackTransfer` protocol.
@Suite struct MemoryStoreSyncTests {
  @Test func pushFromAndFetchIntoMemoryStores() async throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanup() }
    let local = MemoryStore(temporaryDirectory: dir.path + "/local-tmp")
    try FileManager.default.createDirectory(atPath: local.temporaryDirectory, withIntermediateDirectories: true)
    let objects = (0..<5).map { pseudoRandomBytes(count: 30_000 + $0, seed: UInt64(40 + $0)) }
    let w = local.makeWriter()
    for o in objects { try w.put(ObjectID.hash(o), type: .chunk, bytes: o, compress: false) }
    let ids = objects.map { ObjectID.hash($0) }
    let backend = MemoryBackend()
    let remote = try RemoteRepository(name: "mem", backend: backend, cacheDir: dir.path + "/cache", tmpDir: dir.path + "/tmp")
    let pushed = try await remote.push(Set(ids), from: local)
    #expect(pushed.objectsPushed == 5 && pushed.notLocal.isEmpty)

    // A corrupt object in the local store is refused by name.
    let bad = pseudoRandomBytes(count: 1_000, seed: 50)
    try w.put(ObjectID.hash(bad), type: .chunk, bytes: bad, compress: false)
    local.corrupt(ObjectID.hash(bad), with: pseudoRandomBytes(count: 1_000, seed: 52))
    await #expect(throws: StoreError.self) { try await remote.push([ObjectID.hash(bad)], from: local) }

    let other = MemoryStore(temporaryDirectory: dir.path + "/other-tmp")
    try FileManager.default.createDirectory(atPath: other.temporaryDirectory, withIntermediateDirectories: true)
    let fresh = try RemoteRepository(name: "mem", backend: backend, cacheDir: dir.path + "/cache2", tmpDir: dir.path + "/tmp2")
    let fetched = try await fresh.fetch(ids, into: other)
    #expect(fetched.missing.isEmpty && fetched.objectsFetched == 5)
    for (o, id) in zip(objects, ids) { #expect(try other.read(id) == o) }
  }
}
