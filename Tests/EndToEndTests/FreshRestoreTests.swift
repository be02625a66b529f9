import Foundation
import Testing

/// A restore into a directory that holds no data (absent, or empty) goes leaf by leaf and
/// records the files' stats in the leaf cache of the tree (docs/design.md, "Checkout"):
/// exactly the tree's files come out, and the next `status` finds them unchanged from the
/// cache alone.
@Suite struct FreshRestoreTests {
  /// 5,000 small files in 50 folders (about ten leaves), some executable, one empty.
  func populate(_ repo: Repo) throws -> [String: [UInt8]] {
    var files: [String: [UInt8]] = [:]
    for i in 0..<5000 {
      let rel = String(format: "c%02d/f%05d.bin", i / 100, i)
      let bytes = i == 17 ? [] : Array("file \(i) ".utf8) + Array(repeating: UInt8(i % 251), count: 30 + i % 400)
      files[rel] = bytes
      try repo.write("data/" + rel, bytes)
      if i % 97 == 0 { chmod(repo.path + "/data/" + rel, 0o755) }
    }
    return files
  }

  func executables(_ repo: Repo) throws -> Set<String> {
    var out = Set<String>()
    let root = repo.path + "/data"
    let e = FileManager.default.enumerator(atPath: root)
    while let rel = e?.nextObject() as? String {
      var st = stat()
      if lstat(root + "/" + rel, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_mode & 0o100 != 0 { out.insert(rel) }
    }
    return out
  }

  func leafCache(_ repo: Repo) throws -> [UInt8] {
    let dir = repo.path + "/.mlv/state/leaves"
    let names = try FileManager.default.contentsOfDirectory(atPath: dir)
    try #require(names.count == 1)
    return Array(FileManager.default.contents(atPath: dir + "/" + names[0]) ?? Data())
  }

  @Test(arguments: ["absent", "empty"])
  func restoreIntoNoDataGivesTheTreeAndACacheStatusTrusts(_ how: String) throws {
    let repo = try Repo()
    let want = try populate(repo)
    let modes = try executables(repo)
    #expect(modes.count == 52)
    try repo.mlvOK("add", "data")
    try repo.mlvOK("commit", "-m", "v1")
    try repo.remove("data")
    if how == "empty" { try FileManager.default.createDirectory(atPath: repo.path + "/data", withIntermediateDirectories: false) }

    let r = try repo.mlvOK("checkout")
    #expect(r.stdout.contains("5,000 files written"), "\(r.stdout)")
    #expect(try repo.snapshot("data") == want)
    #expect(try executables(repo) == modes)
    #expect(!FileManager.default.fileExists(atPath: repo.path + "/.mlv/state/journal/restore-3a6eb0790f39ac87c94f3856b2dd2c5d110e6811602261a9a923d3bb23adc8b7"))
    #expect(try repo.mlvOK("status", "--json").stdout.contains("\"state\" : \"clean\""))

    // The cache the restore wrote is byte for byte the one a full scan of the restored
    // files writes: the same stats and leaf digests, so `status` summed the walk's digest,
    // found it the cache's, and hashed nothing.
    let restored = try leafCache(repo)
    try FileManager.default.removeItem(atPath: repo.path + "/.mlv/state/leaves")
    try repo.mlvOK("add", "data")
    #expect(try leafCache(repo) == restored)

    // And it still sees the next edit, and the commit after it is right.
    try repo.write("data/c20/f02000.bin", "edited")
    let s = try repo.mlvOK("status", "--json").stdout
    #expect(s.contains("\"state\" : \"modified\"") && s.contains("c20/f02000.bin"), "\(s)")
    try repo.mlvOK("commit", "-m", "v2")
    try repo.mlvOK("checkout", "HEAD~1")
    #expect(try repo.snapshot("data") == want)
  }

  /// A tree that is not in the store is refused before anything is written: nothing is
  /// made at the data path.
  @Test func aMissingTreeIsRefusedBeforeAnythingIsWritten() throws {
    let repo = try Repo()
    _ = try populate(repo)
    try repo.mlvOK("add", "data")
    try repo.mlvOK("commit", "-m", "v1")
    let pointer = String(decoding: repo.read("data.mlv")!, as: UTF8.self)
    let bogus = pointer.replacingOccurrences(
      of: #"oid: [0-9a-f]{64}"#, with: "oid: " + String(repeating: "ab", count: 32), options: .regularExpression)
    try repo.write("data.mlv", bogus)
    try repo.remove("data")
    let r = try repo.mlv("checkout")
    #expect(r.code != 0)
    #expect(!repo.exists("data"), "nothing is made for a tree that cannot be restored")
  }

  /// `mlv pull` in a fresh clone restores the same way: the files exactly, a clean status.
  @Test func pullIntoAFreshCloneRestoresLeafByLeaf() throws {
    let repo = try Repo()
    let want = try populate(repo)
    let modes = try executables(repo)
    let remote = makeTempDir("mlv-remote")
    defer { try? FileManager.default.removeItem(atPath: remote) }
    try repo.mlvOK("add", "data")
    try repo.mlvOK("commit", "-m", "v1")
    try repo.mlvOK("remote", "add", "origin", remote)
    try repo.git("commit", "-q", "-m", "remote")
    try repo.mlvOK("push")

    let copy = try Repo(mlvInit: false)
    try FileManager.default.removeItem(atPath: copy.path)
    let c = try exec("git", ["clone", "-q", repo.path, copy.path], cwd: NSTemporaryDirectory())
    #expect(c.code == 0, "git clone: \(c.stderr)")
    let p = try copy.mlvOK("pull")
    #expect(p.stdout.contains("5,000 files written"), "\(p.stdout)")
    #expect(try copy.snapshot("data") == want)
    #expect(try executables(copy) == modes)
    #expect(try copy.mlvOK("status", "--json").stdout.contains("\"state\" : \"clean\""))
    let again = try copy.mlvOK("fetch")
    #expect(again.stdout.hasPrefix("fetched 0 objects"), "\(again.stdout)")
  }
}
