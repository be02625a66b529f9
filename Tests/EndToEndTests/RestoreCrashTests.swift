import Foundation
import Testing

/// Files written straight to free paths (no temporary file and rename) are covered by a
/// restore marker: a restore killed midway is finished by the next command that takes the
/// lock (docs/design.md, "Checkout").
@Suite struct RestoreCrashTests {
  func populate(_ repo: Repo, files: Int) throws -> [String: [UInt8]] {
    var out: [String: [UInt8]] = [:]
    for i in 0..<files {
      let rel = String(format: "c%02d/f%05d.bin", i % 20, i)
      let bytes = Array(repeating: UInt8(i % 256), count: 700 + i % 900) + Array("\(i)".utf8)
      out[rel] = bytes
      try repo.write("data/" + rel, bytes)
    }
    try repo.mlvOK("add", "data")
    try repo.mlvOK("commit", "-m", "v1")
    return out
  }

  func marker(_ repo: Repo) -> String {
    // SHA-256 of "data" (`printf data | sha256sum`).
    repo.path + "/.mlv/state/journal/restore-3a6eb0790f39ac87c94f3856b2dd2c5d110e6811602261a9a923d3bb23adc8b7"
  }

  @Test func aRestoreCutShortIsFinishedByTheNextLockingCommand() throws {
    let repo = try Repo()
    let want = try populate(repo, files: 300)
    let pointer = String(decoding: repo.read("data.mlv")!, as: UTF8.self)
    func field(_ k: String) -> String {
      pointer.split(separator: "\n").first { $0.hasPrefix(k + ": ") }!.dropFirst(k.count + 2).description
    }
    // The state a kill leaves: the marker, some files written, one cut short, the rest absent.
    try repo.remove("data")
    for (rel, bytes) in want.sorted(by: { $0.key < $1.key }).prefix(100) { try repo.write("data/" + rel, bytes) }
    let short = want.keys.sorted()[100]
    try repo.write("data/" + short, Array(want[short]!.prefix(10)))
    try FileManager.default.createDirectory(atPath: repo.path + "/.mlv/state/journal", withIntermediateDirectories: true)
    try Data("dir \(field("oid")) \(field("size")) \(field("files")) data\n".utf8).write(to: URL(fileURLWithPath: marker(repo)))

    try repo.write("other.txt", "x")
    let r = try repo.mlvOK("add", "other.txt")
    #expect(r.stderr.contains("finishing an interrupted checkout of data"), "\(r.stderr)")
    #expect(try repo.snapshot("data") == want)
    #expect(!FileManager.default.fileExists(atPath: marker(repo)))
    #expect(try repo.mlvOK("status", "--json").stdout.contains("\"state\" : \"clean\""))
  }

  /// kill -9 at random moments of a restore into an empty directory: whatever is left, the
  /// next locking command makes it exactly the pointer's data, and nothing is ever
  /// recorded from a half-restored directory.
  @Test func killedRestoresNeverLeaveWrongData() throws {
    let repo = try Repo()
    let want = try populate(repo, files: 1500)
    var rng = SystemRandomNumberGenerator()
    for trial in 0..<6 {
      try repo.remove("data")
      let p = try Binary.start(["checkout"], in: repo.path)
      usleep(UInt32.random(in: 20_000...400_000, using: &rng))
      kill(p.processIdentifier, SIGKILL)
      p.waitUntilExit()
      // A locking command finishes whatever the kill interrupted.
      try repo.mlvOK("gc", "--dry-run")
      let s = try repo.mlvOK("status", "--json").stdout
      if repo.exists("data") && FileManager.default.fileExists(atPath: marker(repo)) == false {
        let got = try repo.snapshot("data")
        // Either the restore had not begun writing (nothing, or the marker was never
        // written), or every file is right.
        if !got.isEmpty && got.count == want.count { #expect(got == want, "trial \(trial)") }
        for (k, v) in got { #expect(want[k] == v, "trial \(trial): \(k) has wrong bytes") }
      }
      #expect(!s.contains("\"state\" : \"modified\""), "trial \(trial): \(s.prefix(400))")
      try repo.mlvOK("checkout")
      #expect(try repo.snapshot("data") == want, "trial \(trial)")
    }
  }
}
