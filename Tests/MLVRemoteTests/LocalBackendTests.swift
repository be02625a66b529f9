import Foundation
import Testing

@testable import MLVRemote

struct LocalBackendTests {
  @Test func putGetRangeExistsDelete() async throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanup() }
    let backend = LocalBackend(root: dir.path + "/remote/")
    let data = pseudoRandomBytes(count: 10_000, seed: 1)
    let key = "packs/ab/" + String(repeating: "ab", count: 32) + ".pack"

    #expect(try await backend.exists(key) == false)
    try await backend.put(key, data: data)
    #expect(try await backend.exists(key))
    #expect(try await backend.get(key) == data)
    #expect(try await backend.get(key, range: 100..<250) == Array(data[100..<250]))
    // A range past the end is cut at the end; one starting past the end is an error.
    #expect(try await backend.get(key, range: 9_990..<20_000) == Array(data[9_990...]))
    #expect(try await backend.get(key, range: 5..<5) == [])
    await #expect(throws: RemoteError.invalidRange(key: key, range: 10_000..<10_001)) {
      try await backend.get(key, range: 10_000..<10_001)
    }
    // Overwrite replaces.
    try await backend.put(key, data: [1, 2, 3])
    #expect(try await backend.get(key) == [1, 2, 3])

    try await backend.delete(key)
    #expect(try await backend.exists(key) == false)
    await #expect(throws: RemoteError.notFound(key: key)) { try await backend.get(key) }
    await #expect(throws: RemoteError.notFound(key: key)) { try await backend.get(key, range: 0..<1) }
    // Deleting an absent key is fine (as on S3).
    try await backend.delete(key)
    try await backend.delete("never/existed")
  }

  @Test func listFiltersByPrefixAndSorts() async throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanup() }
    let backend = LocalBackend(root: dir.path)
    let keys = ["packs/ab/2.pack", "packs/ab/1.pack", "packs/cd/3.pack", "index/9.idx", "packsx/4.pack", "top"]
    for (i, key) in keys.enumerated() {
      try await backend.put(key, data: [UInt8](repeating: 7, count: i + 1))
    }
    #expect(
      try await backend.list(prefix: "packs/")
        == [
          RemoteObjectInfo(key: "packs/ab/1.pack", size: 2),
          RemoteObjectInfo(key: "packs/ab/2.pack", size: 1),
          RemoteObjectInfo(key: "packs/cd/3.pack", size: 3),
        ])
    // A prefix that is not a whole directory name matches like on S3.
    #expect(try await backend.list(prefix: "packs").map(\.key).count == 4)
    #expect(try await backend.list(prefix: "packs/ab/1").map(\.key) == ["packs/ab/1.pack"])
    #expect(try await backend.list(prefix: "").map(\.key) == keys.sorted())
    #expect(try await backend.list(prefix: "nothing/").isEmpty)
    // A missing root lists as empty rather than failing.
    #expect(try await LocalBackend(root: dir.path + "/absent").list(prefix: "").isEmpty)
  }

  @Test(arguments: [
    "", "/etc/passwd", "../escape", "a/../../b", "a//b", "a/./b", "a/", "./a", "a/..", "a\\b",
    "packs/.mlv-tmp-123",
  ])
  func hostileKeysAreRejected(_ key: String) async throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanup() }
    let backend = LocalBackend(root: dir.path + "/remote")
    await #expect(throws: RemoteError.self) { try await backend.put(key, data: [1]) }
    await #expect(throws: RemoteError.self) { try await backend.get(key) }
    await #expect(throws: RemoteError.self) { try await backend.exists(key) }
    await #expect(throws: RemoteError.self) { try await backend.delete(key) }
    // Nothing was written anywhere, inside the root or next to it.
    #expect(dir.contents("").filter { $0 != "remote" }.isEmpty)
    #expect(dir.contents("remote").isEmpty)
  }

  @Test func putFileAndGetFileRoundTrip() async throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanup() }
    let backend = LocalBackend(root: dir.path + "/remote")
    let data = pseudoRandomBytes(count: 9 << 20 | 123, seed: 2)  // spans several 4 MiB copies
    let source = try dir.write("source.bin", data)
    try await backend.putFile("blobs/big.bin", from: source)
    #expect(try await backend.list(prefix: "blobs/") == [RemoteObjectInfo(key: "blobs/big.bin", size: Int64(data.count))])
    try await backend.getFile("blobs/big.bin", to: dir.path + "/out/copy.bin")
    #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir.path + "/out/copy.bin"))) == data)
    #expect(dir.contents("out") == ["copy.bin"])  // no temporary file left behind
  }

  @Test func failedWritesLeaveNothingBehind() async throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanup() }
    let backend = LocalBackend(root: dir.path + "/remote")
    await #expect(throws: RemoteError.self) {
      try await backend.putFile("a/b.bin", from: dir.path + "/no-such-source")
    }
    #expect(try await backend.exists("a/b.bin") == false)
    await #expect(throws: RemoteError.notFound(key: "missing")) {
      try await backend.getFile("missing", to: dir.path + "/target.bin")
    }
    #expect(!FileManager.default.fileExists(atPath: dir.path + "/target.bin"))
    #expect(dir.contents("").filter { $0.hasPrefix(".mlv-tmp-") }.isEmpty)
  }

  /// A reader racing a writer must only ever see a whole old or a whole new object: writes
  /// go to a temporary file and are renamed over the key.
  @Test func readersNeverSeePartialObjects() async throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanup() }
    let backend = LocalBackend(root: dir.path)
    let versions = [[UInt8](repeating: 0xAA, count: 2 << 20), [UInt8](repeating: 0xBB, count: 3 << 20)]
    try await backend.put("obj", data: versions[0])
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        for i in 0..<30 { try await backend.put("obj", data: versions[i % 2]) }
      }
      group.addTask {
        for _ in 0..<60 {
          let seen = try await backend.get("obj")
          #expect(seen == versions[0] || seen == versions[1], "saw \(seen.count) bytes")
          // Temporary files never show up as objects.
          #expect(try await backend.list(prefix: "").map(\.key) == ["obj"])
        }
      }
      try await group.waitForAll()
    }
  }
}
