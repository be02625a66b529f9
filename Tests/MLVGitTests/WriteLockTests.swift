import Foundation
import Testing

@testable import MLVGit

/// A killed index or ref write leaves a lock file. mlv cannot prove which process made a
/// lock, so it never removes one: it reports the locks a dead mlv may have left, and a
/// blocked write names its lock (GitRepository+WriteLocks.swift).
@Suite struct WriteLockTests {
  /// Leaves what a writer killed mid-write leaves: the marker, then the lock file.
  func simulateKilledWrite(_ t: TestRepo, pid: pid_t, lock: String? = nil) throws {
    try Data("\(pid)\n".utf8).write(to: URL(fileURLWithPath: t.repo.writeMarkerPath))
    try Data("partial".utf8).write(to: URL(fileURLWithPath: lock ?? t.repo.indexLockPath))
  }

  @Test func aLockLeftByAKilledWriterIsReportedAndKept() throws {
    let t = try TestRepo()
    try t.commit("first", ["a.txt": "one"])
    let pid = try exitedProcessID()
    try simulateKilledWrite(t, pid: pid)
    try t.write("b.txt", "b")
    let e = #expect(throws: GitError.self) { try t.repo.stage(["b.txt"]) }
    #expect(e == .lockFileExists(t.repo.indexLockPath))
    #expect("\(e!)".contains("rm \(t.repo.indexLockPath)"))
    let report = try #require(t.repo.interruptedWrite())
    #expect(report.pid == pid && report.lockFiles == [t.repo.indexLockPath])
    #expect(FileManager.default.fileExists(atPath: t.repo.indexLockPath), "never deleted by mlv")
    #expect(FileManager.default.fileExists(atPath: t.repo.writeMarkerPath), "evidence kept while the lock is")
    // The user removes the lock: the marker goes at the next look, and git works again.
    try FileManager.default.removeItem(atPath: t.repo.indexLockPath)
    #expect(t.repo.interruptedWrite() == nil)
    #expect(!FileManager.default.fileExists(atPath: t.repo.writeMarkerPath))
    try t.repo.stage(["b.txt"])
    #expect(try git(["status", "--porcelain"], in: t.dir) == "A  b.txt")
  }

  @Test func aBranchLockIsNamedWhenItBlocksACommit() throws {
    let t = try TestRepo()
    try t.commit("first", ["a.txt": "one"])
    let branchLock = t.repo.gitDirectory + "/refs/heads/master.lock"
    try simulateKilledWrite(t, pid: try exitedProcessID(), lock: branchLock)
    let e = #expect(throws: GitError.self) { try t.commit("second", ["a.txt": "two"]) }
    #expect(e == .lockFileExists(branchLock))
    #expect(t.repo.interruptedWrite()?.lockFiles == [branchLock])
    try FileManager.default.removeItem(atPath: branchLock)
    let c2 = try t.commit("second", ["a.txt": "two"])
    #expect(try git(["rev-parse", "master"], in: t.dir) == c2.hex)
  }

  /// The sequence: a dead mlv's marker, then (seconds later) a lock that a running
  /// git holds. Nothing may tell them apart, so the lock stays.
  @Test func aLockMadeAfterADeadWritersMarkerIsKept() throws {
    let t = try TestRepo()
    try Data("\(try exitedProcessID())\n".utf8).write(to: URL(fileURLWithPath: t.repo.writeMarkerPath))
    usleep(50_000)
    try Data("DIRC".utf8).write(to: URL(fileURLWithPath: t.repo.indexLockPath))
    #expect(t.repo.interruptedWrite()?.lockFiles == [t.repo.indexLockPath])
    #expect(FileManager.default.fileExists(atPath: t.repo.indexLockPath))
  }

  @Test func aLiveWritersMarkerIsNotReported() throws {
    let t = try TestRepo()
    let sleeper = Process()
    sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
    sleeper.arguments = ["30"]
    try sleeper.run()
    defer { sleeper.terminate() }
    try simulateKilledWrite(t, pid: sleeper.processIdentifier)
    #expect(t.repo.interruptedWrite() == nil)
    #expect(FileManager.default.fileExists(atPath: t.repo.indexLockPath))
    #expect(FileManager.default.fileExists(atPath: t.repo.writeMarkerPath))
  }

  @Test func withoutAMarkerNothingIsReportedOrRemoved() throws {
    let t = try TestRepo()
    try Data().write(to: URL(fileURLWithPath: t.repo.indexLockPath))
    #expect(t.repo.interruptedWrite() == nil)
    #expect(FileManager.default.fileExists(atPath: t.repo.indexLockPath))
  }

  @Test func gitWritesLeaveNoMarker() throws {
    let t = try TestRepo()
    let (c1, _, _) = try t.threeCommits()
    _ = try t.repo.checkout(c1.hex)
    #expect(!FileManager.default.fileExists(atPath: t.repo.writeMarkerPath))
    #expect(!FileManager.default.fileExists(atPath: t.repo.indexLockPath))
  }
}
