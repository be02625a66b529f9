import Foundation
import MLVSystem
import Testing

@testable import MLVGit
@testable import MLVStore
@testable import MLVWorkspace

/// Library-level end-to-end runs in real git repositories.
@Suite struct WorkspaceTests {
  @Test func initializeWritesConfigAndRefusesTwice() throws {
    let repo = try TestRepo()
    defer { repo.cleanup() }
    #expect(exists(repo.path(".mlv/config")))
    #expect(exists(repo.path(".mlvignore")))
    let staged = try git(["diff", "--cached", "--name-only"], in: repo.root).output
    #expect(staged.split(separator: "\n").sorted() == [".mlv/.gitignore", ".mlv/config", ".mlvignore"])
    #expect(throws: WorkspaceError.self) { _ = try Workspace.initialize(cwd: repo.root) }
    let reopened = try Workspace.open(cwd: repo.root)
    #expect(reopened.config == RepoConfig())
  }

  /// `add` leaves the directory summary behind, so a `status` right after it (with a plain
  /// `git commit` in between) knows the manifest id without rebuilding the manifest.
  @Test func addRecordsTheDirectorySummary() throws {
    let repo = try TestRepo()
    defer { repo.cleanup() }
    for i in 0..<20 { try repo.write("data/f\(i).bin", randomBytes(1000 + i, seed: UInt64(i))) }
    let added = try repo.ws.add(["data"])
    let reopened = try Workspace.open(cwd: repo.root)
    let scanned = try #require(try reopened.scan("data", storeObjects: false))
    #expect(reopened.statCache.manifestID(for: "data", files: scanned.files) == added.results[0].pointer.oid)
  }

  @Test func addStatusCommitCheckoutAndDiff() throws {
    let repo = try TestRepo()
    defer { repo.cleanup() }
    let ws = repo.ws
    let big = randomBytes(300_000, seed: 1)
    try repo.write("data/a.txt", "alpha\n")
    try repo.write("data/b.bin", big)
    try repo.write("data/sub/c.txt", "gamma\n")
    try repo.write("model.bin", randomBytes(50_000, seed: 2))
    let added = try ws.add(["data", "model.bin"])
    #expect(added.results.map(\.path) == ["data", "model.bin"])
    #expect(added.results[0].pointer.kind == .dir)
    #expect(added.results[0].pointer.files == 3)
    #expect(added.results[0].pointer.size == Int64(6 + big.count + 6))
    #expect(added.results[1].pointer.kind == .file)
    #expect(added.results[1].pointer.oid == ObjectID.hash(try repo.read("model.bin")))
    // Pointers are staged, the data itself is git-ignored.
    let staged = try git(["diff", "--cached", "--name-only"], in: repo.root).output
    #expect(staged.contains("data.mlv") && staged.contains("model.bin.mlv") && staged.contains(".gitignore"))
    #expect(try git(["check-ignore", "-q", "data/a.txt"], in: repo.root, allowFailure: true).status == 0)
    #expect(try ws.status().allSatisfy(\.isClean))
    let v1 = try ws.commit(message: "v1").commit
    #expect(try ws.status().allSatisfy { $0.isClean && !$0.uncommitted })

    // Modify, add and delete inside the directory (sizes change: no racy stat-cache hits).
    try repo.write("data/a.txt", "alpha, changed\n")
    try repo.write("data/new.txt", "new file\n")
    try FileManager.default.removeItem(atPath: repo.path("data/sub/c.txt"))
    let status = try ws.status()
    let data = try #require(status.first { $0.path == "data" })
    #expect(data.modified == ["a.txt"])
    #expect(data.added == ["new.txt"])
    #expect(data.deleted == ["sub/c.txt"])
    #expect(data.state == .modified)
    #expect(status.first { $0.path == "model.bin" }?.isClean == true)
    #expect(try ws.status(filter: ["model.bin"]).map(\.path) == ["model.bin"])

    // The workspace diff sees the same changes before they are added.
    let wdiff = try ws.diff(from: .commit(v1, label: "v1"), to: .workspace, filter: ["data"])
    #expect(wdiff.paths.map(\.path) == ["data"])
    #expect(wdiff.totals.added == 1)
    #expect(wdiff.totals.modified == 1)
    #expect(wdiff.totals.removed == 1)

    let (v2, readded) = try ws.commit(message: "v2")
    #expect(readded.map(\.path) == ["data"])
    #expect(try ws.status().allSatisfy(\.isClean))

    let diff = try ws.diff(from: .commit(v1, label: "v1"), to: .commit(v2, label: "v2"), filter: [])
    #expect(diff.paths.map(\.path) == ["data"])
    let changes = diff.paths[0].changes.map { "\($0.change) \($0.path)" }
    #expect(changes == ["modified data/a.txt", "added data/new.txt", "removed data/sub/c.txt"])
    #expect(diff.paths[0].newBytes == Int64("alpha, changed\n".utf8.count + "new file\n".utf8.count))

    let history = try ws.log("data")
    #expect(history.map(\.commit.oid) == [v2, v1])

    // Back to v1: exact bytes, the added file removed, the deleted one restored.
    let summary = try ws.checkout(revision: "HEAD~1", paths: [], force: false)
    #expect(summary.commit == v1)
    #expect(try repo.read("data/a.txt") == Array("alpha\n".utf8))
    #expect(try repo.read("data/sub/c.txt") == Array("gamma\n".utf8))
    #expect(try repo.read("data/b.bin") == big)
    #expect(!exists(repo.path("data/new.txt")))
    #expect(try ws.status().allSatisfy(\.isClean))

    // And forward again, by path only (HEAD stays at v1).
    _ = try ws.checkout(revision: v2.hex, paths: ["data"], force: false)
    #expect(try repo.read("data/a.txt") == Array("alpha, changed\n".utf8))
    #expect(!exists(repo.path("data/sub/c.txt")))
    #expect(!exists(repo.path("data/sub")))
    #expect(try ws.git.head() == v1)
  }

  @Test func checkoutRefusesToLoseUnstoredContentUnlessForced() throws {
    let repo = try TestRepo()
    defer { repo.cleanup() }
    let ws = repo.ws
    try repo.write("data/a.txt", "one\n")
    try repo.write("data/keep.txt", "keep\n")
    _ = try ws.add(["data"])
    _ = try ws.commit(message: "v1")
    try repo.write("data/a.txt", "two!\n")
    _ = try ws.add(["data"])
    let v2 = try ws.commit(message: "v2").commit
    // Content that exists nowhere but in the workspace.
    try repo.write("data/a.txt", "precious, unsaved\n")
    try repo.write("data/extra.txt", "also unsaved\n")
    let e = #expect(throws: WorkspaceError.self) { _ = try ws.checkout(revision: "HEAD~1", paths: [], force: false) }
    if case .uncommittedChanges(let files) = e {
      #expect(files == ["data/a.txt", "data/extra.txt"])
    } else {
      Issue.record("expected uncommittedChanges, got \(String(describing: e))")
    }
    // Nothing was touched: HEAD, the pointer and the data are as they were.
    #expect(try repo.read("data/a.txt") == Array("precious, unsaved\n".utf8))
    #expect(try ws.git.head() == v2)
    let pe = #expect(throws: WorkspaceError.self) { _ = try ws.checkout(revision: "HEAD~1", paths: ["data"], force: false) }
    if case .uncommittedChanges = pe {} else { Issue.record("expected uncommittedChanges, got \(String(describing: pe))") }

    _ = try ws.checkout(revision: "HEAD~1", paths: [], force: true)
    #expect(try repo.read("data/a.txt") == Array("one\n".utf8))
    #expect(try repo.read("data/keep.txt") == Array("keep\n".utf8))
    #expect(!exists(repo.path("data/extra.txt")))
  }

  @Test func addSkipsSymlinksAndHonoursMlvignore() throws {
    let repo = try TestRepo()
    defer { repo.cleanup() }
    let outside = makeTempDir("mlvoutside")
    defer { removeTree(outside) }
    try writeFile(outside + "/secret.txt", "outside the repository\n")
    try repo.write("data/real.txt", "real\n")
    try repo.write("data/scratch.tmp", "ignored by the default .mlvignore\n")
    try repo.write("data/cache/blob", "ignored directory\n")
    try repo.write("data/logs/run.log", "ignored log\n")
    try repo.write("data/logs/keep.log", "re-included log\n")
    try repo.write(".mlvignore", String(decoding: try repo.read(".mlvignore"), as: UTF8.self) + "cache/\n*.log\n!keep.log\n")
    try FileManager.default.createSymbolicLink(atPath: repo.path("data/linkdir"), withDestinationPath: outside)
    try FileManager.default.createSymbolicLink(atPath: repo.path("data/linkfile"), withDestinationPath: outside + "/secret.txt")
    let progress = RecordingProgress()
    repo.ws.progress = progress
    let result = try repo.ws.add(["data"]).results[0]
    #expect(result.skippedLinks.sorted() == ["linkdir", "linkfile"])
    #expect(progress.warnings.count == 2)
    #expect(progress.warnings.allSatisfy { $0.contains("symbolic link") })
    #expect(try repo.ws.entries(of: result.pointer).map(\.path) == ["logs/keep.log", "real.txt"])
    // Nothing from outside was read into the store.
    #expect(!repo.ws.store.contains(ObjectID.hash(Array("outside the repository\n".utf8))))
    #expect(repo.ws.store.contains(ObjectID.hash(Array("real\n".utf8))))
  }

  /// A directory to walk that is a symbolic link (one swapped in after the caller's lstat)
  /// is refused, never followed out of the repository.
  @Test func walkerRefusesADirectoryThatIsALink() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let outside = makeTempDir()
    defer { removeTree(outside) }
    try writeFile(outside + "/secret", "s")
    try FileManager.default.createSymbolicLink(atPath: root + "/d", withDestinationPath: outside)
    #expect(throws: IOError.self) { try DirectoryWalker(root: root, ignore: .empty).list("d") }
  }

  @Test func walkerListsFilesAndSkipsLinks() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    try writeFile(root + "/d/a", "a")
    try writeFile(root + "/d/e/b", "bb")
    try writeFile(root + "/d/.git/config", "no")
    try writeFile(root + "/d/x.tmp", "no")
    try FileManager.default.createSymbolicLink(atPath: root + "/d/l", withDestinationPath: "/etc")
    let listing = try DirectoryWalker(root: root, ignore: IgnoreRules(text: "*.tmp")).list("d")
    #expect(listing.files().map(\.path).sorted() == ["a", "e/b"])
    #expect(listing.files().first { $0.path == "e/b" }?.stat.size == 2)
    #expect(listing.skippedLinks == ["l"])
  }

  /// The digest the walker sums while listing (with no path strings) is the stat cache's
  /// digest of the same paths and stats, so summaries written by either side match: across
  /// nesting, the parallel parts, names longer than a small string, and UTF-8 names.
  @Test func walkerDigestIsTheStatCacheDigestOfItsFiles() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    let names = ["top", "c0/a", "c0/deeper/still/f", "c1/" + String(repeating: "long", count: 20), "c2/caf\u{e9}.txt", "c2/x"]
    for (k, n) in names.enumerated() { try writeFile(root + "/d/" + n, String(repeating: "z", count: k)) }
    let listing = try DirectoryWalker(root: root, ignore: .empty).list("d")
    #expect(listing.count == names.count)
    #expect(listing.files().map(\.path).sorted() == names.sorted())
    #expect(listing.digest == StatCache.digest(listing.files().map { ($0.path, $0.stat) }))
    // and it follows the stats: a changed file changes it
    try writeFile(root + "/d/c0/a", "changed")
    let again = try DirectoryWalker(root: root, ignore: .empty).list("d")
    #expect(again.digest != listing.digest)
    #expect(again.digest == StatCache.digest(again.files().map { ($0.path, $0.stat) }))
  }

  /// A tree listing made from the walker's bytes is the one made from sorted path strings,
  /// and its runs are the leaves `TreeBuilder` cuts: across 16-byte prefix ties (the sort's
  /// keys stop there), UTF-8 names, nesting and both walker threads' parts.
  @Test func treeListingFromTheWalkerIsSortedAndCutAsTheTreeIs() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    var names: [String] = []
    for i in 0..<1500 { names.append(String(format: "c%02d/f%05d.bin", i % 7, i)) }
    for i in 0..<300 { names.append("same-long-prefix-for-every-one/\(i % 3)/n\(i)") }
    names += ["caf\u{e9}/x", "cafe/x", "z", "a"]
    for n in names { try writeFile(root + "/d/" + n, n) }
    let walked = try DirectoryWalker(root: root, ignore: .empty).list("d")
    let listing = TreeListing(walked)
    let sorted = names.sorted { Manifest.bytesLess($0, $1) }
    #expect((0..<listing.count).map(listing.path) == sorted)
    let stats = Dictionary(uniqueKeysWithValues: walked.files().map { ($0.path, $0.stat) })
    #expect(listing.stats == sorted.map { stats[$0]! })
    #expect(listing.runs == TreeListing(sortedPaths: sorted, stats: listing.stats).runs)
    // The runs are the tree's leaves.
    let store = MemoryStore()
    let writer = store.makeWriter()
    let builder = TreeBuilder(writer: writer)
    for p in sorted { try builder.add(Manifest.Entry(path: p, size: 1, oid: .empty, executable: false)) }
    _ = try builder.finish()
    #expect(builder.leaves.map(\.files) == listing.runs.map(\.count))
    #expect(builder.leaves.map(\.firstPath) == listing.runs.map { listing.path($0.lowerBound) })
    for (k, r) in listing.runs.enumerated() {
      #expect(listing.digest(r) == StatCache.digest(r.map { (listing.path($0), listing.stats[$0]) }), "run \(k)")
    }
    #expect(listing.index(of: "caf\u{e9}/x").map(listing.path) == "caf\u{e9}/x")
    #expect(listing.index(of: "missing") == nil)
  }

  @Test func walkerReportsNonUTF8Names() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    try writeFile(root + "/d/ok", "a")
    let name: [UInt8] = Array((root + "/d/bad-").utf8) + [0xff, 0xfe, 0]
    let fd = name.withUnsafeBufferPointer { p in
      p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { open($0, O_WRONLY | O_CREAT, 0o644) }
    }
    #expect(fd >= 0)
    close(fd)
    let listing = try DirectoryWalker(root: root, ignore: .empty).list("d")
    #expect(listing.files().map(\.path) == ["ok"])
    // A name that is not UTF-8 is reported, never silently dropped.
    #expect(listing.count + listing.skippedOther.count == 2)
  }

  @Test func controlCharacterInAFileNameDoesNotBreakTheRepository() throws {
    let repo = try TestRepo()
    defer { repo.cleanup() }
    try repo.write("data/ok.txt", "ok\n")
    try repo.write("data/bad\nname.txt", "newline in the name\n")
    // Add skips (and reports) the name; every later command reads the manifest it wrote.
    let added = try repo.ws.add(["data"])
    #expect(added.results[0].pointer.files == 1)
    #expect(throws: Never.self) { _ = try repo.ws.status() }
  }

  @Test func checkoutDoesNotDeleteUntrackedDataAtANewlyTrackedPath() throws {
    let repo = try TestRepo()
    defer { repo.cleanup() }
    let ws = repo.ws
    try repo.write("data/a.txt", "v1\n")
    _ = try ws.add(["data"])
    _ = try ws.commit(message: "track data")
    try git(["rm", "-q", "--cached", "data.mlv"], in: repo.root)
    try FileManager.default.removeItem(atPath: repo.path("data.mlv"))
    try repo.write("README", "untracked data now\n")
    try git(["add", "README"], in: repo.root)
    _ = try ws.commit(message: "stop tracking data")
    #expect(try ws.trackedPaths().isEmpty)
    // The user now keeps work in data/ that exists nowhere else.
    try repo.write("data/precious.txt", "not in any store\n")
    let result = Result { try ws.checkout(revision: "HEAD~1", paths: [], force: false) }
    guard case .failure(let e) = result, case WorkspaceError.uncommittedChanges(let files) = e else {
      Issue.record("checkout must refuse, got \(result)")
      return
    }
    #expect(files == ["data/precious.txt"])
    #expect(exists(repo.path("data/precious.txt")))
  }

  @Test func reAddingUnchangedDataStoresNothingAndCommitSaysSo() throws {
    let repo = try TestRepo()
    defer { repo.cleanup() }
    try repo.write("data/a.bin", randomBytes(100_000, seed: 40))
    let first = try repo.ws.add(["data"])
    #expect(first.results[0].changed)
    #expect(first.newBytes >= 100_000)
    _ = try repo.ws.commit(message: "v1")
    let again = try Workspace.open(cwd: repo.root).add(["data"])
    #expect(!again.results[0].changed)
    #expect(again.newBytes == 0)
    #expect(again.results[0].pointer == first.results[0].pointer)
    let e = #expect(throws: WorkspaceError.self) { _ = try repo.ws.commit(message: "nothing") }
    if case .nothingToCommit = e {} else { Issue.record("expected nothingToCommit, got \(String(describing: e))") }
  }

  @Test func addRefusesBadPaths() throws {
    let repo = try TestRepo()
    defer { repo.cleanup() }
    try repo.write("data/x", "x")
    try repo.write("code.py", "print(1)\n")
    try git(["add", "code.py"], in: repo.root)
    #expect(throws: WorkspaceError.self) { _ = try repo.ws.add(["missing"]) }
    #expect(throws: WorkspaceError.self) { _ = try repo.ws.add(["code.py"]) }
    #expect(throws: WorkspaceError.self) { _ = try repo.ws.add([".mlvignore"]) }
    #expect(throws: WorkspaceError.self) { _ = try repo.ws.add(["../outside"]) }
    #expect(throws: WorkspaceError.self) { _ = try repo.ws.add([".git"]) }
    _ = try repo.ws.add(["data"])
    #expect(throws: WorkspaceError.self) { _ = try repo.ws.add(["data/x"]) }
    try FileManager.default.createSymbolicLink(atPath: repo.path("link"), withDestinationPath: repo.path("data"))
    #expect(throws: WorkspaceError.self) { _ = try repo.ws.add(["link"]) }
  }
}
