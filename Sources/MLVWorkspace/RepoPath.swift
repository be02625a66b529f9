import Foundation
import MLVStore

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
    func bad(_ why: String) -> WorkspaceError { .forbiddenPath(context, reason: why) }
    guard !path.isEmpty else { throw bad("empty path") }
    guard !path.hasPrefix("/") else { throw bad("absolute path \(path) is not allowed") }
    guard !path.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }) else { throw bad("path contains control characters") }
    for component in path.split(separator: "/", omittingEmptySubsequences: false) {
      switch component {
      case "": throw bad("path \(path) has an empty component")
      case ".", "..": throw bad("path \(path) contains '\(component)'")
      case ".git", ".mlv": throw bad("path \(path) enters \(component)")
      default: continue
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
        throw StoreError.io(path: current, operation: "create directory", errno: errno)
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
