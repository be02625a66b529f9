import Foundation
import Testing

@testable import MLVRemote

/// A pid no process has: a child that exited and was reaped.
private func deadPID() throws -> Int32 {
  let p = Process()
  p.executableURL = URL(fileURLWithPath: "/bin/sh")
  p.arguments = ["-c", "exit 0"]
  try p.run()
  p.waitUntilExit()
  return p.processIdentifier
}

struct LockTests {
  @Test func ownerBodyRoundTripsAndJunkIsNoOwner() {
    let owner = RemoteLockOwner(kind: "push", pid: 4242, host: "build-7", processStart: 123_456_789)
    #expect(String(decoding: owner.body, as: UTF8.self) == "push by process 4242 on build-7\npid 4242\nhost build-7\nstart 123456789\n")
    #expect(RemoteLockOwner(body: owner.body) == owner)
    #expect(RemoteLockOwner(body: Array("push by process 1 on h\n".utf8)) == nil)  // older mlv
    #expect(RemoteLockOwner(body: Array("gc\npid -3\nhost h\n".utf8)) == nil)
    #expect(RemoteLockOwner(body: Array("gc\npid 3\nhost \n".utf8)) == nil)
    #expect(RemoteLockOwner(body: [UInt8](repeating: 0x41, count: 10_000)) == nil)
    #expect(RemoteLockOwner(body: [0xFF, 0xFE, 0x0A]) == nil)
    let me = RemoteLockOwner.current(kind: "gc")
    #expect(me.pid == getpid() && me.processStart != nil)
  }

  @Test func goneOwnersAreThoseOfThisHostThatNoLongerRun() throws {
    let host = RemoteLockOwner.hostName
    let me = RemoteLockOwner.current(kind: "push")
    #expect(me.goneReason() == nil)
    let dead = RemoteLockOwner(kind: "push", pid: try deadPID(), host: host, processStart: nil)
    #expect(dead.goneReason()?.contains("is gone") == true)
    // Our pid, but a start time that is not ours: the pid was reused.
    let reused = RemoteLockOwner(kind: "push", pid: me.pid, host: host, processStart: (me.processStart ?? 0) + 1)
    #expect(reused.goneReason()?.contains("another process") == true)
    let elsewhere = RemoteLockOwner(kind: "push", pid: try deadPID(), host: host + "-elsewhere", processStart: nil)
    #expect(elsewhere.goneReason() == nil)
  }

  @Test func unlockRemovesDeadAndStaleLocksAndAllRemovesTheRest() async throws {
    let backend = MemoryBackend()
    let dir = NSTemporaryDirectory() + "mlv-lock-tests-" + UUID().uuidString
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let remote = try RemoteRepository(name: "r", backend: backend, cacheDir: dir + "/cache", tmpDir: dir + "/tmp")
    let now = Int(Date().timeIntervalSince1970)
    let host = RemoteLockOwner.hostName
    let dead = RemoteLockOwner(kind: "push", pid: try deadPID(), host: host, processStart: nil)
    try await backend.put("locks/push-\(now)-1", data: dead.body)
    let live = try await remote.acquireLock(.push)  // this process: running
    try await backend.put("locks/push-\(now - 7 * 3600)-2", data: Array("push by process 1 on h\n".utf8))
    try await backend.put("locks/gc-\(now)-3", data: RemoteLockOwner(kind: "gc", pid: 9, host: "far", processStart: nil).body)
    try await backend.put("locks/README", data: [1])

    // The dead push's lock blocks gc until it is removed; the live one still does after.
    await #expect(throws: RemoteError.self) { _ = try await remote.gc(live: [], dryRun: false) }
    let (removed, kept) = try await remote.unlock(all: false)
    #expect(removed.map(\.key).sorted() == ["locks/push-\(now - 7 * 3600)-2", "locks/push-\(now)-1"])
    #expect(removed.first { $0.key.hasSuffix("-1") }?.removableBecause?.contains("is gone") == true)
    #expect(removed.first { $0.key.hasSuffix("-2") }?.removableBecause == "stale (7 hours old)")
    #expect(kept.map(\.key).sorted() == ["locks/README", "locks/gc-\(now)-3", live])
    #expect(kept.first { $0.key == "locks/gc-\(now)-3" }?.keptBecause?.contains("on far") == true)
    let (all, none) = try await remote.unlock(all: true)
    #expect(all.count == 3 && none.isEmpty)
    #expect(try await backend.list(prefix: "locks/").isEmpty)
    _ = try await remote.gc(live: [], dryRun: false)
  }
}

/// A listing that names an index deleted right after it was listed, once (what a reader
/// sees while `gc --remote` replaces the indexes).
final class VanishingIndexBackend: RemoteBackend, @unchecked Sendable {
  let inner: RemoteBackend
  private let lock = NSLock()
  private var listings = 0
  init(_ inner: RemoteBackend) { self.inner = inner }
  var displayName: String { inner.displayName }
  var listCount: Int { lock.withLock { listings } }
  func put(_ key: String, data: [UInt8]) async throws { try await inner.put(key, data: data) }
  func putFile(_ key: String, from path: String) async throws { try await inner.putFile(key, from: path) }
  func get(_ key: String) async throws -> [UInt8] { try await inner.get(key) }
  func get(_ key: String, range: Range<Int64>) async throws -> [UInt8] { try await inner.get(key, range: range) }
  func getFile(_ key: String, to path: String) async throws { try await inner.getFile(key, to: path) }
  func exists(_ key: String) async throws -> Bool { try await inner.exists(key) }
  func delete(_ key: String) async throws { try await inner.delete(key) }
  func list(prefix: String) async throws -> [RemoteObjectInfo] {
    let first = lock.withLock { listings += 1; return listings == 1 }
    let real = try await inner.list(prefix: prefix)
    guard first, prefix == RemoteLayout.indexPrefix else { return real }
    return real + [RemoteObjectInfo(key: "index/" + String(repeating: "7", count: 64) + ".idx", size: 100)]
  }
}

struct IndexRefreshTests {
  @Test func anIndexReplacedWhileListingIsReadAgainNotAnError() async throws {
    let backend = VanishingIndexBackend(MemoryBackend())
    let dir = NSTemporaryDirectory() + "mlv-refresh-tests-" + UUID().uuidString
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let remote = try RemoteRepository(name: "r", backend: backend, cacheDir: dir + "/cache", tmpDir: dir + "/tmp")
    let index = try await remote.index()
    #expect(index.files.isEmpty)
    #expect(backend.listCount == 2)
  }
}
