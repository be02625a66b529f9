import Foundation
import Testing

@testable import MLVGit

@Suite struct CommitTests {
  @Test func commitsAreOrdinaryToTheGitCLI() throws {
    let t = try TestRepo()
    #expect(try t.repo.head() == nil)
    #expect(try t.repo.isHeadUnborn())
    #expect(try t.repo.currentBranch() == "master")

    let c1 = try t.commit("first", ["a.txt": "one", "data/x.mlv": "x1"])
    let c2 = try t.commit("second\n\nbody line  \n\n", ["a.txt": "two", "b.txt": "b"])

    #expect(try git(["log", "--format=%s"], in: t.dir) == "second\nfirst")
    #expect(try git(["rev-parse", "HEAD"], in: t.dir) == c2.hex)
    #expect(try git(["rev-parse", "HEAD~1"], in: t.dir) == c1.hex)
    #expect(try git(["status", "--porcelain"], in: t.dir) == "")
    #expect(try gitResult(["fsck", "--strict", "--no-dangling"], in: t.dir).status == 0)
    #expect(try git(["cat-file", "-p", "HEAD:a.txt"], in: t.dir) == "two")
    #expect(try git(["cat-file", "-p", "HEAD~1:data/x.mlv"], in: t.dir) == "x1")
    // The message is cleaned up like `git commit` does.
    #expect(try git(["log", "-1", "--format=%B"], in: t.dir) == "second\n\nbody line")

    #expect(try t.repo.head() == c2)
    #expect(try t.repo.currentBranch() == "master")
    let info = try t.repo.commitInfo(c2)
    #expect(info.parents == [c1])
    #expect(info.summary == "second")
    #expect(info.message == "second\n\nbody line\n")
    #expect(info.authorName == "Test User")
    #expect(info.authorEmail == "test@example.com")
    #expect(abs(info.time.timeIntervalSinceNow) < 60)
    #expect(try t.repo.commitInfo(c1).parents == [])
  }

  @Test func stagingAVanishedFileRemovesItFromTheIndex() throws {
    let t = try TestRepo()
    try t.commit("first", ["keep.txt": "k", "gone.txt": "g", "dir/one": "1", "dir/two": "2"])
    try t.remove("gone.txt")
    try t.remove("dir/two")
    try t.write("dir/three", "3")
    try t.repo.stage(["gone.txt", "dir"])
    #expect(try t.repo.readIndexFile("gone.txt") == nil)
    #expect(text(try t.repo.readIndexFile("dir/three")) == "3")
    try t.repo.commit(message: "remove")
    #expect(try git(["ls-files"], in: t.dir) == "dir/one\ndir/three\nkeep.txt")
    #expect(try git(["status", "--porcelain"], in: t.dir) == "")
  }

  @Test func removeFromIndexKeepsTheFiles() throws {
    let t = try TestRepo()
    try t.commit("first", ["big.csv": "1,2", "set/a.bin": "a", "set/b.bin": "b", "k": "k"])
    #expect(try t.repo.isTracked("big.csv") && t.repo.isTracked("set/a.bin"))
    try t.repo.removeFromIndex(["big.csv", "set"])
    #expect(try !t.repo.isTracked("big.csv") && !t.repo.isTracked("set/b.bin"))
    #expect(t.read("big.csv") == "1,2" && t.read("set/b.bin") == "b")
    try t.repo.commit(message: "hand over to mlv")
    #expect(try git(["ls-files"], in: t.dir) == "k")
    #expect(
      try git(["status", "--porcelain", "-uall"], in: t.dir)
        == "?? big.csv\n?? set/a.bin\n?? set/b.bin")
  }

  @Test func readIndexFileSeesStagedNotWorkingVersion() throws {
    let t = try TestRepo()
    try t.commit("first", ["p.mlv": "v1"])
    try t.write("p.mlv", "v2")
    try t.repo.stage(["p.mlv"])
    try t.write("p.mlv", "v3")
    #expect(text(try t.repo.readIndexFile("p.mlv")) == "v2")
    #expect(text(try t.repo.readIndexFile(t.dir + "/p.mlv")) == "v2")
    #expect(try t.repo.readIndexFile("absent") == nil)
    // The git CLI rewriting the index is seen too.
    try git(["add", "p.mlv"], in: t.dir)
    #expect(text(try t.repo.readIndexFile("p.mlv")) == "v3")
  }

  @Test func discoverWalksUpAndRejectsNonRepositories() throws {
    let t = try TestRepo()
    try t.write("deep/er/file", "x")
    let found = try GitRepository.discover(startingAt: t.dir + "/deep/er")
    #expect(found.workdir == t.dir)
    #expect(!found.workdir.hasSuffix("/"))

    let plain = makeTempDir("mlvgit-plain")
    defer { try? FileManager.default.removeItem(atPath: plain) }
    #expect(throws: GitError.notARepository(plain)) {
      try GitRepository.discover(startingAt: plain)
    }
    #expect(throws: GitError.pathOutsideWorkdir("/elsewhere/x")) {
      try t.repo.stage(["/elsewhere/x"])
    }
  }

  @Test func absolutePathsThroughASymlinkedWorkdirAreAccepted() throws {
    let t = try TestRepo()
    let linkDir = makeTempDir("mlvgit-link")
    defer { try? FileManager.default.removeItem(atPath: linkDir) }
    let link = linkDir + "/repo"
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: t.dir)
    let viaLink = try GitRepository.discover(startingAt: link)
    try t.write("f.txt", "f")
    try viaLink.stage([link + "/f.txt"])
    try t.repo.stage([link + "/f.txt"])
    #expect(text(try t.repo.readIndexFile(link + "/f.txt")) == "f")
    #expect(text(try viaLink.readIndexFile(t.dir + "/f.txt")) == "f")
    #expect(try git(["ls-files"], in: t.dir) == "f.txt")
  }

  @Test func commitsOnADetachedHeadMoveOnlyHead() throws {
    let t = try TestRepo()
    let (c1, _, c3) = try t.threeCommits()
    try t.repo.checkout(c1.hex)
    let c4 = try t.commit("on detached", ["a.txt": "detached"])
    #expect(try t.repo.head() == c4)
    #expect(try t.repo.commitInfo(c4).parents == [c1])
    #expect(try t.repo.resolveCommit("master") == c3)
    #expect(try git(["rev-parse", "HEAD"], in: t.dir) == c4.hex)
    #expect(try gitResult(["symbolic-ref", "-q", "HEAD"], in: t.dir).status != 0)
  }

  @Test func environmentIdentityAndDatesMakeCommitsReproducible() throws {
    let env = [
      "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.com",
      "GIT_AUTHOR_DATE": "@1700000000 +0130", "GIT_COMMITTER_DATE": "1700000100 -0500",
    ]
    var ids: [GitOID] = []
    for _ in 0..<2 {
      let t = try TestRepo()
      try t.write("f.txt", "same content")
      try t.repo.stage(["f.txt"])
      let id = try t.repo.commit(message: "pinned", environment: env)
      ids.append(id)
      let shown = try git(["log", "-1", "--format=%an|%ae|%at|%ai|%cn|%ct|%ci"], in: t.dir)
      #expect(
        shown == "Ada|ada@example.com|1700000000|2023-11-14 23:43:20 +0130"
          + "|Test User|1700000100|2023-11-14 17:15:00 -0500")
    }
    #expect(ids[0] == ids[1])
    #expect(GitRepository.parseGitDate("12 +0000")! == (12, 0))
    #expect(GitRepository.parseGitDate("@12 -0230")! == (12, -150))
    #expect(GitRepository.parseGitDate("yesterday") == nil)
    #expect(GitRepository.parseGitDate("12 0100") == nil)
  }

  @Test(.enabled(if: ProcessInfo.processInfo.environment["GIT_AUTHOR_NAME"] == nil))
  func missingIdentityIsReportedWithAHint() throws {
    _ = isolatedHome  // no global config anywhere libgit2 looks
    let dir = makeTempDir("mlvgit-noid")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let repo = try GitRepository.initialize(at: dir)
    try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/f"))
    try repo.stage(["f"])
    #expect(throws: GitError.noIdentity) { try repo.signature() }
    #expect(throws: GitError.noIdentity) { try repo.commit(message: "m") }
    #expect(GitError.noIdentity.description.contains("git config --global user.name"))
    #expect(try repo.head() == nil)

    try git(["config", "user.name", "Late Comer"], in: dir)
    try git(["config", "user.email", "late@example.com"], in: dir)
    let sig = try repo.signature()
    #expect(sig.name == "Late Comer" && sig.email == "late@example.com")
  }
}
