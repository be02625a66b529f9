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
  /// The longest name one directory entry may have (NAME_MAX, bytes).
  public static let maxComponentBytes = Int(NAME_MAX)
  /// The longest path the kernel accepts, without its terminating NUL (PATH_MAX - 1:
  /// 4095 bytes on Linux, 1023 on macOS). Checked before anything is written, so a hostile
  /// manifest of deeply nested paths is refused whole instead of after creating thousands
  /// of directories.
  public static let maxPathBytes = Int(PATH_MAX) - 1

  /// Checks a '/'-separated relative path: not empty, not absolute, no '.', '..' or empty
  /// components, no NUL or control characters, no component longer than NAME_MAX, not
  /// longer than PATH_MAX, and no component that a filesystem could take for `.git` or
  /// `.mlv` (see `reservedComponent`).
  public static func validate(_ path: String, context: String) throws {
    try validateBytes(path, context: context)
  }

  /// Checked on the UTF-8 bytes in one pass: manifests hold up to a million paths. Most
  /// components start with a byte that no reserved name can start with and contain no
  /// backslash or non-ASCII byte, so the careful checks run on few of them.
  public static func validateBytes(_ path: String, context: String) throws {
    var path = path
    try path.withUTF8 { b in
      func bad(_ why: String) -> WorkspaceError { .forbiddenPath(context, reason: why) }
      func shown() -> String { String(decoding: b, as: UTF8.self) }
      guard !b.isEmpty else { throw bad("empty path") }
      guard b[0] != UInt8(ascii: "/") else { throw bad("absolute path \(shown()) is not allowed") }
      guard b.count <= maxPathBytes else {
        throw bad("path is \(b.count) bytes long; the filesystem allows at most \(maxPathBytes)")
      }
      var start = 0
      var unusual = false  // a backslash or a non-ASCII byte in the current component
      for i in 0...b.count {
        if i < b.count {
          let c = b[i]
          if c < 0x20 || c == 0x7f { throw bad("path contains control characters") }
          if c != UInt8(ascii: "/") {
            if c >= 0x80 || c == UInt8(ascii: "\\") { unusual = true }
            continue
          }
        }
        let comp = UnsafeBufferPointer(rebasing: b[start..<i])
        switch comp.count {
        case 0: throw bad("path \(shown()) has an empty component")
        case 1 where comp[0] == UInt8(ascii: "."), 2 where comp[0] == UInt8(ascii: ".") && comp[1] == UInt8(ascii: "."):
          throw bad("path \(shown()) contains '\(String(decoding: comp, as: UTF8.self))'")
        case (maxComponentBytes + 1)...:
          throw bad("a name in \(shown()) is \(comp.count) bytes long; the filesystem allows at most \(maxComponentBytes)")
        default: break
        }
        if unusual || mayStartReservedName(comp[0]), let reserved = reservedComponent(comp) {
          throw bad("path \(shown()) enters \(reserved) (\(String(decoding: comp, as: UTF8.self)) is \(reserved) on some filesystems)")
        }
        start = i + 1
        unusual = false
      }
    }
  }

  /// Refuses a path whose absolute form (`root/relative`) is longer than the kernel
  /// accepts; checked for every file before a checkout writes any of them.
  public static func checkLength(_ relative: String, root: String, context: String) throws {
    let n = root.utf8.count + 1 + relative.utf8.count
    if n > maxPathBytes {
      throw WorkspaceError.forbiddenPath(
        context, reason: "\(root)/\(relative) would be \(n) bytes long; the filesystem allows at most \(maxPathBytes)")
    }
  }

  /// A component that some filesystem resolves to the name git or mlv keeps its own data
  /// under: ".git" or ".mlv" when it is one of the names below, else nil. Writing such a
  /// name would let a teammate's commit plant `.git/hooks/post-checkout` on macOS or
  /// Windows. The rules are git's own `verify_path` (read-cache.c) with core.protectHFS and
  /// core.protectNTFS on, applied to `.mlv` as well:
  /// - any case of the name (".GIT"): case-insensitive filesystems;
  /// - followed only by spaces and periods, up to the end or a ':' (".git. ", ".git::$DATA"):
  ///   NTFS drops trailing dots and spaces and reads ':' as an alternate data stream;
  /// - the 8.3 short names "git~1" / "mlv~1" (NTFS gives ".git" the short name GIT~1); git
  ///   checks only ~1, mlv also ~2 to ~4 (".mlv" is not always the first such name);
  /// - each segment between backslashes, which NTFS reads as directory separators;
  /// - the name with HFS+ ignorable code points (U+200C–200F, 202A–202E, 206A–206F, FEFF)
  ///   anywhere in it, which HFS+ drops when it compares names (is_hfs_dotgit, utf8.c).
  public static func reservedComponent(_ comp: UnsafeBufferPointer<UInt8>) -> String? {
    var segment = 0
    for i in 0...comp.count where i == comp.count || comp[i] == UInt8(ascii: "\\") {
      if let name = ntfsAlias(UnsafeBufferPointer(rebasing: comp[segment..<i])) { return name }
      segment = i + 1
    }
    return hfsAlias(comp)
  }

  /// `reservedComponent` of one name (a String), for callers outside the byte loop.
  public static func reservedName(_ name: String) -> String? {
    var name = name
    return name.withUTF8 { reservedComponent($0) }
  }

  /// Whether a component starting with `c` can be reserved at all when it holds only ASCII
  /// and no backslash: ".git", "git~1", ".mlv", "mlv~1" in any case.
  @inline(__always) static func mayStartReservedName(_ c: UInt8) -> Bool {
    c == UInt8(ascii: ".") || c | 0x20 == UInt8(ascii: "g") || c | 0x20 == UInt8(ascii: "m")
  }

  /// "git" or "mlv" in any case at `s[at..<at+3]`: the reserved name it spells, or nil.
  @inline(__always) static func spellsReserved(_ s: UnsafeBufferPointer<UInt8>, at: Int) -> String? {
    guard s.count >= at + 3 else { return nil }
    let (a, b, c) = (s[at] | 0x20, s[at + 1] | 0x20, s[at + 2] | 0x20)
    if a == UInt8(ascii: "g") && b == UInt8(ascii: "i") && c == UInt8(ascii: "t") { return ".git" }
    if a == UInt8(ascii: "m") && b == UInt8(ascii: "l") && c == UInt8(ascii: "v") { return ".mlv" }
    return nil
  }

  /// git's is_ntfs_dotgit (path.c) for ".git" and ".mlv".
  static func ntfsAlias(_ s: UnsafeBufferPointer<UInt8>) -> String? {
    let name: String
    var i: Int
    if s.count >= 4, s[0] == UInt8(ascii: "."), let n = spellsReserved(s, at: 1) {
      (name, i) = (n, 4)
    } else if s.count >= 5, let n = spellsReserved(s, at: 0), s[3] == UInt8(ascii: "~"),
      (UInt8(ascii: "1")...UInt8(ascii: "4")).contains(s[4])
    {
      (name, i) = (n, 5)
    } else {
      return nil
    }
    while i < s.count {
      if s[i] == UInt8(ascii: ":") { return name }
      if s[i] != UInt8(ascii: " ") && s[i] != UInt8(ascii: ".") { return nil }
      i += 1
    }
    return name
  }

  /// git's is_hfs_dotgit (utf8.c) for ".git" and ".mlv": the name is exactly "." and the
  /// three letters once the ignorable code points are dropped. Only names with a non-ASCII
  /// byte need this (an all-ASCII name is covered by `ntfsAlias`).
  static func hfsAlias(_ s: UnsafeBufferPointer<UInt8>) -> String? {
    guard s.contains(where: { $0 >= 0x80 }) else { return nil }
    var kept: [UInt8] = []
    var i = 0
    while i < s.count {
      let c = s[i]
      if c < 0x80 {
        kept.append(c)
        i += 1
      } else if c >= 0xE0 && c < 0xF0 && i + 2 < s.count {
        let cp = UInt32(c & 0x0F) << 12 | UInt32(s[i + 1] & 0x3F) << 6 | UInt32(s[i + 2] & 0x3F)
        if !hfsIgnorable(cp) { return nil }  // any other non-ASCII character: not the name
        i += 3
      } else {
        return nil
      }
      if kept.count > 4 { return nil }
    }
    guard kept.count == 4, kept[0] == UInt8(ascii: ".") else { return nil }
    return kept.withUnsafeBufferPointer { spellsReserved($0, at: 1) }
  }

  /// Code points HFS+ ignores when comparing names (git's next_hfs_char).
  static func hfsIgnorable(_ cp: UInt32) -> Bool {
    (0x200C...0x200F).contains(cp) || (0x202A...0x202E).contains(cp) || (0x206A...0x206F).contains(cp) || cp == 0xFEFF
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
