import Foundation
import Testing

@testable import MLVGit

@Suite struct RevisionTests {
  @Test func resolvesTheRevisionsGitResolves() throws {
    let t = try TestRepo()
    let (c1, c2, c3) = try t.threeCommits()
    try git(["tag", "-a", "annotated", "-m", "msg", c1.hex], in: t.dir)
    try git(["tag", "light", c2.hex], in: t.dir)
    try git(["branch", "side", c1.hex], in: t.dir)

    let cases: [(String, GitOID)] = [
      ("HEAD", c3), ("master", c3), ("HEAD~1", c2), ("master^", c2), ("HEAD~2", c1),
      ("annotated", c1), ("light", c2), ("side", c1), (c1.hex, c1), (c2.short, c2),
      ("refs/heads/master", c3),
    ]
    for (rev, expected) in cases {
      #expect(try t.repo.resolveCommit(rev) == expected, "\(rev)")
      #expect(try git(["rev-parse", "\(rev)^{commit}"], in: t.dir) == expected.hex, "\(rev)")
    }
    #expect(throws: GitError.revisionNotFound("nope")) { try t.repo.resolveCommit("nope") }
    #expect(throws: GitError.revisionNotFound("HEAD~9")) { try t.repo.resolveCommit("HEAD~9") }
    // A tag on a blob names no commit.
    let blob = try git(["rev-parse", "HEAD:a.txt"], in: t.dir)
    try git(["tag", "blobtag", blob], in: t.dir)
    #expect(throws: GitError.revisionNotFound("blobtag")) { try t.repo.resolveCommit("blobtag") }
  }

  @Test func unbornHeadIsItsOwnError() throws {
    let t = try TestRepo()
    #expect(throws: GitError.unbornHead) { try t.repo.resolveCommit("HEAD") }
    #expect(throws: GitError.revisionNotFound("master")) { try t.repo.resolveCommit("master") }
  }

  @Test func readsFilesAndBlobIDsAtOldRevisions() throws {
    let t = try TestRepo()
    let (c1, c2, c3) = try t.threeCommits()
    #expect(text(try t.repo.readFile("a.txt", at: c1)) == "one")
    #expect(text(try t.repo.readFile("a.txt", at: c3)) == "two")
    #expect(text(try t.repo.readFile("data/x.mlv", at: c2)) == "x1")
    #expect(try t.repo.readFile("b.txt", at: c1) == nil)
    #expect(try t.repo.readFile("data", at: c1) == nil)  // a directory, not a file
    #expect(try t.repo.readFile("data/x.mlv/deeper", at: c1) == nil)

    let x1 = try t.repo.blobID("data/x.mlv", at: c1)
    let x1CLI = try git(["rev-parse", "\(c1.hex):data/x.mlv"], in: t.dir)
    #expect(x1?.hex == x1CLI)
    #expect(try t.repo.blobID("data/x.mlv", at: c2) == x1)
    #expect(try t.repo.blobID("data/x.mlv", at: c3) != x1)
    #expect(try t.repo.blobID("b.txt", at: c1) == nil)
    let dataTree = try git(["rev-parse", "\(c2.hex):data"], in: t.dir)
    #expect(try t.repo.blobID("data", at: c2)?.hex == dataTree)
  }

  @Test func listsFilesBySuffixRecursively() throws {
    let t = try TestRepo()
    let (c1, c2, _) = try t.threeCommits()
    try t.commit("more", ["models/deep/m.mlv": "m", "models/notes.txt": "n", "z.mlv": "z"])
    let head = try #require(try t.repo.head())
    #expect(try t.repo.listFiles(at: c1, withSuffix: ".mlv") == ["data/x.mlv"])
    #expect(try t.repo.listFiles(at: c2, withSuffix: ".mlv") == ["data/x.mlv", "data/y.mlv"])
    #expect(
      try t.repo.listFiles(at: head, withSuffix: ".mlv")
        == ["data/x.mlv", "data/y.mlv", "models/deep/m.mlv", "z.mlv"])
    let all = try git(["ls-tree", "-r", "--name-only", head.hex], in: t.dir)
    #expect(try t.repo.listFiles(at: head) == all.split(separator: "\n").map(String.init).sorted())
  }

  @Test func logFollowsFirstParentsAndFiltersByPath() throws {
    let t = try TestRepo()
    let (c1, c2, c3) = try t.threeCommits()
    try t.remove("data/y.mlv")
    try t.repo.stage(["data/y.mlv"])
    let c4 = try t.repo.commit(message: "drop y")

    #expect(try t.repo.log(from: c4).map(\.oid) == [c4, c3, c2, c1])
    #expect(try t.repo.log(from: c4, limit: 2).map(\.oid) == [c4, c3])
    #expect(try t.repo.log(from: c4, touching: "data/x.mlv").map(\.oid) == [c3, c1])
    #expect(try t.repo.log(from: c4, touching: "data/y.mlv").map(\.oid) == [c4, c2])
    #expect(try t.repo.log(from: c4, touching: "a.txt").map(\.oid) == [c2, c1])
    #expect(try t.repo.log(from: c4, touching: "data").map(\.oid) == [c4, c3, c2, c1])
    #expect(try t.repo.log(from: c4, touching: "data", limit: 1).map(\.oid) == [c4])
    #expect(try t.repo.log(from: c4, touching: "never").isEmpty)
    // The git CLI agrees on which commits touched a path.
    let cli = try git(["log", "--format=%H", "--first-parent", "--", "data/x.mlv"], in: t.dir)
    #expect(cli == [c3, c1].map(\.hex).joined(separator: "\n"))
  }

  @Test func listsFilesChangedBetweenCommits() throws {
    let t = try TestRepo()
    let (c1, _, c3) = try t.threeCommits()
    try t.remove("README")
    try t.repo.stage(["README"])
    let c4 = try t.repo.commit(message: "drop readme")

    let changes = try t.repo.changedFiles(from: c1, to: c4)
    let summary = changes.map { "\($0.status) \($0.path)" }
    #expect(
      summary == [
        "deleted README", "modified a.txt", "new b.txt", "modified data/x.mlv", "new data/y.mlv",
      ])
    let cli = try git(["diff", "--name-status", "--no-renames", c1.hex, c4.hex], in: t.dir)
    #expect(cli.split(separator: "\n").count == changes.count)
    let x = try #require(changes.first { $0.path == "data/x.mlv" })
    #expect(x.oldBlob == (try t.repo.blobID("data/x.mlv", at: c1)))
    #expect(x.newBlob == (try t.repo.blobID("data/x.mlv", at: c3)))
    let readme = try #require(changes.first { $0.path == "README" })
    #expect(readme.newBlob == nil && readme.oldBlob != nil)

    let fromRoot = try t.repo.changedFiles(from: nil, to: c1)
    #expect(fromRoot.map(\.path) == ["README", "a.txt", "data/x.mlv"])
    #expect(fromRoot.allSatisfy { $0.status == .new && $0.oldBlob == nil })
    #expect(try t.repo.changedFiles(from: c4, to: c4).isEmpty)
  }
}
