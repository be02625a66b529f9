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
