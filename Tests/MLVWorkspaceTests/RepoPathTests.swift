import Foundation
import Testing

@testable import MLVStore
@testable import MLVWorkspace

@Suite struct RepoPathTests {
  @Test(arguments: ["data", "a/b/c.csv", "a b/c", "x.mlvx", "..a", "a..", ".hidden", "é/ü"])
  func validPaths(_ path: String) throws {
    try RepoPath.validate(path, context: "test")
  }

  @Test(arguments: ["", "/abs", "a/../b", "..", ".", "a/./b", "a//b", "a/", ".git", "x/.git/y", ".mlv/config", "a\nb", "a\u{7f}", "a\0b"])
  func invalidPaths(_ path: String) {
    let e = #expect(throws: WorkspaceError.self) { try RepoPath.validate(path, context: "ctx.mlv") }
    #expect(e?.description.contains("ctx.mlv") == true)
  }

  @Test func relativize() throws {
    let root = "/repo"
    #expect(try RepoPath.relativize("data", cwd: "/repo", root: root) == "data")
    #expect(try RepoPath.relativize("../data", cwd: "/repo/sub", root: root) == "data")
    #expect(try RepoPath.relativize("./x/./y/../z", cwd: "/repo", root: root) == "x/z")
    #expect(try RepoPath.relativize("/repo/a/b/", cwd: "/elsewhere", root: root) == "a/b")
    #expect(try RepoPath.relativize(".", cwd: "/repo", root: root) == "")
    #expect(try RepoPath.relativize("x", cwd: "/repo//sub", root: "/repo/") == "sub/x")
    for (arg, cwd) in [("../other", "/repo"), ("/etc/passwd", "/repo"), ("../../repo2/x", "/repo/a"), ("/repository", "/")] {
      let e = #expect(throws: WorkspaceError.self) { try RepoPath.relativize(arg, cwd: cwd, root: root) }
      if case .pathOutsideRepository(let p) = e { #expect(p == arg) } else {
        Issue.record("\(arg): expected pathOutsideRepository, got \(String(describing: e))")
      }
    }
  }

  @Test func prepareParentsRefusesASymlinkComponent() throws {
    let root = makeTempDir()
    let outside = makeTempDir()
    defer {
      removeTree(root)
      removeTree(outside)
    }
    try FileManager.default.createSymbolicLink(atPath: root + "/a", withDestinationPath: outside)
    let e = #expect(throws: WorkspaceError.self) { try RepoPath.prepareParents(of: "a/b/c.txt", root: root) }
    if case .symlinkInPath(let p, let link) = e {
      #expect(p == "a/b/c.txt")
      #expect(link == root + "/a")
    } else {
      Issue.record("expected symlinkInPath, got \(String(describing: e))")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
    // A link deeper down is refused as well, after creating only the real parents.
    try FileManager.default.createDirectory(atPath: root + "/d", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: root + "/d/e", withDestinationPath: outside)
    #expect(throws: WorkspaceError.self) { try RepoPath.prepareParents(of: "d/e/f/g", root: root) }
    #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
    // A regular file in the way is refused; a clean path is created.
    try writeFile(root + "/file", "x")
    #expect(throws: WorkspaceError.self) { try RepoPath.prepareParents(of: "file/x", root: root) }
    try RepoPath.prepareParents(of: "n/m/leaf", root: root)
    var isDir: ObjCBool = false
    #expect(FileManager.default.fileExists(atPath: root + "/n/m", isDirectory: &isDir) && isDir.boolValue)
    #expect(!exists(root + "/n/m/leaf"))
  }

  @Test func checkNoSymlinks() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    try FileManager.default.createDirectory(atPath: root + "/d", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: root + "/d/link", withDestinationPath: "/tmp")
    #expect(throws: WorkspaceError.self) { try RepoPath.checkNoSymlinks("d/link", root: root, includingLeaf: true) }
    try RepoPath.checkNoSymlinks("d/link", root: root, includingLeaf: false)
    #expect(throws: WorkspaceError.self) { try RepoPath.checkNoSymlinks("d/link/x", root: root, includingLeaf: false) }
    try RepoPath.checkNoSymlinks("d/missing/x", root: root, includingLeaf: true)
  }
}
