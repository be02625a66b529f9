import Foundation
import Testing

@testable import MLVGit
@testable import MLVStore
@testable import MLVWorkspace

/// Checkout paths beyond the basic round trip: in-place patches of large files, the
/// journal that finishes an interrupted patch, and restoring deleted or missing data.
@Suite struct CheckoutTests {
  /// Restore lanes take files of one directory at a time: runs break where the parent
  /// changes (also when a subdirectory's files interrupt their parent's) and at the limit.
  @Test func restoreRunsFollowDirectoriesAndTheLimit() {
    let paths = ["a", "b", "d/x", "d/y", "d/e/z", "d/w", "f/1", "f/2", "f/3", "f/4", "f/5"]
    #expect(Workspace.directoryRuns(paths, longest: 3) == [0..<2, 2..<4, 4..<5, 5..<6, 6..<9, 9..<11])
    #expect(Workspace.directoryRuns([], longest: 3).isEmpty)
    #expect(Workspace.directoryRuns(["only"], longest: 1) == [0..<1])
    // every path is in exactly one run, in order
    let runs = Workspace.directoryRuns(paths, longest: 2)
    #expect(runs.flatMap { Array($0) } == Array(paths.indices))
  }

  @Test func largeFileIsPatchedInPlace() throws {
    let repo = try TestRepo()
    defer { repo.cleanup() }
    let ws = repo.ws
    let v1 = randomBytes(6 * 1024 * 1024, seed: 30)
    var v2 = v1
    v2.replaceSubrange(2_000_000..<2_001_024, with: randomBytes(1024, seed: 31))
    v2 += [1, 2, 3]  // a different size too, so no same-tick stat-cache hit can hide the edit
    try repo.write("model.bin", v1)
    _ = try ws.add(["model.bin"])
    _ = try ws.commit(message: "v1")
    try repo.write("model.bin", v2)
    _ = try ws.commit(message: "v2")
    let inode = try #require(FileStat.of(repo.path("model.bin"))).inode
    let summary = try ws.checkout(revision: "HEAD~1", paths: [], force: false)
    #expect(try repo.read("model.bin") == v1)
    #expect(summary.filesWritten == 1)
    // Only the chunks around the edit were rewritten, in the same file.
    #expect(summary.bytesWritten > 0)
    #expect(summary.bytesWritten < Int64(v1.count) / 8)
    #expect(FileStat.of(repo.path("model.bin"))?.inode == inode)
    #expect(try FileManager.default.contentsOfDirectory(atPath: ws.stateDir + "/journal").isEmpty)
    #expect(try ws.status().allSatisfy(\.isClean))
  }

  @Test func interruptedPatchIsFinishedByTheNextLock() throws {
    let repo = try TestRepo()
    defer { repo.cleanup() }
    let ws = repo.ws
    let good = randomBytes(200_000, seed: 32)
    try repo.write("data/a.bin", good)
    let pointer = try ws.add(["data"]).results[0].pointer
    let entry = try #require(try ws.entries(of: pointer).first)
    // A crash mid-patch: half-written file, journal still naming the target content.
    try repo.write("data/a.bin", Array(good.prefix(50_000)) + randomBytes(150_000, seed: 33))
    try FileManager.default.createDirectory(atPath: ws.stateDir + "/journal", withIntermediateDirectories: true)
    try writeFile(ws.stateDir + "/journal/one", "\(entry.oid.hex) \(entry.size) f data/a.bin\n")
    do {
      let lock = try ws.lock("test")
      _ = lock
    }
    #expect(try repo.read("data/a.bin") == good)
    #expect(!exists(ws.stateDir + "/journal/one"))
    // A journal naming a path outside the repository is discarded, not followed.
    try writeFile(ws.stateDir + "/journal/two", "\(entry.oid.hex) \(entry.size) f ../escape.bin\n")
    do {
      let lock = try ws.lock("test")
      _ = lock
    }
    #expect(!exists(repo.root + "/../escape.bin"))
    #expect(!exists(ws.stateDir + "/journal/two"))
  }

  @Test func checkoutWithoutRevisionRestoresDeletedAndMissingData() throws {
    let repo = try TestRepo()
    defer { repo.cleanup() }
    let ws = repo.ws
    try repo.write("data/a.txt", "alpha\n")
    try repo.write("data/deep/b.txt", "beta\n")
    try repo.write("w.bin", randomBytes(10_000, seed: 34))
    _ = try ws.add(["data", "w.bin"])
    _ = try ws.commit(message: "v1")

    try FileManager.default.removeItem(atPath: repo.path("data/deep/b.txt"))
    #expect(try ws.status().first { $0.path == "data" }?.deleted == ["deep/b.txt"])
    var summary = try ws.checkout(revision: nil, paths: ["data"], force: false)
    #expect(summary.filesWritten == 1)
    #expect(summary.filesUnchanged == 1)
    #expect(try repo.read("data/deep/b.txt") == Array("beta\n".utf8))

    try FileManager.default.removeItem(atPath: repo.path("data"))
    try FileManager.default.removeItem(atPath: repo.path("w.bin"))
    let status = try ws.status()
    #expect(status.count == 2 && status.allSatisfy { $0.state == .missing })
    summary = try ws.checkout(revision: nil, paths: [], force: false)
    #expect(summary.filesWritten == 3)
    #expect(try repo.read("data/a.txt") == Array("alpha\n".utf8))
    #expect(try repo.read("w.bin") == randomBytes(10_000, seed: 34))
    #expect(try ws.status().allSatisfy(\.isClean))
  }

  @Test func restoreRefusesToWriteThroughASymlinkedDirectory() throws {
    let repo = try TestRepo()
    defer { repo.cleanup() }
    let outside = makeTempDir("mlvoutside")
    defer { removeTree(outside) }
    let ws = repo.ws
    try repo.write("data/sub/a.txt", "alpha\n")
    _ = try ws.add(["data"])
    _ = try ws.commit(message: "v1")
    // Someone replaces data/sub by a link to a directory outside the repository.
    try FileManager.default.removeItem(atPath: repo.path("data/sub"))
    try FileManager.default.createSymbolicLink(atPath: repo.path("data/sub"), withDestinationPath: outside)
    #expect(throws: (any Error).self) { _ = try ws.checkout(revision: nil, paths: [], force: true) }
    #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
  }

  @Test func missingObjectsAreReportedByPath() throws {
    let repo = try TestRepo()
    defer { repo.cleanup() }
    let ws = repo.ws
    try repo.write("data/a.txt", "alpha\n")
    _ = try ws.add(["data"])
    _ = try ws.commit(message: "v1")
    // Lose the whole store (e.g. a fresh clone before `mlv pull`).
    try FileManager.default.removeItem(atPath: ws.mlvDir + "/store")
    try FileManager.default.removeItem(atPath: repo.path("data"))
    let fresh = try Workspace.open(cwd: repo.root)
    let e = #expect(throws: WorkspaceError.self) { _ = try fresh.checkout(revision: nil, paths: [], force: false) }
    if case .missingData(let path, _) = e { #expect(path == "data") } else {
      Issue.record("expected missingData, got \(String(describing: e))")
    }
    #expect(!exists(repo.path("data/a.txt")))
  }
}
