import Foundation
import MLVStore
import MLVWorkspace
import Testing

/// What a hostile teammate's commit can ship: pointers and manifests crafted by hand (issue
/// 9, items 3, 8 and 10). Each must be refused with a clear error before anything changes:
/// HEAD stays, no directory or file is written, nothing crashes. The git CLI is the witness.
@Suite struct HostileCommitTests {
  /// Puts `manifestText` (and the chunks in `contents`) straight into the store, as a
  /// clone that fetched a hostile commit's objects would hold them; returns the manifest id.
  func plantManifest(_ repo: Repo, _ manifestText: String, contents: [[UInt8]] = []) throws -> ObjectID {
    let store = try DiskStore(root: repo.path + "/.mlv/store")
    let w = store.makeWriter()
    for c in contents { try w.put(ObjectID.hash(c), type: .chunk, bytes: c, compress: false) }
    let bytes = Array(manifestText.utf8)
    let id = ObjectID.hash(bytes)
    try w.put(id, type: .manifest, bytes: bytes, compress: false)
    try w.flush()
    return id
  }

  func dirPointer(_ id: ObjectID, size: Int64, files: Int) -> String {
    "mlv-pointer: 1\nkind: dir\noid: \(id.hex)\nsize: \(size)\nfiles: \(files)\n"
  }

  /// A repository with one honest commit of `data/` on master.
  func honestRepo() throws -> Repo {
    let repo = try Repo()
    try repo.write("data/a.txt", "honest\n")
    try repo.mlvOK("add", "data")
    try repo.mlvOK("commit", "-m", "honest")
    return repo
  }

  /// Commits `files` (path → text) on a new branch made from master, as the teammate's
  /// git would, and returns to master; returns master's commit.
  @discardableResult
  func commitOnBranch(_ repo: Repo, _ branch: String, _ files: [String: String]) throws -> String {
    try repo.git("checkout", "-q", "-b", branch)
    for (path, text) in files {
      try repo.write(path, text)
      try repo.git("add", "-f", "--", path)
    }
    try repo.git("commit", "-q", "-m", "hostile")
    try repo.git("checkout", "-q", "master")
    return try repo.gitOut("rev-parse", "HEAD")
  }

  func expectUnchanged(_ repo: Repo, head: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(try repo.gitOut("rev-parse", "HEAD") == head, "HEAD must not move", sourceLocation: sourceLocation)
    #expect(try repo.gitOut("symbolic-ref", "HEAD") == "refs/heads/master", sourceLocation: sourceLocation)
    #expect(try repo.gitOut("status", "--porcelain") == "", sourceLocation: sourceLocation)
    #expect(try repo.snapshot("data") == ["a.txt": Array("honest\n".utf8)], sourceLocation: sourceLocation)
  }

  /// Item 3: sizes that each fit in Int64 but whose sum does not crashed `diff` and
  /// `checkout` (an overflow trap), after checkout had moved HEAD.
  @Test func sizesWhoseSumOverflowsAreRefusedBeforeHEADMoves() throws {
    let chunk = Array("x".utf8)
    let text = "mlv-manifest: 1\n" + "f \(Int64.max) \(ObjectID.hash(chunk).hex) a.bin\n"
      + "f 1 \(ObjectID.hash(chunk).hex) b.bin\n"
    let repo = try honestRepo()
    let id = try plantManifest(repo, text, contents: [chunk])
    let head = try commitOnBranch(repo, "evil", ["data.mlv": dirPointer(id, size: Int64.max, files: 2)])

    let d = try repo.mlv("diff", "master", "evil")
    #expect(d.code == 1, "diff: \(d.code) \(d.stderr)")
    #expect(d.stderr.contains("manifest \(id.hex)") && d.stderr.contains("sizes add up"), "\(d.stderr)")
    let c = try repo.mlv("checkout", "evil")
    #expect(c.code == 1, "checkout: \(c.code) \(c.stderr)")
    #expect(c.stderr.contains("manifest \(id.hex)") && c.stderr.contains("sizes add up"), "\(c.stderr)")
    try expectUnchanged(repo, head: head)
  }

  /// Item 3: two file pointers whose sizes overflow when `diff` totals them.
  @Test func pointerSizesWhoseTotalOverflowsAreRefusedByDiff() throws {
    let repo = try Repo()
    try repo.write("a.bin.mlv", "mlv-pointer: 1\nkind: file\noid: \(String(repeating: "a", count: 64))\nsize: \(Int64.max)\n")
    try repo.write("b.bin.mlv", "mlv-pointer: 1\nkind: file\noid: \(String(repeating: "b", count: 64))\nsize: \(Int64.max)\n")
    try repo.git("add", "a.bin.mlv", "b.bin.mlv")
    try repo.git("commit", "-q", "-m", "huge")
    let d = try repo.mlv("diff", "HEAD")
    #expect(d.code == 1, "diff: \(d.code) \(d.stderr)")
    #expect(d.stderr.contains("sizes add up") && d.stderr.contains(".mlv"), "\(d.stderr)")
  }

  /// Item 8: `.GIT/hooks/post-checkout` is `.git/hooks/post-checkout` on macOS and Windows
  /// filesystems. Neither a pointer's own path nor a manifest path may spell a variant.
  @Test(arguments: [".GIT", "git~1", ".git.", ".Git ", "\u{200c}.git", ".g\u{200d}it", ".MLV", "mlv~1", ".git::$INDEX_ALLOCATION"])
  func gitDirectoryAliasesAreNeverWritten(_ alias: String) throws {
    let hook = Array("#!/bin/sh\necho pwned > /tmp/pwned\n".utf8)
    // A tracked directory whose own path is the alias...
    let repo = try honestRepo()
    let manifest = try plantManifest(
      repo, "mlv-manifest: 1\nx \(hook.count) \(ObjectID.hash(hook).hex) hooks/post-checkout\n", contents: [hook])
    // ...and a manifest that writes the alias inside a tracked directory.
    let inner = try plantManifest(
      repo, "mlv-manifest: 1\nx \(hook.count) \(ObjectID.hash(hook).hex) \(alias)/hooks/post-checkout\n")
    var files = ["data.mlv": dirPointer(inner, size: Int64(hook.count), files: 1)]
    // git itself refuses to commit a path with an NTFS stream of .git in it.
    if !alias.contains(":") { files[alias + ".mlv"] = dirPointer(manifest, size: Int64(hook.count), files: 1) }
    let head = try commitOnBranch(repo, "evil", files)

    let c = try repo.mlv("checkout", "evil")
    #expect(c.code == 1, "checkout: \(c.code) \(c.stderr)")
    #expect(c.stderr.contains("enters .git") || c.stderr.contains("enters .mlv"), "\(c.stderr)")
    try expectUnchanged(repo, head: head)
    #expect(!repo.exists(alias), "nothing written at \(alias)")
    #expect(!repo.exists("data/" + alias))

    // The same commit checked out by git first, then restored by `mlv checkout`.
    try repo.git("checkout", "-q", "evil")
    let r = try repo.mlv("checkout", "--force")
    #expect(r.code == 1 && r.stderr.contains("enters ."), "\(r.stderr)")
    #expect(!repo.exists(alias + "/hooks"))
    #expect(!repo.exists("data/" + alias))
    #expect(repo.read("data/a.txt") == Array("honest\n".utf8), "nothing half written")
  }

  /// Validating before writing must not block the checkout that repairs a damaged local
  /// pointer: a forced checkout writes the commit's pointer over it.
  @Test func aForcedCheckoutStillRepairsADamagedLocalPointer() throws {
    let repo = try honestRepo()
    let committed = repo.read("data.mlv")
    try repo.write("data.mlv", "mlv-pointer: 1\nkind: dir\ngarbage\n")
    let r = try repo.mlv("checkout")
    #expect(r.code == 1 && r.stderr.contains("data.mlv"), "\(r.stderr)")
    try repo.mlvOK("checkout", "--force", "master")
    #expect(repo.read("data.mlv") == committed)
    #expect(repo.read("data/a.txt") == Array("honest\n".utf8))
    #expect(try repo.gitOut("status", "--porcelain") == "")
  }

  /// Item 10: deep nesting was refused only after thousands of directories were made.
  @Test(arguments: [3000, 2030])
  func deepNestingIsRefusedBeforeAnyDirectoryIsMade(depth: Int) throws {
    // 3000 levels: 6000 bytes, beyond PATH_MAX on its own; 2030 levels: 4061 bytes, which
    // fits a relative path but not under the repository's root.
    let chunk = Array("deep\n".utf8)
    let deep = Array(repeating: "d", count: depth).joined(separator: "/") + "/f"
    let repo = try honestRepo()
    let id = try plantManifest(repo, "mlv-manifest: 1\nf \(chunk.count) \(ObjectID.hash(chunk).hex) \(deep)\n", contents: [chunk])
    let head = try commitOnBranch(repo, "evil", ["data.mlv": dirPointer(id, size: Int64(chunk.count), files: 1)])

    let c = try repo.mlv("checkout", "evil")
    #expect(c.code == 1, "checkout: \(c.code) \(c.stderr)")
    #expect(c.stderr.contains("bytes long"), "\(c.stderr)")
    try expectUnchanged(repo, head: head)
    #expect(!repo.exists("data/d"), "no directory may be made before the manifest is refused")
  }

  /// Item 10: a file git tracks inside an mlv-tracked directory (a teammate's `git add
  /// -f`) was silently deleted by checkout.
  @Test func filesGitTracksInsideATrackedDirectoryAreLeftAlone() throws {
    let repo = try Repo()
    try repo.write("data/a.txt", "v1\n")
    try repo.mlvOK("add", "data")
    try repo.mlvOK("commit", "-m", "v1")
    try repo.write("data/a.txt", "v2\n")
    try repo.mlvOK("commit", "-m", "v2")
    try repo.write("data/README.md", "what this dataset is\n")
    try repo.git("add", "-f", "data/README.md")
    try repo.git("commit", "-q", "-m", "document the dataset")

    // Back to v1 (git removes its README, as it should), then forward again.
    try repo.mlvOK("checkout", "HEAD~2")
    #expect(!repo.exists("data/README.md"))
    let r = try repo.mlvOK("checkout", "master")
    #expect(repo.read("data/README.md") == Array("what this dataset is\n".utf8), "git's file must survive")
    #expect(repo.read("data/a.txt") == Array("v2\n".utf8))
    #expect(r.stderr.contains("leaving data/README.md alone"), "\(r.stderr)")
    #expect(try repo.gitOut("status", "--porcelain") == "", "git sees its file unchanged")

    // Restoring without a revision, and with the directory gone, keeps it too.
    try repo.remove("data/a.txt")
    try repo.mlvOK("checkout")
    #expect(repo.read("data/README.md") == Array("what this dataset is\n".utf8))
    #expect(repo.read("data/a.txt") == Array("v2\n".utf8))
    #expect(try repo.gitOut("status", "--porcelain") == "")
  }

  /// Item 10: a deleted pointer file made `status` say everything was up to date.
  @Test func aDeletedPointerIsReportedByStatus() throws {
    let repo = try Repo()
    try repo.write("data/a.txt", "a\n")
    try repo.mlvOK("add", "data")
    try repo.mlvOK("commit", "-m", "v1")
    try repo.remove("data.mlv")
    let s = try repo.mlvOK("status")
    #expect(!s.stdout.contains("up to date"), "\(s.stdout)")
    #expect(s.stdout.contains("data.mlv: pointer deleted"), "\(s.stdout)")
    #expect(s.stdout.contains("git checkout -- data.mlv"))
    // Following the advice brings it back.
    try repo.git("checkout", "--", "data.mlv")
    #expect(try repo.mlvOK("status").stdout.contains("up to date"))
  }
}
