import Foundation
import Testing

@testable import MLVGit

@Suite struct ReferenceTests {
  @Test func setsListsAndDeletesReferences() throws {
    let t = try TestRepo()
    let (c1, c2, c3) = try t.threeCommits()

    try t.repo.setReference("refs/mlv/runs/r1", to: c2, message: "mlv run r1")
    #expect(try git(["rev-parse", "refs/mlv/runs/r1"], in: t.dir) == c2.hex)
    try t.repo.setReference("refs/mlv/runs/r1", to: c3, message: "mlv run r1 again")
    #expect(try git(["rev-parse", "refs/mlv/runs/r1"], in: t.dir) == c3.hex)

    try t.repo.createTag("v1", target: c1, message: nil)
    #expect(try git(["cat-file", "-t", "v1"], in: t.dir) == "commit")
    try t.repo.createTag("v2", target: c2, message: "release two")
    #expect(try git(["cat-file", "-t", "v2"], in: t.dir) == "tag")
    #expect(try git(["rev-parse", "v2^{commit}"], in: t.dir) == c2.hex)
    #expect(
      try git(["tag", "-l", "--format=%(contents:subject)", "v2"], in: t.dir) == "release two")

    #expect(throws: GitError.referenceExists("refs/tags/v1")) {
      try t.repo.createTag("v1", target: c2, message: nil)
    }
    try t.repo.createTag("v1", target: c2, message: nil, force: true)
    #expect(try git(["rev-parse", "v1"], in: t.dir) == c2.hex)

    try git(["notes", "add", "-m", "note", c1.hex], in: t.dir)  // refs/notes: not listed
    let refs = try t.repo.references()
    #expect(
      refs.map(\.name) == ["refs/heads/master", "refs/mlv/runs/r1", "refs/tags/v1", "refs/tags/v2"])
    #expect(refs.map(\.target) == [c3, c3, c2, c2])

    #expect(throws: GitError.invalidReferenceName("refs/mlv/bad..name")) {
      try t.repo.setReference("refs/mlv/bad..name", to: c1, message: "x")
    }
    #expect(throws: GitError.invalidReferenceName("HEADLESS")) {
      try t.repo.setReference("HEADLESS", to: c1, message: "x")
    }
    #expect(throws: GitError.invalidReferenceName("refs/tags/bad tag")) {
      try t.repo.createTag("bad tag", target: c1, message: nil)
    }

    #expect(try t.repo.deleteReference("refs/mlv/runs/r1"))
    #expect(try !t.repo.deleteReference("refs/mlv/runs/r1"))
    #expect(
      try gitResult(["rev-parse", "--verify", "-q", "refs/mlv/runs/r1"], in: t.dir).status != 0)
    #expect(try gitResult(["fsck", "--strict", "--no-dangling"], in: t.dir).status == 0)
  }
}
