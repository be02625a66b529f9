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

  /// Paths git's own tests (t/t1014-read-tree-confusing.sh) require `verify_path` to reject
  /// with core.protectHFS and core.protectNTFS, at the end of a path and as a directory.
  static let gitConfusingPaths = [
    ".", "..", ".git", ".GIT", "\u{200c}.Git", ".gI\u{200c}T", ".GiT\u{200c}", "git~1", ".git. ",
    ".\\.GIT\\foobar", ".git\\foobar", ".git...:alternate-stream",
  ]

  /// t/t0060-path-utils.sh's `is_dotgitmodules` vectors, with ".gitmodules" read as ".git"
  /// and its short name "gitmod~N" as "git~N": names NTFS or HFS+ take for .git.
  static let gitDotGitAliases = [
    ".git", ".git\u{200c}", ".Git", ".giT", ".git ", ".git.", ".git  ", ".git. ", ".git .", ".git..",
    ".git   ", ".git.  ", ".git . ", ".git  .", ".Git ", ".Git.", ".Git  ", ".Git. ", ".Git .", ".Git..",
    "GIT~1", "git~1", "GIT~1 ", "git~1.", "GIT~1 .", "git~1   ", ".git:$DATA", "git~1 . :$DATA",
    "\u{feff}.git", ".\u{206a}g\u{202e}i\u{200f}t\u{200c}",
  ]

  /// The `--not` half of the same vectors: names that only look like .git.
  static let gitNonAliases = [
    ".git x", ".git .x", " .git", "..git", "git", ".gi", ".gitx", ".git x ", "git~", "git~0", "git~~1", "git~X",
    "gxt~1", "git~1x", ".git,:$DATA", ".github", ".gitignore", ".gitattributes", ".gitmodules", ".gi\u{200c}x",
    ".g\u{00ef}t", "\u{200c}", ".mlvignore", "mlv", "models", "mlv~5", "data.mlv", "gitlab", "m", "g",
  ]

  @Test(arguments: gitConfusingPaths)
  func gitsConfusingPathsAreRefused(_ name: String) {
    for path in [name, "a/" + name, name + "/b", "a/" + name + "/b"] {
      #expect(throws: WorkspaceError.self, "\(path.debugDescription)") { try RepoPath.validate(path, context: "m") }
    }
  }

  @Test(arguments: gitDotGitAliases)
  func aliasesOfDotGitAndDotMlvAreRefused(_ name: String) {
    for alias in [name, name.replacingOccurrences(of: "git", with: "mlv").replacingOccurrences(of: "GIT", with: "MLV")
      .replacingOccurrences(of: "Git", with: "Mlv").replacingOccurrences(of: "giT", with: "mlV")]
    {
      for path in [alias, "data/" + alias, alias + "/hooks/post-checkout"] {
        let e = #expect(throws: WorkspaceError.self, "\(path.debugDescription)") { try RepoPath.validate(path, context: "m") }
        #expect(e?.description.contains("enters .") == true, "\(String(describing: e))")
      }
    }
  }

  @Test(arguments: gitNonAliases)
  func namesThatOnlyLookLikeDotGitAreAccepted(_ name: String) throws {
    try RepoPath.validate(name, context: "m")
    try RepoPath.validate("data/" + name + "/x", context: "m")
    try RepoPath.validate(name.replacingOccurrences(of: "git", with: "mlv"), context: "m")
  }

  @Test func shortNamesOfDotMlvUpToFourAreRefused() {
    for n in 1...4 { #expect(throws: WorkspaceError.self) { try RepoPath.validate("MLV~\(n)/config", context: "m") } }
  }

  @Test func lengthLimitsOfTheFilesystem() throws {
    let longest = String(repeating: "n", count: RepoPath.maxComponentBytes)
    try RepoPath.validate("a/" + longest, context: "m")
    let e = #expect(throws: WorkspaceError.self) { try RepoPath.validate("a/" + longest + "n", context: "m") }
    #expect(e?.description.contains("256 bytes long") == true)
    // Multi-byte names count bytes, not characters.
    #expect(throws: WorkspaceError.self) { try RepoPath.validate(String(repeating: "é", count: 128), context: "m") }
    let deep = Array(repeating: "d", count: RepoPath.maxPathBytes / 2).joined(separator: "/")
    try RepoPath.validate(deep, context: "m")
    try RepoPath.validate(deep + "/x", context: "m")  // exactly the limit
    #expect(throws: WorkspaceError.self) { try RepoPath.validate(deep + "/xy", context: "m") }
    try RepoPath.checkLength("x", root: "/repo", context: "m")
    #expect(throws: WorkspaceError.self) { try RepoPath.checkLength(deep, root: "/repo", context: "m") }
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
