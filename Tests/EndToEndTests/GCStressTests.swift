import Foundation
import MLVStore
import MLVSystem
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// gc under fire: killed at random points while it repacks, and running in a loop against
/// add and commit in a loop. Afterwards every committed version must still check out byte
/// for byte and `fsck` must be clean.
@Suite(.serialized) struct GCStressTests {
  private func csv(_ rows: Int, seed: Int) -> [UInt8] {
    Array((0..<rows).map { "\($0),\(($0 * 31 + seed) % 997),row\($0)-\(seed)\n" }.joined().utf8)
  }

  /// A repository whose packs are mostly dead: each round adds a table and a large file
  /// together (one pack), then keeps only the table. gc then rewrites every pack.
  private func mostlyDeadRepo() throws -> (Repo, [String: ObjectID]) {
    let repo = try Repo()
    var tables: [String: ObjectID] = [:]
    for round in 0..<6 {
      let table = csv(6_000, seed: round)
      try repo.write("t\(round).csv", table)
      try repo.write("big\(round).bin", randomBytes(2_500_000, seed: UInt64(100 + round)))
      try repo.mlvOK("add", "t\(round).csv", "big\(round).bin")
      try repo.git("rm", "-q", "--cached", "big\(round).bin.mlv")
      try repo.remove("big\(round).bin.mlv")
      try repo.mlvOK("commit", "-m", "round \(round)")
      tables["t\(round).csv"] = ObjectID.hash(table)
    }
    return (repo, tables)
  }

  private func expectIntact(_ repo: Repo, _ tables: [String: ObjectID], _ context: String) throws {
    let fsck = try repo.mlv("fsck")
    #expect(fsck.code == 0, "\(context): fsck: \(fsck.stdout)\(fsck.stderr)")
    for name in tables.keys { try? repo.remove(name) }
    let co = try repo.mlv("checkout")
    #expect(co.code == 0, "\(context): checkout: \(co.stderr)")
    for (name, id) in tables {
      #expect(repo.read(name).map { ObjectID.hash($0) } == id, "\(context): \(name) differs")
    }
  }

  @Test func killedWhileRepackingLosesNothing() throws {
    let (template, tables) = try mostlyDeadRepo()
    func copy() throws -> Repo {
      let repo = try Repo(mlvInit: false)
      try FileManager.default.removeItem(atPath: repo.path)
      _ = try exec("/bin/cp", ["-a", template.path, repo.path], cwd: "/")
      return repo
    }
    // How long a whole gc takes here, so the kills land across all of it.
    let timing = try copy()
    let start = Date()
    try timing.mlvOK("gc", "-q")
    let micros = UInt32(max(0.05, Date().timeIntervalSince(start)) * 1_000_000)
    var rng = SystemRandomNumberGenerator()
    var killedMidway = 0
    for trial in 0..<12 {
      let repo = try copy()
      let gc = try Binary.start(["gc", "-q"], in: repo.path)
      usleep(UInt32.random(in: 0...micros, using: &rng))
      kill(gc.processIdentifier, SIGKILL)
      gc.waitUntilExit()
      if gc.terminationReason == .uncaughtSignal { killedMidway += 1 }
      try expectIntact(repo, tables, "trial \(trial) after kill")
      // The next gc finishes the job and still loses nothing.
      let again = try repo.mlv("gc")
      #expect(again.code == 0, "trial \(trial): gc after kill: \(again.stderr)")
      try expectIntact(repo, tables, "trial \(trial) after a full gc")
    }
    print("GCStressTests: \(killedMidway) of 12 gc runs were killed before they finished")
    #expect(killedMidway > 0)
  }

  @Test func gcInALoopRacingAddAndCommitInALoop() throws {
    let repo = try Repo()
    try repo.write("seed.csv", csv(100, seed: 0))
    try repo.mlvOK("add", "seed.csv")
    try repo.mlvOK("commit", "-m", "seed")
    let stop = Locked(false)
    let gcRuns = Locked(0)
    let gcFailures = Locked([String]())
    let done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
      while !stop.value {
        if let r = try? exec(Binary.mlv, ["gc", "-q"], cwd: repo.path, env: ["MLV_LOCK_TIMEOUT": "60"]) {
          gcRuns.update { $0 += 1 }
          if r.code != 0 { gcFailures.update { $0.append(r.stderr) } }
        }
      }
      done.signal()
    }
    // Each commit replaces the model and adds a table; an uncommitted scratch add in between
    // leaves dead objects for gc to find.
    var versions: [(commit: String, files: [String: ObjectID])] = []
    for i in 0..<10 {
      let model = randomBytes(400_000, seed: UInt64(1000 + i))
      let table = csv(2_000, seed: i)
      try repo.write("model.bin", model)
      try repo.write("t.csv", table)
      try repo.write("scratch.bin", randomBytes(300_000, seed: UInt64(2000 + i)))
      let env = ["MLV_LOCK_TIMEOUT": "60"]
      #expect(try exec(Binary.mlv, ["add", "model.bin", "t.csv", "scratch.bin"], cwd: repo.path, env: env).code == 0)
      try repo.git("rm", "-q", "--cached", "scratch.bin.mlv")
      try repo.remove("scratch.bin.mlv")
      try repo.remove("scratch.bin")
      let c = try exec(Binary.mlv, ["commit", "-q", "-m", "v\(i)"], cwd: repo.path, env: env)
      #expect(c.code == 0, "commit: \(c.stderr)")
      versions.append((try repo.gitOut("rev-parse", "HEAD"), ["model.bin": ObjectID.hash(model), "t.csv": ObjectID.hash(table)]))
    }
    stop.update { $0 = true }
    done.wait()
    #expect(gcFailures.value.isEmpty, "\(gcFailures.value)")
    #expect(gcRuns.value >= 3, "gc ran \(gcRuns.value) times")
    try repo.mlvOK("gc")
    try repo.mlvOK("fsck")
    for (commit, files) in versions {
      try repo.mlvOK("checkout", commit)
      for (name, id) in files {
        #expect(repo.read(name).map { ObjectID.hash($0) } == id, "\(name) at \(commit.prefix(8)) differs")
      }
    }
  }
}
