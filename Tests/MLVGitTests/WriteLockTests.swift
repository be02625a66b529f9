import Foundation
import Testing

@testable import MLVGit

/// A killed index or ref write leaves a lock file; mlv removes it only when it is provably
/// the dead writer's (GitRepository+WriteLocks.swift).
@Suite struct WriteLockTests {
  /// The pid of a process that has exited (and been reaped), so `kill(pid, 0)` fails.
  func deadPID() throws -> pid_t {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/true")
    try p.run()
    p.waitUntilExit()
    return p.processIdentifier
  }

  /// Leaves what a writer killed mid-write leaves: the marker, then the lock file
  /// `lockDelay` seconds later (by mtime).
  func simulateKilledWrite(_ t: TestRepo, pid: pid_t, lockDelay: Double, lock: String? = nil) throws {
    let marker = t.repo.writeMarkerPath
    let lock = lock ?? t.repo.indexLockPath
    try Data("\(pid)\n".utf8).write(to: URL(fileURLWithPath: marker))
    try Data("partial".utf8).write(to: URL(fileURLWithPath: lock))
    let markerTime = try FileManager.default.attributesOfItem(atPath: marker)[.modificationDate] as! Date
    try FileManager.default.setAttributes(
      [.modificationDate: markerTime.addingTimeInterval(lockDelay)], ofItemAtPath: lock)
  }

  @Test func aLockLeftByAKilledWriterIsRemovedAndGitWorksAgain() throws {
    let t = try TestRepo()
    try t.commit("first", ["a.txt": "one"])
    try simulateKilledWrite(t, pid: try deadPID(), lockDelay: 0.01)
    try t.write("b.txt", "b")
    // Before: the lock blocks every index write, with an error naming the file.
    let e = #expect(throws: GitError.self) { try t.repo.stage(["b.txt"]) }
    #expect("\(e!)".contains(t.repo.indexLockPath))
    #expect(t.repo.removeStaleLocks() == [t.repo.indexLockPath])
    #expect(!FileManager.default.fileExists(atPath: t.repo.indexLockPath))
    #expect(!FileManager.default.fileExists(atPath: t.repo.writeMarkerPath))
    try t.repo.stage(["b.txt"])
    #expect(try git(["status", "--porcelain"], in: t.dir) == "A  b.txt")
  }

  @Test func aBranchLockLeftByAKilledCommitIsRemovedAndCommitsWorkAgain() throws {
    let t = try TestRepo()
    try t.commit("first", ["a.txt": "one"])
    let branchLock = t.repo.gitDirectory + "/refs/heads/master.lock"
    try simulateKilledWrite(t, pid: try deadPID(), lockDelay: 0.01, lock: branchLock)
    #expect(throws: GitError.self) { try t.commit("second", ["a.txt": "two"]) }
    #expect(t.repo.removeStaleLocks() == [branchLock])
    let c2 = try t.commit("second", ["a.txt": "two"])
    #expect(try git(["rev-parse", "master"], in: t.dir) == c2.hex)
  }

  @Test func aLockOfALiveProcessIsKept() throws {
    let t = try TestRepo()
    let sleeper = Process()
    sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
    sleeper.arguments = ["30"]
    try sleeper.run()
    defer { sleeper.terminate() }
    try simulateKilledWrite(t, pid: sleeper.processIdentifier, lockDelay: 0.01)
    #expect(t.repo.removeStaleLocks().isEmpty)
    #expect(FileManager.default.fileExists(atPath: t.repo.indexLockPath))
  }

  @Test(arguments: [-5.0, 60.0])
  func aLockFromAnotherTimeIsKept(lockDelay: Double) throws {
    // Made well before the marker, or long after: some other git command's lock.
    let t = try TestRepo()
    try simulateKilledWrite(t, pid: try deadPID(), lockDelay: lockDelay)
    #expect(t.repo.removeStaleLocks().isEmpty)
    #expect(FileManager.default.fileExists(atPath: t.repo.indexLockPath))
    #expect(!FileManager.default.fileExists(atPath: t.repo.writeMarkerPath), "the dead writer's marker goes")
  }

  @Test func withoutAMarkerNothingIsRemoved() throws {
    let t = try TestRepo()
    try Data().write(to: URL(fileURLWithPath: t.repo.indexLockPath))
    #expect(t.repo.removeStaleLocks().isEmpty)
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
