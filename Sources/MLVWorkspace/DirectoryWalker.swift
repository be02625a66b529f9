import Foundation
import MLVStore

#if canImport(Glibc)
  import Glibc
#endif

/// Lists the regular files under a tracked directory with their `lstat` data, using
/// readdir/lstat directly (FileManager's enumerator costs ~10x more per entry, which is
/// most of a 20,000-file `status`).
///
/// Symbolic links are never followed: they are reported in `skippedLinks` and left out,
/// so a link inside a dataset cannot pull data from outside the repository into it.
public struct DirectoryWalker {
  public struct Listing {
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
    try walk(relativeDir, prefix: "", into: &listing)
    return listing
  }

  private func walk(_ repoRelative: String, prefix: String, into listing: inout Listing) throws {
    let dirPath = root + "/" + repoRelative
    guard let dir = opendir(dirPath) else {
      throw StoreError.io(path: dirPath, operation: "open directory", errno: errno)
    }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let raw = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        Array(UnsafeBufferPointer(start: raw.bindMemory(to: UInt8.self).baseAddress!, count: strlen(raw.bindMemory(to: CChar.self).baseAddress!)))
      }
      // Names that are not UTF-8 or hold control characters cannot be written into a
      // manifest or printed safely: they are reported, never silently dropped.
      guard let name = String(validating: raw, as: UTF8.self), !raw.contains(where: { $0 < 0x20 || $0 == 0x7f }) else {
        let shown = String(decoding: raw, as: UTF8.self).unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "?" : String($0) }.joined()
        listing.skippedOther.append(prefix.isEmpty ? shown : prefix + "/" + shown)
        continue
      }
      if name == "." || name == ".." { continue }
      names.append(name)
    }
    for name in names {
      let rel = repoRelative + "/" + name
      let inDir = prefix.isEmpty ? name : prefix + "/" + name
      var st = stat()
      guard lstat(root + "/" + rel, &st) == 0 else { continue }  // vanished meanwhile
      switch st.st_mode & S_IFMT {
      case S_IFDIR:
        if name == ".git" || name == ".mlv" || ignore.isIgnored(rel, isDirectory: true) { continue }
        try walk(rel, prefix: inDir, into: &listing)
      case S_IFREG:
        if ignore.isIgnored(rel, isDirectory: false) { continue }
        listing.files.append((inDir, FileStat(st)))
      case S_IFLNK:
        if !ignore.isIgnored(rel, isDirectory: false) { listing.skippedLinks.append(inDir) }
      default:
        listing.skippedOther.append(inDir)
      }
    }
  }
}
