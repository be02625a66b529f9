import Foundation
import MLVStore
import MLVSystem
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The store never loses or spreads bad data (issue: safe store). Each test reproduces a
/// failure found on the store before its redesign; run with MLV_BIN pointing at an older
/// mlv, each fails.
@Suite struct StoreSafetyTests {
  /// Compares file contents without dumping megabytes into a failure message.
  private func same(_ a: [UInt8]?, _ b: [UInt8]) -> Bool { a.map { ObjectID.hash($0) == ObjectID.hash(b) } ?? false }

  private func csv(_ rows: Int) -> [UInt8] {
    Array((0..<rows).map { "\($0),\($0 * 7 % 1000),name\($0)\n" }.joined().utf8)
  }

  /// Every file under .mlv/store/<sub> (packs/, index/, tmp/).
  private func storeFiles(_ repo: Repo, _ sub: String) -> [String] {
    let base = repo.path + "/.mlv/store/" + sub
    let e = FileManager.default.enumerator(atPath: base)
    var out: [String] = []
    while let name = e?.nextObject() as? String {
      var isDir: ObjCBool = false
      if FileManager.default.fileExists(atPath: base + "/" + name, isDirectory: &isDir), !isDir.boolValue {
        out.append(base + "/" + name)
      }
    }
    return out.sorted()
  }

  /// Two files added together share a pack; dropping one makes the pack mostly dead, and
  /// gc rewrites it with the other's objects — which must survive.
  @Test func gcRepackKeepsTheLiveObjectsOfAMostlyDeadPack() throws {
    let repo = try Repo()
    let table = csv(20_000)
    try repo.write("data.csv", table)
    try repo.write("model.bin", randomBytes(3_000_000, seed: 1))
    try repo.mlvOK("add", "data.csv", "model.bin")
    try repo.git("rm", "-q", "--cached", "model.bin.mlv")
    try repo.remove("model.bin.mlv")
    try repo.mlvOK("commit", "-m", "table only")
    let gc = try repo.mlvOK("gc")
    #expect(gc.stdout.contains("1 repacked"), "\(gc.stdout)")
    try repo.mlvOK("fsck")
    try repo.remove("data.csv")
    try repo.mlvOK("checkout")
    #expect(same(repo.read("data.csv"), table), "data.csv differs")
  }

  /// The issue's own sequence: a CSV and a model committed, the model replaced and
  /// committed, then gc of the tip only: the old model's pack is mostly dead.
  @Test func gcOfTheTipAfterReplacingAModelKeepsTheTable() throws {
    let repo = try Repo()
    let table = csv(20_000)
    try repo.write("data.csv", table)
    try repo.write("model.bin", randomBytes(3_000_000, seed: 2))
    try repo.mlvOK("add", "data.csv", "model.bin")
    try repo.mlvOK("commit", "-m", "v1")
    let v2 = randomBytes(3_000_000, seed: 3)
    try repo.write("model.bin", v2)
    try repo.mlvOK("commit", "-m", "v2")
    try repo.mlvOK("gc", "--keep", "master", "--tips-only")
    try repo.mlvOK("fsck", "--keep", "master", "--tips-only")
    try repo.remove("data.csv")
    try repo.remove("model.bin")
    try repo.mlvOK("checkout")
    #expect(same(repo.read("data.csv"), table), "data.csv differs")
    #expect(same(repo.read("model.bin"), v2), "model.bin differs")
  }

  /// gc opened the store, then waited for the lock while another command published a pack
  /// and its index: once it holds the lock it must see them, not delete the pack.
  @Test func gcThatWaitedForTheLockSeesWhatWasPublishedMeanwhile() throws {
    let repo = try Repo()
    try repo.write("a.bin", randomBytes(200_000, seed: 4))
    try repo.mlvOK("add", "a.bin")
    try repo.mlvOK("commit", "-m", "a")
    // A second repository with the same chunking makes the pack that "add" will publish.
    let other = try Repo(mlvInit: false)
    try FileManager.default.copyItem(atPath: repo.path + "/.mlv", toPath: other.path + "/.mlv")
    let b = randomBytes(300_000, seed: 5)
    try other.write("b.bin", b)
    try other.mlvOK("add", "b.bin")
    let before = Set(storeFiles(repo, "packs").map { ($0 as NSString).lastPathComponent })
    let published = storeFiles(other, "packs").filter { !before.contains(($0 as NSString).lastPathComponent) }
    let newIndexes = Set(storeFiles(other, "index")).subtracting(storeFiles(repo, "index").map {
      other.path + "/.mlv/store/index/" + ($0 as NSString).lastPathComponent
    })
    #expect(published.count == 1 && newIndexes.count == 1)

    // Hold the lock, start gc (it opens the store and waits), publish, release.
    let lockFD = open(repo.path + "/.mlv/lock", O_RDWR | O_CREAT, 0o644)
    #expect(flock(lockFD, LOCK_EX) == 0)
    let gc = Process()
    gc.executableURL = URL(fileURLWithPath: Binary.mlv)
    gc.arguments = ["gc"]
    gc.currentDirectoryURL = URL(fileURLWithPath: repo.path)
    gc.environment = ProcessInfo.processInfo.environment.merging(["MLV_LOCK_TIMEOUT": "30"]) { $1 }
    try gc.run()
    usleep(1_500_000)
    for path in published + Array(newIndexes) {
      let rel = String(path.dropFirst((other.path + "/.mlv/store/").count))
      try FS.makeDirectories(((repo.path + "/.mlv/store/" + rel) as NSString).deletingLastPathComponent)
      try FileManager.default.copyItem(atPath: path, toPath: repo.path + "/.mlv/store/" + rel)
    }
    try FileManager.default.copyItem(atPath: other.path + "/b.bin.mlv", toPath: repo.path + "/b.bin.mlv")
    try repo.write("b.bin", b)
    try repo.git("add", "b.bin.mlv")
    flock(lockFD, LOCK_UN)
    close(lockFD)
    gc.waitUntilExit()
    #expect(gc.terminationStatus == 0)
    try repo.mlvOK("fsck")
    try repo.remove("b.bin")
    try repo.mlvOK("checkout", "--", "b.bin")
    #expect(same(repo.read("b.bin"), b), "b.bin differs")
  }

  /// One flipped bit in a local pack must stay local: push refuses, names the object, and
  /// the remote receives nothing corrupt.
  @Test func pushRefusesACorruptLocalObject() throws {
    let repo = try Repo()
    let remote = makeTempDir("mlv-remote")
    defer { try? FileManager.default.removeItem(atPath: remote) }
    try repo.write("model.bin", randomBytes(1_000_000, seed: 6))
    try repo.mlvOK("add", "model.bin")
    try repo.mlvOK("commit", "-m", "m")
    try repo.mlvOK("remote", "add", "origin", remote)
    let pack = try #require(storeFiles(repo, "packs").first)
    var bytes = try readFile(pack)
    bytes[123_456] ^= 0x10
    try writeFile(pack, bytes)
    let r = try repo.mlv("push")
    #expect(r.code == 4, "\(r.stderr)")
    #expect(r.stderr.contains("corrupt") && r.stderr.contains("content does not match its id"), "\(r.stderr)")
    // Nothing (in particular no pack with the damaged object) reached the remote.
    let uploaded = FileManager.default.enumerator(atPath: remote + "/packs")?.allObjects.compactMap { $0 as? String }
      .filter { $0.hasSuffix(".pack") } ?? []
    #expect(uploaded.isEmpty, "\(uploaded)")
  }

  /// A local pack deleted by accident: the remote has every object, so `fsck --repair`
  /// and `pull` must bring it back instead of failing on index entries naming it.
  @Test func aLostLocalPackIsRepairedFromTheRemote() throws {
    let repo = try Repo()
    let remote = makeTempDir("mlv-remote")
    defer { try? FileManager.default.removeItem(atPath: remote) }
    let model = randomBytes(1_200_000, seed: 7)
    try repo.write("model.bin", model)
    try repo.mlvOK("add", "model.bin")
    try repo.mlvOK("commit", "-m", "m")
    try repo.mlvOK("remote", "add", "origin", remote)
    try repo.mlvOK("push")
    for p in storeFiles(repo, "packs") { try FileManager.default.removeItem(atPath: p) }
    let bad = try repo.mlv("fsck")
    #expect(bad.code == 4 && bad.stdout.contains("missing object"), "\(bad.stdout)")
    try repo.mlvOK("fsck", "--repair")
    try repo.mlvOK("fsck")
    #expect(try repo.mlvOK("checkout").code == 0)
    #expect(same(repo.read("model.bin"), model), "model.bin differs")

    // The same through pull.
    for p in storeFiles(repo, "packs") { try FileManager.default.removeItem(atPath: p) }
    try repo.remove("model.bin")
    try repo.mlvOK("pull")
    #expect(same(repo.read("model.bin"), model), "model.bin differs")
  }

  /// A damaged index is reported by fsck and rebuilt by repair from the packs, which
  /// describe themselves; no remote is needed.
  @Test func aDamagedIndexIsRebuiltFromThePacks() throws {
    let repo = try Repo()
    let model = randomBytes(900_000, seed: 8)
    try repo.write("model.bin", model)
    try repo.mlvOK("add", "model.bin")
    try repo.mlvOK("commit", "-m", "m")
    let index = try #require(storeFiles(repo, "index").first)
    var bytes = try readFile(index)
    bytes[3] ^= 0xFF  // the magic
    try writeFile(index, bytes)
    let bad = try repo.mlv("fsck")
    #expect(bad.code == 4 && bad.stdout.contains("damaged index"), "\(bad.stdout)")
    let fixed = try repo.mlvOK("fsck", "--repair")
    #expect(fixed.stdout.contains("rebuilt"), "\(fixed.stdout)")
    try repo.mlvOK("fsck")
    try repo.remove("model.bin")
    try repo.mlvOK("checkout")
    #expect(same(repo.read("model.bin"), model), "model.bin differs")
  }

  /// An index entry with a wrong offset but a valid checksum: fsck must cross-check
  /// entries against the pack headers (a checkout would fail), and repair must fix it.
  @Test func anIndexEntryThatDisagreesWithItsPackIsFound() throws {
    let repo = try Repo()
    let model = randomBytes(900_000, seed: 9)
    try repo.write("model.bin", model)
    try repo.mlvOK("add", "model.bin")
    try repo.mlvOK("commit", "-m", "m")
    let path = try #require(storeFiles(repo, "index").first)
    var records = try IndexFile(path: path, verifyChecksum: true).allRecords()
    let victim = try #require(records.firstIndex { $0.location.offset > 0 })
    records[victim].location.offset -= 1
    let (bytes, checksum) = IndexFormat.encode(records)
    FS.remove(path)
    try writeFile(repo.path + "/.mlv/store/index/\(checksum.hex).idx", bytes)
    let bad = try repo.mlv("fsck")
    #expect(bad.code == 4, "\(bad.stdout)")
    #expect(bad.stdout.contains("bad index entry") && bad.stdout.contains(records[victim].id.hex), "\(bad.stdout)")
    try repo.mlvOK("fsck", "--repair")
    try repo.mlvOK("fsck")
    try repo.remove("model.bin")
    try repo.mlvOK("checkout")
    #expect(same(repo.read("model.bin"), model), "model.bin differs")
  }
}
