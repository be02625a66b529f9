import Foundation
import MLVStore
import MLVSystem

#if canImport(Glibc)
  import Glibc
#endif

/// What `lstat` says about a file: if all of it is unchanged since the file was hashed,
/// its content id is taken from the cache instead of re-reading the file.
public struct FileStat: Equatable, Sendable {
  public var size: Int64
  public var mtimeNs: Int64
  public var ctimeNs: Int64
  public var inode: UInt64
  public var executable: Bool

  public init(size: Int64, mtimeNs: Int64, ctimeNs: Int64, inode: UInt64, executable: Bool) {
    self.size = size
    self.mtimeNs = mtimeNs
    self.ctimeNs = ctimeNs
    self.inode = inode
    self.executable = executable
  }

  init(_ st: stat) {
    size = Int64(st.st_size)
    mtimeNs = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
    ctimeNs = Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec)
    inode = UInt64(st.st_ino)
    executable = st.st_mode & 0o100 != 0
  }

  public static func of(_ path: String) -> FileStat? {
    var st = stat()
    guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
    return FileStat(st)
  }
}

/// Path → (stat, content id) for files mlv has hashed, so `status` on an unchanged
/// 20,000-file dataset reads no file contents (docs/design.md, "Stat cache"):
///
///     statcache = magic "MLVSTAT2"[8] count[u32 LE]
///                 (pathLength[u16 LE] path size[i64] mtimeNs[i64] ctimeNs[i64] inode[u64]
///                  executable[u8] id[32]) * count
///                 "MLVDIRS1"[8] count[u32 LE] (directory summary) * count
///                 checksum[32]                   SHA-256 of everything before it
///
/// The cache decides which id `add` records for an unchanged file, so a damaged entry
/// would make a commit lie (another file's id with this file's size). The checksum makes
/// any damage visible: such a cache is discarded whole, with a warning, and rebuilt.
///
/// "Racily clean" entries — a file modified in the same instant it was hashed could change
/// again without a new mtime — are not saved (git's racy-git rule).
public final class StatCache: @unchecked Sendable {
  public let path: String
  private var entries: [String: (FileStat, ObjectID)] = [:]
  /// Tracked directory → the digest of its files' paths and stats when its manifest id was
  /// last computed. An unchanged 20,000-file directory then needs no sorting and hashing
  /// of a 2 MB manifest: a sum of per-file hashes (order-independent) is enough.
  private var summaries: [String: DirectorySummary] = [:]
  static let summaryMagic: [UInt8] = Array("MLVDIRS1".utf8)
  private let lock = NSLock()
  private(set) var dirty = false
  /// Version 2 added the checksum; a version 1 cache is ignored (rebuilt) without a warning.
  static let magic: [UInt8] = Array("MLVSTAT2".utf8)
  static let previousMagics: [[UInt8]] = [Array("MLVSTAT1".utf8)]
  /// Longer than the coarsest kernel timestamp tick (10 ms at HZ=100).
  static let racyWindowNs: Int64 = 20_000_000
  /// The directory cache keys are relative to, for re-checking recent entries at save.
  public var rootForRecheck: String?
  /// Why the cache file on disk was discarded when loaded (nil: it was fine, absent or of
  /// an older format); reported once through `takeDiscardNotice`.
  private var discardReason: String?

  public init(path: String) {
    self.path = path
    load()
  }

  /// The warning for a damaged cache, once: the caller reports it where it can print.
  public func takeDiscardNotice() -> String? {
    lock.withLock {
      defer { discardReason = nil }
      return discardReason.map { "the stat cache \(path) is damaged (\($0)); ignoring it: files are hashed again and the cache is rebuilt" }
    }
  }

  /// All or nothing: a cache whose checksum fails, or that does not parse exactly to its
  /// end, is ignored whole (a damaged cache costs re-hashing, never a wrong id).
  private func load() {
    guard let bytes = try? FS.readAll(path), !bytes.isEmpty else { return }
    let head = Array(bytes.prefix(8))
    if Self.previousMagics.contains(head) { return }
    func discard(_ why: String) {
      discardReason = why
      dirty = true  // the next save replaces the damaged file
    }
    guard head == Self.magic else { return discard("unknown format") }
    guard bytes.count >= 8 + 4 + 12 + 32 else { return discard("truncated") }
    let body = bytes.count - 32
    let checksum = bytes.withUnsafeBytes { ObjectID.hash(UnsafeRawBufferPointer(rebasing: $0[0..<body])) }
    guard checksum.bytes.elementsEqual(bytes[body...]) else { return discard("checksum mismatch") }
    guard let (loaded, dirs) = Self.parse(bytes, end: body) else { return discard("malformed entries") }
    entries = loaded
    summaries = dirs
  }

  /// The entries and summaries of a cache whose checksum passed, or nil if they do not
  /// parse exactly to `end`.
  private static func parse(_ bytes: [UInt8], end: Int) -> ([String: (FileStat, ObjectID)], [String: DirectorySummary])? {
    var loaded: [String: (FileStat, ObjectID)] = [:]
    var dirs: [String: DirectorySummary] = [:]
    let complete: Bool = bytes.withUnsafeBytes { all in
      let p = UnsafeRawBufferPointer(rebasing: all[0..<end])
      let count = Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
      var o = 12
      loaded.reserveCapacity(min(count, p.count / 67))
      for _ in 0..<count {
        guard o + 2 <= p.count else { return false }
        let n = Int(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt16.self)))
        o += 2
        guard o + n + 65 <= p.count else { return false }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: p[o..<(o + n)]), as: UTF8.self)
        o += n
        func i64(_ at: Int) -> Int64 { Int64(littleEndian: p.loadUnaligned(fromByteOffset: at, as: Int64.self)) }
        let st = FileStat(
          size: i64(o), mtimeNs: i64(o + 8), ctimeNs: i64(o + 16), inode: UInt64(bitPattern: i64(o + 24)),
          executable: p[o + 32] != 0)
        loaded[name] = (st, ObjectID(bytes: p.baseAddress! + o + 33))
        o += 65
      }
      guard o + 12 <= p.count, Array(UnsafeRawBufferPointer(rebasing: p[o..<(o + 8)])) == Self.summaryMagic else {
        return false
      }
      let n = Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: o + 8, as: UInt32.self)))
      o += 12
      for _ in 0..<n {
        guard o + 2 <= p.count else { return false }
        let len = Int(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt16.self)))
        o += 2
        guard o + len + 64 <= p.count else { return false }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: p[o..<(o + len)]), as: UTF8.self)
        o += len
        func u64(_ at: Int) -> UInt64 { UInt64(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        guard let files = Int(exactly: u64(o + 16)) else { return false }
        dirs[name] = DirectorySummary(
          digest: .init(a: u64(o), b: u64(o + 8)), count: files, newestMtimeNs: Int64(bitPattern: u64(o + 24)),
          manifest: ObjectID(bytes: p.baseAddress! + o + 32))
        o += 64
      }
      return o == p.count
    }
    return complete ? (loaded, dirs) : nil
  }

  public struct Digest: Equatable, Sendable {
    var a: UInt64
    var b: UInt64
  }

  struct DirectorySummary {
    var digest: Digest
    var count: Int
    var newestMtimeNs: Int64
    var manifest: ObjectID
  }

  /// An order-independent digest of (path, stat) pairs: the wrapping sum of two
  /// independent 64-bit hashes per file (FNV-1a of the path, mixed with the stat fields).
  public static func digest(_ files: [String: (stat: FileStat, id: ObjectID)]) -> Digest {
    var d = Digest(a: 0, b: 0)
    for (path, value) in files {
      var h: UInt64 = 0xcbf2_9ce4_8422_2325
      for byte in path.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
      let st = value.stat
      h = mix(h ^ UInt64(bitPattern: st.size))
      h = mix(h ^ UInt64(bitPattern: st.mtimeNs))
      h = mix(h ^ UInt64(bitPattern: st.ctimeNs))
      h = mix(h ^ st.inode)
      h = mix(h ^ (st.executable ? 1 : 0))
      d.a &+= h
      d.b &+= mix(h ^ 0x9E37_79B9_7F4A_7C15)
    }
    return d
  }

  static func mix(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// The manifest id recorded for `dataPath` when its files had exactly these stats.
  public func manifestID(for dataPath: String, files: [String: (stat: FileStat, id: ObjectID)]) -> ObjectID? {
    let summary = lock.withLock { summaries[dataPath] }
    guard let summary, summary.count == files.count, summary.digest == Self.digest(files) else { return nil }
    return summary.manifest
  }

  public func recordManifestID(_ id: ObjectID, for dataPath: String, files: [String: (stat: FileStat, id: ObjectID)]) {
    let newest = files.values.map(\.stat.mtimeNs).max() ?? 0
    let summary = DirectorySummary(digest: Self.digest(files), count: files.count, newestMtimeNs: newest, manifest: id)
    lock.withLock {
      summaries[dataPath] = summary
      dirty = true
    }
  }

  public func lookup(_ relativePath: String, _ st: FileStat) -> ObjectID? {
    lock.lock()
    defer { lock.unlock() }
    guard let (cached, id) = entries[relativePath], cached == st else { return nil }
    return id
  }

  public func record(_ relativePath: String, _ st: FileStat, _ id: ObjectID) {
    lock.lock()
    defer { lock.unlock() }
    if let (cached, old) = entries[relativePath], cached == st, old == id { return }
    entries[relativePath] = (st, id)
    dirty = true
  }

  /// Drops the directory summary of `dataPath` (its manifest id is recomputed next time).
  public func forgetSummary(for dataPath: String) {
    lock.withLock {
      if summaries.removeValue(forKey: dataPath) != nil { dirty = true }
    }
  }

  public func forget(prefix: String) {
    lock.lock()
    defer { lock.unlock() }
    summaries = summaries.filter { !($0.key == prefix || $0.key.hasPrefix(prefix + "/")) }
    let before = entries.count
    entries = entries.filter { !($0.key == prefix || $0.key.hasPrefix(prefix + "/")) }
    if entries.count != before { dirty = true }
  }

  /// Writes the cache (atomically; not fsynced: losing it costs only re-hashing).
  ///
  /// Racy-clean handling: a file whose mtime falls in the current timestamp tick could be
  /// rewritten within that same tick without its mtime changing. Rather than dropping such
  /// entries (which would make the next command re-hash a just-restored 1 GiB model), save
  /// waits until the tick has passed (at most `racyWindowNs`, once per command) and keeps
  /// only entries whose file still has the recorded stat.
  public func save() {
    lock.lock()
    defer { lock.unlock() }
    guard dirty else { return }
    func now() -> Int64 {
      var ts = timespec()
      clock_gettime(CLOCK_REALTIME, &ts)
      return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
    // Entries whose mtime is in the current tick are racy: wait the tick out, then keep
    // only those whose file still has the recorded stat.
    let racyFrom = now() - Self.racyWindowNs
    let newest = entries.values.map { $0.0.mtimeNs }.max() ?? 0
    if newest >= racyFrom, rootForRecheck != nil {
      usleep(UInt32(max(0, min(newest + Self.racyWindowNs - now(), Self.racyWindowNs)) / 1000))
    }
    var keep: [String: (FileStat, ObjectID)] = [:]
    keep.reserveCapacity(entries.count)
    for (name, value) in entries where name.utf8.count < 65536 {
      if value.0.mtimeNs < racyFrom {
        keep[name] = value
      } else if let root = rootForRecheck, FileStat.of(root + "/" + name) == value.0 {
        keep[name] = value
      }
    }
    var out = Self.magic
    out.reserveCapacity(12 + keep.count * 110)
    func append<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    append(UInt32(keep.count))
    for (name, (st, id)) in keep {
      append(UInt16(name.utf8.count))
      out += name.utf8
      append(st.size)
      append(st.mtimeNs)
      append(st.ctimeNs)
      append(st.inode)
      out.append(st.executable ? 1 : 0)
      out += id.bytes
    }
    // A summary of a directory with a racily new file is kept only if it covers exactly
    // the entries under that directory and each racy one passed the re-check above;
    // otherwise the next status rebuilds it (an `add` of just-written files would else
    // leave the first status to redo the manifest).
    func settled(_ dir: String, _ s: DirectorySummary) -> Bool {
      if s.newestMtimeNs < racyFrom { return true }
      guard rootForRecheck != nil else { return false }
      var count = 0
      for (name, value) in entries where name.hasPrefix(dir + "/") {
        count += 1
        if value.0.mtimeNs >= racyFrom && keep[name] == nil { return false }
      }
      return count == s.count
    }
    let keptSummaries = summaries.filter { $0.key.utf8.count < 65536 && settled($0.key, $0.value) }
    out += Self.summaryMagic
    append(UInt32(keptSummaries.count))
    for (name, s) in keptSummaries {
      append(UInt16(name.utf8.count))
      out += name.utf8
      append(s.digest.a)
      append(s.digest.b)
      append(UInt64(s.count))
      append(UInt64(bitPattern: s.newestMtimeNs))
      out += s.manifest.bytes
    }
    // ~1.5 ms for a 20,000-file cache (2 MB at ~1.4 GB/s).
    out += ObjectID.hash(out).bytes
    try? FS.atomicWrite(out, to: path, durable: false)
    dirty = false
  }
}
