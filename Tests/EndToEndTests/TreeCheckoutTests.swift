import Foundation
import Testing

/// Directory trees end to end (issue 14, requirement 1): a one-file edit of a big
/// directory grows the store by a few small objects, and diff and checkout work from the
/// trees' difference while giving exactly the bytes of each version.
@Suite struct TreeCheckoutTests {
  /// 6,000 small files in 60 folders.
  func populate(_ repo: Repo) throws -> [String: [UInt8]] {
    var files: [String: [UInt8]] = [:]
    for i in 0..<6000 {
      let rel = String(format: "data/c%02d/f%05d.bin", i / 100, i)
      let bytes = Array("file \(i) ".utf8) + Array(repeating: UInt8(i % 251), count: 40 + i % 300)
      files[rel] = bytes
      try repo.write(rel, bytes)
    }
    return files
  }

  /// Paths inside `data/`, as `Repo.snapshot("data")` gives them.
  func inner(_ files: [String: [UInt8]]) -> [String: [UInt8]] {
    Dictionary(uniqueKeysWithValues: files.map { (String($0.key.dropFirst(5)), $0.value) })
  }

  func storeBytes(_ repo: Repo) throws -> Int64 {
    var total: Int64 = 0
    let e = FileManager.default.enumerator(atPath: repo.path + "/.mlv/store")!
    while let rel = e.nextObject() as? String {
      let a = try FileManager.default.attributesOfItem(atPath: repo.path + "/.mlv/store/" + rel)
      if (a[.type] as? FileAttributeType) == .typeRegular { total += (a[.size] as? Int64) ?? 0 }
    }
    return total
  }

  @Test func oneEditWritesLittleAndCheckoutMovesOnlyWhatDiffers() throws {
    let repo = try Repo()
    var v1 = try populate(repo)
    try repo.mlvOK("add", "data")
    try repo.mlvOK("commit", "-m", "v1")
    #expect(String(decoding: repo.read("data.mlv")!, as: UTF8.self).hasPrefix("mlv-pointer: 2\n"))
    let before = try storeBytes(repo)

    // v2: one file edited, one removed, one added in a new folder.
    var v2 = v1
    v2["data/c10/f01000.bin"] = Array("edited".utf8)
    try repo.write("data/c10/f01000.bin", "edited")
    v2["data/c59/f05999.bin"] = nil
    try repo.remove("data/c59/f05999.bin")
    v2["data/new/x.bin"] = Array("new".utf8)
    try repo.write("data/new/x.bin", "new")
    try repo.mlvOK("commit", "-m", "v2")
    let grown = try storeBytes(repo) - before
    // The changed leaves and the nodes above them, not a 6,000-line manifest (~500 KB).
    #expect(grown < 64 * 1024, "store grew by \(grown) bytes")

    let diff = try repo.mlvOK("diff", "HEAD~1", "HEAD", "--json")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(diff.stdout.utf8)) as? [String: Any])
    let totals = try #require(json["totals"] as? [String: Any])
    #expect(totals["added"] as? Int == 1 && totals["removed"] as? Int == 1 && totals["modified"] as? Int == 1, "\(totals)")

    // Back to v1 and forward again: exactly each version's bytes, and status clean.
    for (rev, want) in [("HEAD~1", v1), ("master", v2)] {
      let r = try repo.mlvOK("checkout", rev)
      #expect(try repo.snapshot("data") == inner(want), "checkout \(rev)")
      let s = try repo.mlvOK("status", "--json")
      #expect(s.stdout.contains("\"state\" : \"clean\""), "status after checkout \(rev): \(s.stdout) \(r.stdout)")
    }
    #expect(!repo.exists("data/c59/f05999.bin") && repo.exists("data/new/x.bin"))

    // A file changed behind mlv's back is not overwritten by a checkout that would lose it.
    try repo.write("data/c00/f00007.bin", "local work")
    v1["data/c00/f00007.bin"] = Array("local work".utf8)
    let refused = try repo.mlv("checkout", "HEAD~1")
    #expect(refused.code != 0)
    #expect(repo.read("data/c00/f00007.bin") == Array("local work".utf8))
  }

  @Test func gitCheckoutThenMlvCheckoutUsesTheSameDelta() throws {
    let repo = try Repo()
    let v1 = try populate(repo)
    try repo.mlvOK("add", "data")
    try repo.mlvOK("commit", "-m", "v1")
    try repo.write("data/c05/f00500.bin", "v2 content")
    try repo.mlvOK("commit", "-m", "v2")
    _ = try repo.git("checkout", "-q", "HEAD~1")
    let s = try repo.mlvOK("status")
    #expect(s.stdout.contains("not checked out"), "\(s.stdout)")
    try repo.mlvOK("checkout")
    #expect(try repo.snapshot("data") == inner(v1))
    #expect(try repo.mlvOK("status").stdout.contains("not checked out") == false)
  }

  /// The leaf cache (docs/design.md, "Leaf cache") finds what changed by runs of files:
  /// same-size edits, touched but unchanged files, a mode change, and a damaged cache must
  /// all give the answer a full scan gives.
  @Test func leafCacheSeesEveryKindOfChange() throws {
    let repo = try Repo()
    _ = try populate(repo)
    try repo.mlvOK("add", "data")
    try repo.mlvOK("commit", "-m", "v1")
    let leaves = repo.path + "/.mlv/state/leaves"
    #expect(try FileManager.default.contentsOfDirectory(atPath: leaves).count == 1)

    // Same size, other content.
    let old = repo.read("data/c20/f02000.bin")!
    try repo.write("data/c20/f02000.bin", old.map { $0 ^ 1 })
    let s = try repo.mlvOK("status", "--json")
    #expect(s.stdout.contains("\"state\" : \"modified\"") && s.stdout.contains("c20/f02000.bin"), "\(s.stdout)")
    try repo.mlvOK("commit", "-m", "v2")
    let diff = try repo.mlvOK("diff", "HEAD~1", "HEAD", "--json").stdout
    #expect(diff.contains("\"modified\" : 1") && diff.contains("data/c20/f02000.bin"), "\(diff)")
    #expect(try repo.mlvOK("status", "--json").stdout.contains("\"state\" : \"clean\""))

    // Touched, same content: clean, and the commit records nothing.
    try repo.write("data/c30/f03000.bin", repo.read("data/c30/f03000.bin")!)
    #expect(try repo.mlvOK("status", "--json").stdout.contains("\"state\" : \"clean\""))

    // A mode change is a change.
    chmod(repo.path + "/data/c40/f04000.bin", 0o755)
    #expect(try repo.mlvOK("status", "--json").stdout.contains("\"state\" : \"modified\""))
    try repo.mlvOK("commit", "-m", "v3")
    #expect(try repo.mlvOK("status", "--json").stdout.contains("\"state\" : \"clean\""))
    #expect(try repo.gitOut("diff", "HEAD~1", "HEAD", "--stat").contains("data.mlv"))

    // A damaged cache is ignored: the next edit is still seen, and the commit still right.
    let file = leaves + "/" + (try FileManager.default.contentsOfDirectory(atPath: leaves).first!)
    var bytes = Array(FileManager.default.contents(atPath: file)!)
    bytes[40] ^= 0xff
    FileManager.default.createFile(atPath: file, contents: Data(bytes))
    try repo.write("data/c50/f05000.bin", "edited after damage")
    #expect(try repo.mlvOK("status", "--json").stdout.contains("\"state\" : \"modified\""))
    try repo.mlvOK("commit", "-m", "v4")
    try repo.mlvOK("checkout", "HEAD~1")
    #expect(repo.read("data/c50/f05000.bin") != Array("edited after damage".utf8))
    try repo.mlvOK("checkout", "master")
    #expect(repo.read("data/c50/f05000.bin") == Array("edited after damage".utf8))
    #expect(try repo.mlvOK("status", "--json").stdout.contains("\"state\" : \"clean\""))
  }

  /// A commit through the leaf cache and a checkout by tree difference both write the next
  /// tree's cache from the last one, without listing the kept leaves' files again: the
  /// cache each writes must be byte for byte the one a full scan of the same data writes,
  /// with leaves edited, removed, added and re-cut, in both directions.
  @Test func checkoutMovesTheLeafCacheExactlyAsAFullScanWritesIt() throws {
    let repo = try Repo()
    var v1 = try populate(repo)
    try repo.mlvOK("add", "data")
    try repo.mlvOK("commit", "-m", "v1")
    var v2 = v1
    for (rel, bytes) in [("data/c10/f01000.bin", "edited"), ("data/c33/f03333.bin", "edited too")] {
      v2[rel] = Array(bytes.utf8)
      try repo.write(rel, bytes)
    }
    for i in stride(from: 4000, to: 4600, by: 1) {
      let rel = String(format: "data/c%02d/f%05d.bin", i / 100, i)
      v2[rel] = nil
      try repo.remove(rel)
    }
    for i in 0..<700 {
      let rel = String(format: "data/zz/n%04d.bin", i)
      v2[rel] = Array("new \(i)".utf8)
      try repo.write(rel, "new \(i)")
    }
    try repo.mlvOK("commit", "-m", "v2")
    let leaves = repo.path + "/.mlv/state/leaves"
    func cacheBytes() throws -> [UInt8] {
      let names = try FileManager.default.contentsOfDirectory(atPath: leaves)
      try #require(names.count == 1)
      return Array(FileManager.default.contents(atPath: leaves + "/" + names[0]) ?? Data())
    }
    // The commit copied the unchanged leaves from the v1 cache: the same bytes a full scan writes.
    let committed = try cacheBytes()
    try FileManager.default.removeItem(atPath: leaves)
    try repo.mlvOK("add", "data")
    #expect(try cacheBytes() == committed, "leaf cache after the commit")
    for (rev, want) in [("HEAD~1", v1), ("master", v2)] {
      try repo.mlvOK("checkout", rev)
      #expect(try repo.snapshot("data") == inner(want), "checkout \(rev)")
      let moved = try cacheBytes()
      try FileManager.default.removeItem(atPath: leaves)
      // With no leaf cache, add scans every file and writes the cache from the listing.
      try repo.mlvOK("add", "data")
      #expect(try cacheBytes() == moved, "leaf cache after checkout \(rev)")
      #expect(try repo.mlvOK("status", "--json").stdout.contains("\"state\" : \"clean\""))
    }
    // And the moved cache still sees the next edit.
    try repo.mlvOK("checkout", "HEAD~1")
    try repo.write("data/c44/f04400.bin", "after the move")
    v1["data/c44/f04400.bin"] = Array("after the move".utf8)
    let s = try repo.mlvOK("status", "--json").stdout
    #expect(s.contains("\"state\" : \"modified\"") && s.contains("c44/f04400.bin"), "\(s)")
  }
}
