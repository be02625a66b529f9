import Foundation
import MLVStore
import MLVSystem

#if canImport(Glibc)
  import Glibc
#endif

/// Validation of repository-relative paths taken from pointer files, manifests and the
/// command line. Anything that could name a place outside the repository, or inside mlv's
/// or git's own directories, is rejected before it reaches the filesystem.
public enum RepoPath {
  /// Checks a '/'-separated relative path: not empty, not absolute, no '.', '..' or empty
  /// components, no NUL or control characters, and no `.git` / `.mlv` component.
  public static func validate(_ path: String, context: String) throws {
    try validateBytes(path, context: context)
  }

  /// Checked on the UTF-8 bytes in one pass: manifests hold tens of thousands of paths.
  public static func validateBytes(_ path: String, context: String) throws {
    var path = path
    try path.withUTF8 { b in
      func bad(_ why: String) -> WorkspaceError { .forbiddenPath(context, reason: why) }
      guard !b.isEmpty else { throw bad("empty path") }
      guard b[0] != UInt8(ascii: "/") else { throw bad("absolute path \(String(decoding: b, as: UTF8.self)) is not allowed") }
      var start = 0
      for i in 0...b.count {
        if i < b.count {
          let c = b[i]
          if c < 0x20 || c == 0x7f { throw bad("path contains control characters") }
          if c != UInt8(ascii: "/") { continue }
        }
        let comp = UnsafeBufferPointer(rebasing: b[start..<i])
        switch comp.count {
        case 0: throw bad("path \(String(decoding: b, as: UTF8.self)) has an empty component")
        case 1 where comp[0] == UInt8(ascii: "."), 2 where comp[0] == UInt8(ascii: ".") && comp[1] == UInt8(ascii: "."):
          throw bad("path \(String(decoding: b, as: UTF8.self)) contains '\(String(decoding: comp, as: UTF8.self))'")
        case 4 where comp.elementsEqual(".git".utf8), 4 where comp.elementsEqual(".mlv".utf8):
          throw bad("path \(String(decoding: b, as: UTF8.self)) enters \(String(decoding: comp, as: UTF8.self))")
        default: break
        }
        start = i + 1
      }
    }
  }

  /// Makes the parent directories of `relative` under `root`, refusing to pass through a
  /// symbolic link or a non-directory: a hostile manifest entry `a/b` where `a` is a link to
  /// /etc must never write into /etc.
  public static func prepareParents(of relative: String, root: String) throws {
    var current = root
    let parts = relative.split(separator: "/").dropLast()
    for part in parts {
      current += "/" + part
      var st = stat()
      if lstat(current, &st) == 0 {
        if (st.st_mode & S_IFMT) == S_IFLNK { throw WorkspaceError.symlinkInPath(relative, link: current) }
        if (st.st_mode & S_IFMT) != S_IFDIR {
          throw WorkspaceError.forbiddenPath(relative, reason: "\(current) is not a directory")
        }
      } else if mkdir(current, 0o755) != 0 && errno != EEXIST {
        throw IOError(path: current, operation: .createDirectory, errno: errno)
      }
    }
  }

  /// Refuses a path whose existing components (below the root) include a symbolic link.
  public static func checkNoSymlinks(_ relative: String, root: String, includingLeaf: Bool) throws {
    var current = root
    let parts = relative.split(separator: "/")
    for (i, part) in parts.enumerated() {
      current += "/" + part
      if i == parts.count - 1 && !includingLeaf { break }
      var st = stat()
      guard lstat(current, &st) == 0 else { return }
      if (st.st_mode & S_IFMT) == S_IFLNK { throw WorkspaceError.symlinkInPath(relative, link: current) }
    }
  }

  /// Turns a command-line path (absolute or relative to `cwd`) into a normalised
  /// repository-relative path, or throws when it is outside `root`.
  public static func relativize(_ arg: String, cwd: String, root: String) throws -> String {
    let absolute = arg.hasPrefix("/") ? arg : cwd + "/" + arg
    var parts: [Substring] = []
    for c in absolute.split(separator: "/") {
      if c == "." { continue }
      if c == ".." {
        if !parts.isEmpty { parts.removeLast() }
        continue
      }
      parts.append(c)
    }
    let normalized = "/" + parts.joined(separator: "/")
    let rootNorm = root.hasSuffix("/") ? String(root.dropLast()) : root
    if normalized == rootNorm { return "" }
    guard normalized.hasPrefix(rootNorm + "/") else { throw WorkspaceError.pathOutsideRepository(arg) }
    return String(normalized.dropFirst(rootNorm.count + 1))
  }
}
