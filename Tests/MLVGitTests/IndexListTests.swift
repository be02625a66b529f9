import Foundation
import Testing

@testable import MLVGit

/// Listing index entries by prefix (a binary search in the sorted index), checked against
/// `git ls-files`.
@Suite struct IndexListTests {
  @Test func prefixListingMatchesGitLsFiles() throws {
    let t = try TestRepo()
    // Neighbours in byte order: "a-b" < "a.b" < "a/" < "a0" < "ab".
    try t.commit("files", ["a.b": "0", "a-b": "1", "a/x": "2", "a/y/z": "3", "a0": "4", "ab/c": "5", "b/d": "6"])
    #expect(try t.repo.indexFiles(withPrefix: "a/") == ["a/x", "a/y/z"])
    #expect(try t.repo.indexFiles(withPrefix: "a/y/") == ["a/y/z"])
    #expect(try t.repo.indexFiles(withPrefix: "c/") == [])
    #expect(try t.repo.indexFiles(withPrefix: "b/") == ["b/d"])
    for prefix in ["a/", "ab/", "b/"] {
      let lsFiles = try git(["ls-files", "--", prefix], in: t.dir).split(separator: "\n").map(String.init)
      #expect(try t.repo.indexFiles(withPrefix: prefix) == lsFiles)
    }
  }
}
