import Dispatch
import Foundation
import MLVStore
import MLVSystem

#if canImport(Glibc)
  import Glibc
#endif

/// Lists the regular files under a tracked directory with their `lstat` data, using
/// readdir/lstat directly (FileManager's enumerator costs ~10x more per entry, which is
/// most of a 20,000-file `status`).
///
/// Symbolic links are never followed: they are reported in `skippedLinks` and left out,
/// so a link inside a dataset cannot pull data from outside the repository into it.
public struct DirectoryWalker: Sendable {
  public struct Listing: Sendable {
    /// Paths relative to the walked directory.
    public var files: [(path: String, stat: FileStat)] = []
    public var skippedLinks: [String] = []
    public var skippedOther: [String] = []
  }

  let root: String
  let ignore: IgnoreRules

  /// `root` is the repository root; `ignore` is matched against repository-relative paths.
  public init(root: String, ignore: IgnoreRules) {
    self.root = root
    self.ignore = ignore
  }

  public func list(_ relativeDir: String) throws -> Listing {
    var listing = Listing()
    // The top level is read here; its subdirectories are walked on two threads, so the
    // 20,000 lstat calls of a class-per-folder dataset overlap on both cores.
    let subdirectories = try walk(relativeDir, prefix: "", into: &listing, descend: false)
    guard !subdirectories.isEmpty else { return listing }
    let parts = SharedSlots(repeating: Listing(), count: subdirectories.count)
    let errors = ErrorBox()
    let next = Counter()
    DispatchQueue.concurrentPerform(iterations: min(2, subdirectories.count)) { _ in
      while !errors.isSet, let k = next.take(below: subdirectories.count) {
        do {
          let (rel, inDir) = subdirectories[k]
          _ = try walk(rel, prefix: inDir, into: &parts[k], descend: true)
        } catch { errors.set(error) }
      }
    }
    if let e = errors.error { throw e }
    // Joined into one array reserved once (no regrowth copies of a million-entry listing),
    // each part released as soon as it is copied so the parts do not outlive the join.
    var total = listing.files.count
    for k in 0..<subdirectories.count { total += parts[k].files.count }
    listing.files.reserveCapacity(total)
    for k in 0..<subdirectories.count {
      listing.files += parts[k].files
      listing.skippedLinks += parts[k].skippedLinks
      listing.skippedOther += parts[k].skippedOther
      parts[k] = Listing()
    }
    return listing
  }

  /// Lists one directory into `listing`, recursing when `descend`; returns its
  /// subdirectories (repository-relative path, path inside the walked directory).
  @discardableResult
  private func walk(_ repoRelative: String, prefix: String, into listing: inout Listing, descend: Bool) throws
    -> [(String, String)]
  {
    let dirPath = root + "/" + repoRelative
    guard let dir = opendir(dirPath) else {
      throw IOError(path: dirPath, operation: .list, errno: errno)
    }
    defer { closedir(dir) }
    let fd = dirfd(dir)
    var subdirectories: [(String, String)] = []
    while let entry = readdir(dir) {
      var st = stat()
      let item: (name: String, raw: Bool)? = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        let cName = raw.bindMemory(to: CChar.self).baseAddress!
        let bytes = UnsafeRawBufferPointer(start: raw.baseAddress!, count: strlen(cName))
        if bytes.count <= 2 && bytes.allSatisfy({ $0 == UInt8(ascii: ".") }) { return nil }
        // lstat relative to the open directory: no path resolution from the root per file.
        guard fstatat(fd, cName, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }  // vanished
        // Names that are not UTF-8 or hold control characters cannot be written into a
        // manifest or printed safely: they are reported, never silently dropped.
        guard let name = String(validating: bytes, as: UTF8.self), !bytes.contains(where: { $0 < 0x20 || $0 == 0x7f })
        else {
          let shown = String(decoding: bytes, as: UTF8.self).unicodeScalars
            .map { $0.value < 0x20 || $0.value == 0x7f ? "?" : String($0) }.joined()
          return (shown, true)
        }
        return (name, false)
      }
      guard let (name, unsupported) = item else { continue }
      let inDir = prefix.isEmpty ? name : prefix + "/" + name
      if unsupported {
        listing.skippedOther.append(inDir)
        continue
      }
      // A nested repository's own directory is left out quietly; any other name that some
      // filesystem reads as .git or .mlv (".GIT", "git~1") could never be checked out.
      if name == ".git" || name == ".mlv" { continue }
      if RepoPath.reservedName(name) != nil {
        listing.skippedOther.append(inDir)
        continue
      }
      switch st.st_mode & S_IFMT {
      case S_IFDIR:
        if ignore.isIgnored(parent: repoRelative, name: name, isDirectory: true) { continue }
        subdirectories.append((repoRelative + "/" + name, inDir))
      case S_IFREG:
        if ignore.isIgnored(parent: repoRelative, name: name, isDirectory: false) { continue }
        listing.files.append((inDir, FileStat(st)))
      case S_IFLNK:
        if !ignore.isIgnored(parent: repoRelative, name: name, isDirectory: false) { listing.skippedLinks.append(inDir) }
      default:
        listing.skippedOther.append(inDir)
      }
    }
    if descend {
      for (rel, inDir) in subdirectories { try walk(rel, prefix: inDir, into: &listing, descend: true) }
    }
    return subdirectories
  }
}
