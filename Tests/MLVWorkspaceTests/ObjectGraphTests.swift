import Foundation
import Testing

@testable import MLVStore
@testable import MLVWorkspace

/// The object graph and the workspace's gc and fsck decisions, over an in-memory store: the
/// layers above the store are tested against its protocols, not against the disk.
@Suite struct ObjectGraphTests {
  /// A real git repository whose workspace keeps its objects in a `MemoryStore`.
  struct MemoryRepo {
    let repo: TestRepo
    let store = MemoryStore()
    let ws: Workspace

    init() throws {
      repo = try TestRepo()
      ws = try Workspace(git: repo.ws.git, config: repo.ws.config, store: store, storeRoot: repo.root + "/.mlv/store")
    }
  }

  /// A directory with small files and one multi-chunk file, and a single file.
  private func populate(_ m: MemoryRepo) throws {
    for i in 0..<5 { try m.repo.write("data/f\(i).txt", "file \(i)\n") }
    try m.repo.write("data/big.bin", randomBytes(700_000, seed: 1))
    try m.repo.write("model.bin", randomBytes(200_000, seed: 2))
    _ = try m.ws.add(["data", "model.bin"])
    _ = try m.ws.git.commit(message: "data")
  }

  @Test func walksEveryObjectOnceDownToTheChunks() throws {
    let m = try MemoryRepo()
    defer { m.repo.cleanup() }
    try populate(m)
    let (graph, unreadable) = try m.ws.graph(KeepPolicy())
    #expect(unreadable.isEmpty)
    #expect(graph.missing.isEmpty && graph.damaged.isEmpty)
    // Everything the store holds is reached: the manifest, the file list of big.bin, its
    // chunks, the small files and the model.
    #expect(graph.reached == m.store.ids)
    #expect(m.store.ids.contains { m.store.info($0)?.type == .fileList })
  }

  @Test func aMissingManifestIsReportedWithItsPathAndResumedOnceItArrives() throws {
    let m = try MemoryRepo()
    defer { m.repo.cleanup() }
    try populate(m)
    let pointer = try #require(try m.ws.readPointer("data"))
    let manifest = try m.store.read(pointer.oid)
    m.store.remove(pointer.oid)
    let (graph, _) = try m.ws.graph(KeepPolicy(revisions: ["HEAD"], history: false, workspace: false))
    #expect(graph.missing == [pointer.oid])
    let labels = try #require(graph.paths(of: [pointer.oid])[pointer.oid])
    #expect(labels.count == 1 && labels[0].hasPrefix("data ("))
    #expect(graph.missing.count == 1)
    // The walk knows nothing below the manifest until it is back.
    let before = graph.reached.count
    let w = m.store.makeWriter()
    try w.put(pointer.oid, type: .tree, bytes: manifest, compress: false)
    graph.resume()
    #expect(graph.missing.isEmpty)
    #expect(graph.reached.count > before)
    #expect(graph.reached == m.store.ids)
  }

  @Test func missingFilesAreKeptAsIdsAndNamedByWalkingAgain() throws {
    let m = try MemoryRepo()
    defer { m.repo.cleanup() }
    try populate(m)
    let f1 = ObjectID.hash(Array("file 1\n".utf8))
    let f3 = ObjectID.hash(Array("file 3\n".utf8))
    m.store.remove(f1)
    m.store.remove(f3)
    let (graph, _) = try m.ws.graph(KeepPolicy(revisions: ["HEAD"], history: false, workspace: false))
    #expect(graph.missing == [f1, f3])
    // Only the ids asked for are named, each by the path that needs it.
    let named = graph.paths(of: [f3])
    #expect(named.keys.sorted() == [f3])
    let p3 = try #require(named[f3])
    #expect(p3.count == 1 && p3[0].hasPrefix("data (") && p3[0].hasSuffix(": f3.txt"), "\(p3)")
    #expect(graph.paths(of: [f1, f3]).mapValues { $0.map { $0.hasSuffix(": f1.txt") || $0.hasSuffix(": f3.txt") } } == [f1: [true], f3: [true]])
    #expect(graph.paths(of: []).isEmpty)
  }

  @Test func aSelectionWalksOnlyItsPart() throws {
    let m = try MemoryRepo()
    defer { m.repo.cleanup() }
    try populate(m)
    let selections = try m.ws.selectData(at: nil, paths: ["data/f1.txt"])
    let graph = m.ws.graph(of: selections)
    let f1 = ObjectID.hash(Array("file 1\n".utf8))
    #expect(graph.reached.contains(f1))
    #expect(!graph.reached.contains(ObjectID.hash(Array("file 2\n".utf8))))
    // A later whole selection of the same manifest walks the rest.
    graph.add(try m.ws.selectData(at: nil, paths: ["data"]).map { GraphRoot(pointer: $0.pointer, label: $0.dataPath) })
    #expect(graph.reached.contains(ObjectID.hash(Array("file 2\n".utf8))))
  }

  @Test func gcDeletesWhatNoRevisionNeedsAndKeepsTheRest() throws {
    let m = try MemoryRepo()
    defer { m.repo.cleanup() }
    try populate(m)
    let kept = m.store.ids
    try m.repo.write("scratch.bin", randomBytes(50_000, seed: 3))
    _ = try m.ws.add(["scratch.bin"])
    try git(["rm", "-q", "--cached", "scratch.bin.mlv"], in: m.repo.root)
    try FileManager.default.removeItem(atPath: m.repo.path("scratch.bin.mlv"))
    let scratch = m.store.ids.subtracting(kept)
    #expect(!scratch.isEmpty)
    let dry = try m.ws.gc(KeepPolicy(), dryRun: true)
    #expect(dry.store.deadObjects == scratch.count && m.store.ids.isSuperset(of: scratch))
    let report = try m.ws.gc(KeepPolicy(), dryRun: false)
    #expect(report.store.deadObjects == scratch.count)
    #expect(m.store.ids == kept)
  }

  @Test func fsckNamesThePathsACorruptObjectBreaks() throws {
    let m = try MemoryRepo()
    defer { m.repo.cleanup() }
    try populate(m)
    let f3 = ObjectID.hash(Array("file 3\n".utf8))
    m.store.corrupt(f3, with: Array("file X\n".utf8))
    let report = try m.ws.fsck(KeepPolicy())
    #expect(!report.isHealthy)
    let bad = try #require(report.corrupt.first)
    #expect(bad.id == f3)
    #expect(bad.neededBy.count == 1 && bad.neededBy[0].hasSuffix(": f3.txt"), "\(bad.neededBy)")
    // Repair drops it; the graph then names it as missing, for a remote to supply.
    let (repair, graph) = try m.ws.repairStore(KeepPolicy())
    #expect(repair.lost == [f3])
    #expect(graph.missing.sorted() == [f3])
  }
}
