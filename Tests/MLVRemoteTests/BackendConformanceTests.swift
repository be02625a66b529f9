import Foundation
import Testing

@testable import MLVRemote

/// The same contract checked on every backend that needs no server, so that tests of the
/// layers above can use MemoryBackend and trust it to behave like the real ones.
struct BackendConformanceTests {
  enum Kind: String, CaseIterable, Sendable { case local, memory }

  @Test(arguments: Kind.allCases)
  func contract(_ kind: Kind) async throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanup() }
    let backend: any RemoteBackend =
      kind == .local ? LocalBackend(root: dir.path + "/remote") : MemoryBackend()
    let data = pseudoRandomBytes(count: 3_000, seed: 9)

    try await backend.put("index/b.idx", data: data)
    try await backend.put("index/a.idx", data: [1, 2])
    try await backend.put("packs/0a/x.pack", data: [])
    #expect(try await backend.get("index/b.idx") == data)
    #expect(try await backend.get("index/b.idx", range: 2_990..<4_000) == Array(data[2_990...]))
    await #expect(throws: RemoteError.invalidRange(key: "index/a.idx", range: 2..<3)) {
      try await backend.get("index/a.idx", range: 2..<3)
    }
    #expect(
      try await backend.list(prefix: "index/")
        == [RemoteObjectInfo(key: "index/a.idx", size: 2), RemoteObjectInfo(key: "index/b.idx", size: 3_000)])
    #expect(try await backend.list(prefix: "").map(\.key) == ["index/a.idx", "index/b.idx", "packs/0a/x.pack"])
    #expect(try await backend.exists("packs/0a/x.pack"))
    #expect(try await backend.get("packs/0a/x.pack") == [])

    let source = try dir.write("src.bin", data)
    try await backend.putFile("blobs/src.bin", from: source)
    try await backend.getFile("blobs/src.bin", to: dir.path + "/back.bin")
    #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir.path + "/back.bin"))) == data)

    try await backend.delete("index/a.idx")
    try await backend.delete("index/a.idx")
    #expect(try await backend.exists("index/a.idx") == false)
    await #expect(throws: RemoteError.notFound(key: "index/a.idx")) { try await backend.get("index/a.idx") }
    await #expect(throws: RemoteError.self) { try await backend.put("../up", data: [1]) }
    await #expect(throws: RemoteError.self) { try await backend.list(prefix: "../") }
  }
}
