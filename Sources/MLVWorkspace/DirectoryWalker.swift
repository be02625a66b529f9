import Dispatch
import Foundation
import MLVStore
import MLVSystem

#if canImport(Glibc)
  import Glibc
#endif

/// Lists the regular files under a tracked directory with their `lstat` data, using
/// readdir/lstat directly (FileManager's enumerator costs ~10x more per entry, which is
/// most of a 20,000-file `status`). With a `ListingCache`, a directory unchanged since it
/// was last read is not read again: its recorded names are looked up one by one.
///
/// Symbolic links are never followed: they are reported in `skippedLinks` and left out,
/// so a link inside a dataset cannot pull data from outside the repository into it.
public struct DirectoryWalker: Sendable {
  /// The files found, with their stats and the stat cache's digest of them. Paths are kept
  /// as UTF-8 bytes back to back, not as one String each: an unchanged directory is told by
  /// `count` and `digest` alone (StatCache.manifestID, TreeScan), and making 20,000 path
  /// strings, copying them into one array and freeing them again was a fifth of a `status`
  /// that changed nothing. `files()` makes the strings when a caller needs them.
  public struct Listing: Sendable {
    /// The files of one walk: the top level, or the subdirectories one thread walked. Kept
    /// as made: joining them into one array would copy (and fault in) every byte again.
    struct Segment: Sendable {
      var pathBytes: [UInt8] = []
      /// `pathEnds[k]` is where file k's path ends in `pathBytes` (it starts where k-1's ends).
      var pathEnds: [Int] = []
      var stats: [FileStat] = []
    }

    var segments = [Segment()]
    public private(set) var count = 0
    /// `StatCache.digest` of (path, stat) over the files, summed as they are listed.
    public private(set) var digest = StatCache.Digest(a: 0, b: 0)
    public var skippedLinks: [String] = []
    public var skippedOther: [String] = []

    public init() {}

    /// Every file with its stat, in listing order: one String per file, made on each call.
    public func files() -> [(path: String, stat: FileStat)] {
      var out: [(path: String, stat: FileStat)] = []
      out.reserveCapacity(count)
      for segment in segments {
        segment.pathBytes.withUnsafeBufferPointer { bytes in
          var start = 0
          for (end, stat) in zip(segment.pathEnds, segment.stats) {
            out.append((String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self), stat))
            start = end
          }
        }
      }
      return out
    }

    /// Adds a file whose path is `prefix` (the directory's path inside the walked one, with
    /// a trailing "/", or empty) followed by `name`; `prefixHash` is `prefix`'s path hash.
    mutating func append(prefix: [UInt8], prefixHash: UInt64, name: UnsafeRawBufferPointer, stat: FileStat) {
      let last = segments.count - 1
      segments[last].pathBytes.append(contentsOf: prefix)
      segments[last].pathBytes.append(contentsOf: name)
      segments[last].pathEnds.append(segments[last].pathBytes.count)
      segments[last].stats.append(stat)
      count += 1
      let (a, b) = StatCache.fileHash(pathHash: StatCache.pathHash(prefixHash, name), stat)
      digest.a &+= a
      digest.b &+= b
    }

    /// Takes `other`'s files (its segments, not copied) and skipped paths after this one's.
    mutating func append(contentsOf other: Listing) {
      segments += other.segments.filter { !$0.stats.isEmpty }
      count += other.count
      digest.a &+= other.digest.a
      digest.b &+= other.digest.b
      skippedLinks += other.skippedLinks
      skippedOther += other.skippedOther
    }
  }

  let root: String
  let ignore: IgnoreRules
  /// Where directories' names are taken from while their stat is unchanged, and recorded.
  let listings: ListingCache?

  /// `root` is the repository root; `ignore` is matched against repository-relative paths;
  /// `listings`, when given, is the listing cache of the directory about to be listed.
  init(root: String, ignore: IgnoreRules, listings: ListingCache?) {
    self.root = root
    self.ignore = ignore
    self.listings = listings
  }

  /// `root` is the repository root; `ignore` is matched against repository-relative paths.
  public init(root: String, ignore: IgnoreRules) {
    self.init(root: root, ignore: ignore, listings: nil)
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
    // Each part released as soon as it is taken, so the parts do not outlive the join.
    for k in 0..<subdirectories.count {
      listing.append(contentsOf: parts[k])
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
    // Every caller found this a directory with lstat, and a subdirectory is one by fstatat
    // without following links: O_NOFOLLOW refuses one swapped for a link since (ELOOP).
    let fd = open(dirPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
    guard fd >= 0 else { throw IOError(path: dirPath, operation: .list, errno: errno) }
    var subdirectories: [(String, String)] = []
    // Every file path here starts with this prefix: its bytes and hash are made once.
    let prefixBytes = Array((prefix.isEmpty ? "" : prefix + "/").utf8)
    let prefixHash = StatCache.pathHash(StatCache.pathHashBasis, prefixBytes)
    // One entry other than "." and "..": its name's bytes, and the same NUL-terminated.
    func entry(_ bytes: UnsafeRawBufferPointer, _ cName: UnsafePointer<CChar>) {
      var st = stat()
      // lstat relative to the open directory: no path resolution from the root per file.
      guard fstatat(fd, cName, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return }  // vanished
      // Names that are not UTF-8 or hold control characters cannot be written into a
      // manifest or printed safely: they are reported, never silently dropped. Plain
      // ASCII, nearly every name, needs no UTF-8 validation.
      let name: String
      if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) {
        name = String(decoding: bytes, as: UTF8.self)
      } else if let valid = String(validating: bytes, as: UTF8.self), !bytes.contains(where: { $0 < 0x20 || $0 == 0x7f }) {
        name = valid
      } else {
        let shown = String(decoding: bytes, as: UTF8.self).unicodeScalars
          .map { $0.value < 0x20 || $0.value == 0x7f ? "?" : String($0) }.joined()
        listing.skippedOther.append(prefix.isEmpty ? shown : prefix + "/" + shown)
        return
      }
      visit(name, bytes, st, parent: repoRelative, prefix: prefix, prefixBytes, prefixHash, &listing, &subdirectories)
    }
    // A directory whose stat is the one its cached names were read at is not read again.
    let startedAt = listings?.listingStarts() ?? 0
    let before = listings == nil ? nil : ListingCache.DirStat(fd: fd)
    if let listings, let before, listings.forEachName(at: prefix, before, entry) {
      close(fd)
    } else {
      guard let dir = fdopendir(fd) else {
        let e = errno
        close(fd)
        throw IOError(path: dirPath, operation: .list, errno: e)
      }
      defer { closedir(dir) }
      var names: [UInt8] = []
      while let e = readdir(dir) {
        withUnsafeBytes(of: e.pointee.d_name) { (raw: UnsafeRawBufferPointer) -> Void in
          guard let base = raw.baseAddress else { return }
          let cName = base.assumingMemoryBound(to: CChar.self)
          let bytes = UnsafeRawBufferPointer(start: base, count: strnlen(cName, raw.count))
          if bytes.count <= 2 && bytes.allSatisfy({ $0 == UInt8(ascii: ".") }) { return }
          if listings != nil {
            names += bytes
            names.append(0)
          }
          entry(bytes, cName)
        }
      }
      if let listings, let before {
        listings.record(at: prefix, startedAt: startedAt, before: before, after: ListingCache.DirStat(fd: fd), names: names)
      }
    }
    if descend {
      for (rel, inDir) in subdirectories { try walk(rel, prefix: inDir, into: &listing, descend: true) }
    }
    return subdirectories
  }

  /// Sorts one directory entry with a valid name into the listing: a file is appended (its
  /// path as bytes), a subdirectory returned for walking, anything else reported.
  private func visit(
    _ name: String, _ bytes: UnsafeRawBufferPointer, _ st: stat, parent repoRelative: String, prefix: String,
    _ prefixBytes: [UInt8], _ prefixHash: UInt64, _ listing: inout Listing, _ subdirectories: inout [(String, String)]
  ) {
    func inDir() -> String { prefix.isEmpty ? name : prefix + "/" + name }
    // A nested repository's own directory is left out quietly; any other name that some
    // filesystem reads as .git or .mlv (".GIT", "git~1") could never be checked out.
    if name == ".git" || name == ".mlv" { return }
    if RepoPath.reservedName(name) != nil {
      listing.skippedOther.append(inDir())
      return
    }
    switch st.st_mode & S_IFMT {
    case S_IFDIR:
      if ignore.isIgnored(parent: repoRelative, name: name, isDirectory: true) { return }
      subdirectories.append((repoRelative + "/" + name, inDir()))
    case S_IFREG:
      if ignore.isIgnored(parent: repoRelative, name: name, isDirectory: false) { return }
      listing.append(prefix: prefixBytes, prefixHash: prefixHash, name: bytes, stat: FileStat(st))
    case S_IFLNK:
      if !ignore.isIgnored(parent: repoRelative, name: name, isDirectory: false) { listing.skippedLinks.append(inDir()) }
    default:
      listing.skippedOther.append(inDir())
    }
  }
}
