import Foundation
import Testing

@testable import MLVGit

@Suite struct CheckoutTests {
  @Test func movesBetweenDetachedCommitsAndBranches() throws {
    let t = try TestRepo()
    let (c1, c2, c3) = try t.threeCommits()
    try t.write("scratch.txt", "untracked stays")

    #expect(try t.repo.checkout(c1.hex) == c1)
    #expect(try t.repo.currentBranch() == nil)
    #expect(try t.repo.head() == c1)
    #expect(try git(["rev-parse", "HEAD"], in: t.dir) == c1.hex)
    #expect(try gitResult(["symbolic-ref", "-q", "HEAD"], in: t.dir).status != 0)
    #expect(t.read("a.txt") == "one")
    #expect(t.read("data/x.mlv") == "x1")
    #expect(!t.exists("b.txt") && !t.exists("data/y.mlv"))
    #expect(t.read("scratch.txt") == "untracked stays")
    #expect(try git(["status", "--porcelain"], in: t.dir) == "?? scratch.txt")

    #expect(try t.repo.checkout("master") == c3)
    #expect(try t.repo.currentBranch() == "master")
    #expect(try git(["symbolic-ref", "HEAD"], in: t.dir) == "refs/heads/master")
    #expect(t.read("b.txt") == "b" && t.read("data/x.mlv") == "x2")
    #expect(try git(["status", "--porcelain"], in: t.dir) == "?? scratch.txt")

    #expect(try t.repo.checkout("HEAD~1") == c2)
    #expect(try t.repo.currentBranch() == nil)
    #expect(t.read("data/x.mlv") == "x1")

    // A branch wins over a tag of the same name, as in `git checkout`.
    try git(["tag", "side", c1.hex], in: t.dir)
    try git(["branch", "side", c3.hex], in: t.dir)
    #expect(try t.repo.checkout("side") == c3)
    #expect(try t.repo.currentBranch() == "side")
    #expect(try git(["symbolic-ref", "HEAD"], in: t.dir) == "refs/heads/side")
    #expect(try gitResult(["fsck", "--no-dangling"], in: t.dir).status == 0)
  }

  @Test func refusesToOverwriteLocalChangesUnlessForced() throws {
    let t = try TestRepo()
    let (c1, _, c3) = try t.threeCommits()
    try t.write("a.txt", "local edit")  // differs between c1 and c3: in the way
    try t.write("README", "local readme")  // same in c1 and c3: carried along

    #expect(throws: GitError.checkoutConflict(paths: ["a.txt"])) {
      try t.repo.checkout(c1.hex, force: false)
    }
    #expect(t.read("a.txt") == "local edit")
    #expect(t.read("b.txt") == "b")
    #expect(try t.repo.head() == c3)
    #expect(try t.repo.currentBranch() == "master")

    // An untracked file where the target has a tracked one is in the way too.
    try t.write("a.txt", "two")
    try t.repo.checkout(c1.hex)
    try t.write("b.txt", "untracked, precious")
    #expect(throws: GitError.checkoutConflict(paths: ["b.txt"])) { try t.repo.checkout("master") }
    #expect(t.read("b.txt") == "untracked, precious")
    try t.remove("b.txt")
    try t.repo.checkout("master")

    try t.write("a.txt", "two")  // undo the conflicting edit: now the checkout is safe
    try t.repo.checkout(c1.hex)
    #expect(t.read("a.txt") == "one")
    #expect(t.read("README") == "local readme")

    try t.write("a.txt", "edited again")
    #expect(try t.repo.checkout("master", force: true) == c3)
    #expect(t.read("a.txt") == "two" && t.read("README") == "readme")
    #expect(try git(["status", "--porcelain"], in: t.dir) == "")
  }
}
