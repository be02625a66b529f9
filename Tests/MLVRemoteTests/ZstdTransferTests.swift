import Foundation
import MLVStore
import Testing

@testable import MLVRemote

/// zstd-coded objects travel as stored (pack version 2) through push and fetch on a local-
/// path remote: whole packs, repacked subsets and ranged fetches keep the codec, and a
/// damaged zstd blob on the remote is named, never stored.
@Suite struct ZstdTransferTests {
  /// CSV-like text, different per seed: compresses, so the writer stores it as zstd.
  func csv(_ seed: Int, rows: Int = 3000) -> [UInt8] {
    Array((0..<rows).map { "\($0),item-\(($0 * seed) % 101),\(Double($0) * 0.5 + Double(seed))\n" }.joined().utf8)
  }

  func makeStore(_ dir: TemporaryDirectory, _ name: String, objects: [[UInt8]]) throws -> DiskStore {
    let store = try DiskStore(root: dir.path + "/" + name)
    let writer = store.makeWriter()
    for bytes in objects { try writer.put(ObjectID.hash(bytes), type: .chunk, bytes: bytes, compress: true) }
    try writer.flush()
    return store
  }

  func remotePacks(_ root: String) throws -> [String] {
    try FileManager.default.subpathsOfDirectory(atPath: root).filter { $0.hasSuffix(".pack") }.map { root + "/" + $0 }
  }

  @Test func zstdObjectsSurvivePushAndFetchAsZstd() async throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanup() }
    let texts = (1...6).map { csv($0) }
    let random = pseudoRandomBytes(count: 30_000, seed: 9)
    let store = try makeStore(dir, "local", objects: texts + [random])
    let ids = texts.map { ObjectID.hash($0) }
    for id in ids { #expect(store.location(id)?.location.codec == .zstd) }
    #expect(store.location(ObjectID.hash(random))?.location.codec == .raw)

    let remoteRoot = dir.path + "/remote"
    let remote = try RemoteRepository(
      name: "disk", backend: LocalBackend(root: remoteRoot), cacheDir: dir.path + "/cache", tmpDir: dir.path + "/tmp")
    // A subset first (repacked through the pack builder), then everything (the rest).
    #expect(try await remote.push(Set(ids.prefix(2)), from: store).objectsPushed == 2)
    #expect(try await remote.push(Set(ids + [ObjectID.hash(random)]), from: store).objectsPushed == 5)
    for path in try remotePacks(remoteRoot) {
      let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
      #expect(String(decoding: bytes.suffix(8), as: UTF8.self) == "MLVPACK2", "\(path) is a zstd (version 2) pack")
    }

    // Whole packs and ranges both land as zstd, byte-identical once decoded.
    let all = try DiskStore(root: dir.path + "/clone")
    _ = try await remote.fetch(ids + [ObjectID.hash(random)], into: all)
    let some = try DiskStore(root: dir.path + "/partial")
    _ = try await remote.fetch([ids[3]], into: some)
    for (id, text) in zip(ids, texts) {
      #expect(all.location(id)?.location.codec == .zstd)
      #expect(try all.read(id) == text)
    }
    #expect(some.location(ids[3])?.location.codec == .zstd)
    #expect(try some.read(ids[3]) == texts[3])
    #expect(try all.read(ObjectID.hash(random)) == random)
  }

  @Test func aDamagedZstdBlobOnTheRemoteIsNamedAndNotStored() async throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanup() }
    let texts = (1...3).map { csv($0 + 10) }
    let store = try makeStore(dir, "local", objects: texts)
    let ids = texts.map { ObjectID.hash($0) }
    let remoteRoot = dir.path + "/remote"
    let remote = try RemoteRepository(
      name: "disk", backend: LocalBackend(root: remoteRoot), cacheDir: dir.path + "/cache", tmpDir: dir.path + "/tmp")
    _ = try await remote.push(Set(ids), from: store)
    let packs = try remotePacks(remoteRoot)
    #expect(packs.count == 1)
    // Flip a byte inside the first blob's frame (past its 4-byte magic).
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: packs[0])))
    bytes[20] ^= 0x41
    try Data(bytes).write(to: URL(fileURLWithPath: packs[0]))

    let other = try DiskStore(root: dir.path + "/other")
    do {
      _ = try await remote.fetch(ids, into: other)
      Issue.record("a damaged zstd blob was fetched")
    } catch let RemoteError.corruptObject(name, key, _, _) {
      #expect(name.contains("disk") && key.hasSuffix(".pack"))
    }
    let kept = ids.filter { other.contains($0) }
    #expect(kept.count == 2, "the good objects of the pack are stored")
    for id in kept { #expect(try other.read(id) == store.read(id)) }
  }
}
