import Foundation
import Testing

@testable import MLVGit

@Suite struct WorktreeTests {
  @Test func addsDetachedWorktreesAndRemovesThem() throws {
    let t = try TestRepo()
    let (c1, _, c3) = try t.threeCommits()
    let outside = makeTempDir("mlvgit-wt")
    defer { try? FileManager.default.removeItem(atPath: outside) }
    let path = outside + "/repro"

    let linked = try t.repo.addWorktree(at: path, commit: c1)
    #expect(linked.workdir == path)
    #expect(try linked.head() == c1)
    #expect(t.repo.gitDirectory == t.dir + "/.git" && t.repo.commonDirectory == t.dir + "/.git")
    #expect(linked.gitDirectory == t.dir + "/.git/worktrees/repro")
    #expect(linked.commonDirectory == t.dir + "/.git")
    #expect(try linked.currentBranch() == nil)
    #expect(try git(["rev-parse", "HEAD"], in: path) == c1.hex)
    #expect(try git(["status", "--porcelain"], in: path) == "")
    #expect(try String(contentsOfFile: path + "/a.txt", encoding: .utf8) == "one")
    #expect(!FileManager.default.fileExists(atPath: path + "/b.txt"))
    // The main working tree is untouched and no helper branch is left behind.
    #expect(try t.repo.head() == c3 && t.read("a.txt") == "two")
    #expect(try git(["branch", "--format=%(refname)"], in: t.dir) == "refs/heads/master")
    let logs = try FileManager.default.contentsOfDirectory(atPath: t.dir + "/.git/logs/refs/heads")
    #expect(logs == ["master"])
    let list = try git(["worktree", "list", "--porcelain"], in: t.dir)
    #expect(list.contains("worktree \(path)\nHEAD \(c1.hex)\ndetached"))

    // An existing empty directory (as from mkdtemp) is accepted too.
    let second = makeTempDir("mlvgit-wt2")
    defer { try? FileManager.default.removeItem(atPath: second) }
    try t.repo.addWorktree(at: second, commit: c3)
    #expect(try git(["rev-parse", "HEAD"], in: second) == c3.hex)

    try t.repo.removeWorktree(at: path)
    #expect(!FileManager.default.fileExists(atPath: path))
    #expect(throws: GitError.worktreeNotFound(path)) { try t.repo.removeWorktree(at: path) }

    try FileManager.default.removeItem(atPath: second)
    #expect(try t.repo.pruneWorktrees().count == 1)
    #expect(
      try git(["worktree", "list", "--porcelain"], in: t.dir).components(separatedBy: "worktree ")
        .count == 2)
    #expect(try gitResult(["fsck", "--no-dangling"], in: t.dir).status == 0)
  }
}
