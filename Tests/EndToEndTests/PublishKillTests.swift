import Foundation
import MLVStore
import Testing

/// `add` publishes each pack as it is sealed (docs/design.md, "Write ordering"): a kill after
/// some packs were published leaves them indexed, and nothing else.
@Suite struct PublishKillTests {
  @Test func killAfterPacksWerePublishedLeavesAConsistentStore() throws {
    let repo = try Repo()
    // 8 files of 32 MiB: each fills about one pack, so packs are published while the add runs.
    var files: [[UInt8]] = []
    for i in 0..<8 {
      let bytes = randomBytes(32 << 20, seed: UInt64(900 + i))
      files.append(bytes)
      try repo.write("data/f\(i).bin", bytes)
    }
    let indexDir = repo.path + "/.mlv/store/index"
    let p = try Binary.start(["add", "data"], in: repo.path)
    // Kill as soon as the first index appears, while the add is still writing.
    while p.isRunning, ((try? FileManager.default.contentsOfDirectory(atPath: indexDir)) ?? []).isEmpty {
      usleep(2_000)
    }
    let killedMidway = p.isRunning
    kill(p.processIdentifier, SIGKILL)
    p.waitUntilExit()
    if repo.exists(".git/index.lock") { try repo.remove(".git/index.lock") }
    #expect(killedMidway, "the add finished before any pack was published")

    // Every index entry names a pack that exists and reads back; fsck agrees.
    let store = try DiskStore(root: repo.path + "/.mlv/store")
    let records = try store.allRecords()
    #expect(!records.isEmpty)
    for r in records {
      #expect(FileManager.default.fileExists(atPath: store.packPath(r.location.pack)))
      #expect(try store.read(r.id).count == Int(r.location.rawLength))
    }
    try repo.mlvOK("fsck")
    // A retry completes the add and keeps what the killed one published.
    try repo.mlvOK("add", "data")
    try repo.mlvOK("commit", "-m", "data")
    try repo.remove("data")
    try repo.mlvOK("checkout")
    for (i, bytes) in files.enumerated() { #expect(repo.read("data/f\(i).bin") == bytes) }
  }
}
