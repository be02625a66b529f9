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

  /// Now, in nanoseconds since the epoch, on the clock file timestamps are taken from
  /// (what racily-clean stats and trusted directory listings are judged against).
  static func clockNs() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
  }

  public init(size: Int64, mtimeNs: Int64, ctimeNs: Int64, inode: UInt64, executable: Bool) {
    self.size = size
    self.mtimeNs = mtimeNs
    self.ctimeNs = ctimeNs
    self.inode = inode
    self.executable = executable
  }

  /// The bytes of one stat in the stat cache's and the leaf cache's files: size, mtimeNs,
  /// ctimeNs and inode (8 bytes each, little-endian), then the executable bit (one byte).
  static let byteCount = 33

  /// Reads a stat stored by `write(to:)` (`byteCount` bytes at `p`, unaligned).
  init(bytes p: UnsafeRawPointer) {
    func i64(_ at: Int) -> Int64 { Int64(littleEndian: p.loadUnaligned(fromByteOffset: at, as: Int64.self)) }
    self.init(
      size: i64(0), mtimeNs: i64(8), ctimeNs: i64(16), inode: UInt64(bitPattern: i64(24)),
      executable: p.load(fromByteOffset: 32, as: UInt8.self) != 0)
  }

  /// Stores the stat in `byteCount` bytes at `p`.
  func write(to p: UnsafeMutableRawPointer) {
    p.storeBytes(of: size.littleEndian, toByteOffset: 0, as: Int64.self)
    p.storeBytes(of: mtimeNs.littleEndian, toByteOffset: 8, as: Int64.self)
    p.storeBytes(of: ctimeNs.littleEndian, toByteOffset: 16, as: Int64.self)
    p.storeBytes(of: inode.littleEndian, toByteOffset: 24, as: UInt64.self)
    p.storeBytes(of: UInt8(executable ? 1 : 0), toByteOffset: 32, as: UInt8.self)
  }

  init(_ st: stat) {
    size = Int64(st.st_size)
    // Wrapping: a file dated past the year 2262 (`touch -d 2500-01-01`) must not trap. The
    // value is only ever compared for equality, and wrapping keeps it a function of the stat.
    mtimeNs = Int64(st.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(st.st_mtim.tv_nsec)
    ctimeNs = Int64(st.st_ctim.tv_sec) &* 1_000_000_000 &+ Int64(st.st_ctim.tv_nsec)
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
/// dataset reads no file contents (docs/design.md, "Stat cache"):
///
///     statcache = magic "MLVSTAT3"[8] dirsLength[u64 LE]
///                 dirs: count[u32 LE] (directory summary) * count
///                 dirsChecksum[32]               SHA-256 of everything before it
///                 files: count[u32 LE]
///                        (pathLength[u16 LE] path size[i64] mtimeNs[i64] ctimeNs[i64]
///                         inode[u64] executable[u8] id[32]) * count
///                 checksum[32]                   SHA-256 of everything before it
///
/// The directory summaries come first with their own checksum so that `status` of
/// unchanged data reads only them: a million-file cache is ~70 MB of file entries, and
/// parsing them into a table costs more than the `lstat` of every file. The file entries
/// are read the first time one is needed.
///
/// The cache decides which id `add` records for an unchanged file, so a damaged entry
/// would make a commit lie (another file's id with this file's size). The checksums make
/// any damage visible: such a cache is discarded whole, with a warning, and rebuilt.
///
/// "Racily clean" entries — a file modified in the same instant it was hashed could change
/// again without a new mtime — are not saved (git's racy-git rule).
public final class StatCache: @unchecked Sendable {
  public let path: String
  /// Loaded on first use (`loadEntries`); `entriesState` says whether that happened.
  private var entryTable = StatTable()
  private var entriesLoaded = false

  /// Tracked directory → the digest of its files' paths and stats when its manifest id was
  /// last computed. An unchanged 20,000-file directory then needs no sorting and hashing
  /// of a 2 MB manifest: a sum of per-file hashes (order-independent) is enough.
  private var summaries: [String: DirectorySummary] = [:]
  static let summaryMagic: [UInt8] = Array("MLVDIRS1".utf8)
  private let lock = NSLock()
  private(set) var dirty = false
  /// Version 2 added the checksum, version 3 put the summaries first; older caches are
  /// ignored (rebuilt) without a warning.
  static let magic: [UInt8] = Array("MLVSTAT3".utf8)
  static let previousMagics: [[UInt8]] = [Array("MLVSTAT1".utf8), Array("MLVSTAT2".utf8)]
  /// Longer than the coarsest kernel timestamp tick (10 ms at HZ=100).
  static let racyWindowNs: Int64 = 20_000_000
  /// The directory cache keys are relative to, for re-checking recent entries at save.
  public var rootForRecheck: String?
  /// Why the cache file on disk was discarded when loaded (nil: it was fine, absent or of
  /// an older format); reported once through `takeDiscardNotice`.
  private var discardReason: String?
  /// Where a damage found after loading (in the file entries, read on first use) is
  /// reported; without it the notice waits for `takeDiscardNotice`.
  public var onDiscard: (@Sendable (String) -> Void)?

  public init(path: String) {
    self.path = path
    load()
  }

  /// The warning for a damaged cache, once: the caller reports it where it can print.
  public func takeDiscardNotice() -> String? {
    lock.withLock { takeNoticeLocked() }
  }

  private func takeNoticeLocked() -> String? {
    defer { discardReason = nil }
    return discardReason.map { "the stat cache \(path) is damaged (\($0)); ignoring it: files are hashed again and the cache is rebuilt" }
  }

  /// All or nothing: a cache whose checksum fails, or that does not parse exactly to its
  /// end, is ignored whole (a damaged cache costs re-hashing, never a wrong id). Reads the
  /// summaries only; the file entries wait for `loadEntriesLocked`.
  private func load() {
    guard let file = try? POSIXFile.openForReading(path), let size = try? file.size(), size > 0 else {
      entriesLoaded = true
      return
    }
    func discard(_ why: String) {
      discardReason = why
      dirty = true  // the next save replaces the damaged file
      entriesLoaded = true
    }
    guard let head = try? file.read(count: 16, at: 0) else { return discard("unreadable") }
    if Self.previousMagics.contains(Array(head.prefix(8))) {
      entriesLoaded = true
      return
    }
    guard head.count == 16 else { return discard("truncated") }
    guard Array(head[0..<8]) == Self.magic else { return discard("unknown format") }
    let dirsLength = head[8..<16].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    guard dirsLength >= 4, dirsLength <= UInt64(size), 16 + Int64(dirsLength) + 32 + 4 + 32 <= size else {
      return discard("truncated")
    }
    let dirsEnd = 16 + Int(dirsLength)
    guard let front = try? file.read(count: dirsEnd + 32, at: 0), front.count == dirsEnd + 32 else {
      return discard("truncated")
    }
    let checksum = front.withUnsafeBytes { ObjectID.hash(UnsafeRawBufferPointer(rebasing: $0[0..<dirsEnd])) }
    guard checksum.bytes.elementsEqual(front[dirsEnd...]) else { return discard("checksum mismatch") }
    guard let dirs = Self.parseSummaries(front, from: 16, end: dirsEnd) else { return discard("malformed summaries") }
    summaries = dirs
  }

  /// Reads the file entries, once; a damaged part discards the whole cache. The caller
  /// holds `lock` (or is `init`).
  private func loadEntriesLocked() {
    guard !entriesLoaded else { return }
    entriesLoaded = true
    func discard(_ why: String) {
      discardReason = why
      dirty = true
      summaries = [:]
      if let onDiscard, let notice = takeNoticeLocked() { onDiscard(notice) }
    }
    // The file is read again: another mlv may have replaced it since `load`, so its own
    // header says where its entries start.
    do {
      guard let table = try Self.readEntries(path) else { return discard("malformed entries") }
      entryTable = table
    } catch let e as Damage {
      discard(e.reason)
    } catch is WindowReader.Truncated {
      discard("truncated")
    } catch {
      discard("unreadable")
    }
  }

  struct Damage: Error { var reason: String }

  /// The file entries of the cache file at `path`, streamed through a 1 MiB window and
  /// hashed as they are read (a million-entry file is ~90 MB: read whole, it sat next to
  /// the table made from it). Nil, or `Damage`, unless the file parses exactly to its
  /// checksum and the checksum matches.
  static func readEntries(_ path: String) throws -> StatTable? {
    let file = try POSIXFile.openForReading(path)
    let size = try file.size()
    guard size >= 16 + 4 + 32 + 4 + 32 else { throw Damage(reason: "truncated") }
    let reader = WindowReader(file: file, end: size - 32)
    guard let head = try reader.take(16), Array(head[0..<8]) == magic else { throw Damage(reason: "checksum mismatch") }
    let dirsLength = UInt64(littleEndian: head.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
    guard dirsLength <= UInt64(size), try reader.skip(Int(dirsLength) + 32), let countBytes = try reader.take(4) else {
      return nil
    }
    let count = Int(UInt32(littleEndian: countBytes.loadUnaligned(as: UInt32.self)))
    let table = StatTable(capacity: min(count, Int(size / 67)))
    let none = UnsafeRawBufferPointer(start: nil, count: 0)
    for _ in 0..<count {
      guard let lengthBytes = try reader.take(2) else { return nil }
      let n = Int(UInt16(littleEndian: lengthBytes.loadUnaligned(as: UInt16.self)))
      guard let entry = try reader.take(n + StatTable.fixedBytes), let base = entry.baseAddress else { return nil }
      let (st, id) = StatTable.decode(base + n)
      // Paths over the table's limit (possible in an older cache) are simply not cached.
      if n <= StatTable.maxPathLength {
        table.set(StatTable.Key(a: UnsafeRawBufferPointer(rebasing: entry[0..<n]), b: none), st, id)
      }
    }
    guard reader.atEnd else { return nil }
    guard try file.read(count: 32, at: size - 32) == reader.hasher.current().bytes else {
      throw Damage(reason: "checksum mismatch")
    }
    return table
  }

  /// The directory summaries between `from` and `end`, or nil unless they parse exactly.
  private static func parseSummaries(_ bytes: [UInt8], from start: Int, end: Int) -> [String: DirectorySummary]? {
    var dirs: [String: DirectorySummary] = [:]
    let complete: Bool = bytes.withUnsafeBytes { all in
      let p = UnsafeRawBufferPointer(rebasing: all[0..<end])
      guard start + 4 <= p.count else { return false }
      let n = Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: start, as: UInt32.self)))
      var o = start + 4
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
    return complete ? dirs : nil
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
    digest(files.lazy.map { ($0.key, $0.value.stat) })
  }

  public static func digest(_ files: some Sequence<(String, FileStat)>) -> Digest {
    var d = Digest(a: 0, b: 0)
    for (path, st) in files {
      let (a, b) = fileHash(path, st)
      d.a &+= a
      d.b &+= b
    }
    return d
  }

  /// One file's share of a digest: a sum, so a file can be taken out again by subtraction.
  static func fileHash(_ path: String, _ st: FileStat) -> (UInt64, UInt64) {
    fileHash(pathHash: pathHash(pathHashBasis, path.utf8), st)
  }

  /// FNV-1a's start: the hash of the empty path.
  static let pathHashBasis: UInt64 = 0xcbf2_9ce4_8422_2325

  /// FNV-1a of `bytes` continued from `h`: the hash of a path is the hash of its directory
  /// prefix ("a/b/") continued with the name, so the walker hashes each directory's prefix
  /// once and builds no path string per file (DirectoryWalker).
  @inline(__always)
  static func pathHash(_ h: UInt64, _ bytes: some Sequence<UInt8>) -> UInt64 {
    var h = h
    for byte in bytes { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
    return h
  }

  /// `fileHash` from the path's FNV-1a hash (`pathHash`).
  static func fileHash(pathHash: UInt64, _ st: FileStat) -> (UInt64, UInt64) {
    var h = pathHash
    h = mix(h ^ UInt64(bitPattern: st.size))
    h = mix(h ^ UInt64(bitPattern: st.mtimeNs))
    h = mix(h ^ UInt64(bitPattern: st.ctimeNs))
    h = mix(h ^ st.inode)
    h = mix(h ^ (st.executable ? 1 : 0))
    return (h, mix(h ^ 0x9E37_79B9_7F4A_7C15))
  }

  /// Moves the summary of `dataPath` from tree `base` to tree `target` after a checkout
  /// changed only some files: their old stats are taken out of the digest and their new
  /// ones put in. Nothing happens unless the summary named `base`.
  func moveSummary(
    for dataPath: String, from base: ObjectID, to target: ObjectID, removing: [(String, FileStat)],
    adding: [(String, FileStat)]
  ) {
    lock.withLock {
      guard var s = summaries[dataPath], s.manifest == base, s.count >= removing.count else { return }
      for (p, st) in removing {
        let (a, b) = Self.fileHash(p, st)
        s.digest.a &-= a
        s.digest.b &-= b
      }
      for (p, st) in adding {
        let (a, b) = Self.fileHash(p, st)
        s.digest.a &+= a
        s.digest.b &+= b
        s.newestMtimeNs = max(s.newestMtimeNs, st.mtimeNs)
      }
      s.count = s.count - removing.count + adding.count
      s.manifest = target
      summaries[dataPath] = s
      dirty = true
    }
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

  /// The same for a listing: what `status` checks before looking up any file.
  public func manifestID(for dataPath: String, listing: DirectoryWalker.Listing) -> ObjectID? {
    let summary = lock.withLock { summaries[dataPath] }
    guard let summary, summary.count == listing.count, summary.digest == listing.digest else { return nil }
    return summary.manifest
  }

  /// Whether a summary for `dataPath` names `id` (before listing anything).
  public func hasSummary(for dataPath: String, naming id: ObjectID) -> Bool {
    lock.withLock { summaries[dataPath]?.manifest == id }
  }

  public func recordManifestID(_ id: ObjectID, for dataPath: String, files: [String: (stat: FileStat, id: ObjectID)]) {
    let newest = files.values.map(\.stat.mtimeNs).max() ?? 0
    let summary = DirectorySummary(digest: Self.digest(files), count: files.count, newestMtimeNs: newest, manifest: id)
    lock.withLock {
      summaries[dataPath] = summary
      dirty = true
    }
  }

  /// Records the summary of `dataPath` from a sorted listing of its files.
  func recordManifestID(_ id: ObjectID, for dataPath: String, listing: TreeListing) {
    let summary = DirectorySummary(
      digest: listing.digest(0..<listing.count), count: listing.count, newestMtimeNs: listing.stats.lazy.map(\.mtimeNs).max() ?? 0,
      manifest: id)
    lock.withLock {
      summaries[dataPath] = summary
      dirty = true
    }
  }

  public func lookup(_ relativePath: String, _ st: FileStat) -> ObjectID? {
    lookup(relativePath, "", st)
  }

  /// The id of `dataPath/inner` (of `dataPath` when `inner` is empty) if cached with this
  /// stat, without building the path string.
  public func lookup(_ dataPath: String, _ inner: String, _ st: FileStat) -> ObjectID? {
    Self.withBytes(inner) { lookup(dataPath, innerBytes: $0, st) }
  }

  /// The same, for `inner` given as its UTF-8 bytes (a path of a `TreeListing`).
  func lookup(_ dataPath: String, innerBytes inner: UnsafeRawBufferPointer, _ st: FileStat) -> ObjectID? {
    lock.lock()
    defer { lock.unlock() }
    loadEntriesLocked()
    let found = Self.withBytes(dataPath) { entryTable.lookup(StatTable.Key(a: $0, b: inner)) }
    guard let (cached, id) = found, cached == st else { return nil }
    return id
  }

  public func record(_ relativePath: String, _ st: FileStat, _ id: ObjectID) {
    lock.lock()
    defer { lock.unlock() }
    loadEntriesLocked()
    if StatTable.Key.with(relativePath, "", { entryTable.set($0, st, id) }) { dirty = true }
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
    loadEntriesLocked()
    let summariesBefore = summaries.count
    summaries = summaries.filter { !($0.key == prefix || $0.key.hasPrefix(prefix + "/")) }
    let removed = Self.withBytes(prefix) { p in entryTable.removeAll { Self.isAtOrUnder($0, p) } }
    if removed > 0 || summaries.count != summariesBefore { dirty = true }
  }

  private static func withBytes<R>(_ s: String, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    var s = s
    return try s.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
  }

  /// Whether `path` is `prefix` or inside the directory `prefix`.
  private static func isAtOrUnder(_ path: UnsafeRawBufferPointer, _ prefix: UnsafeRawBufferPointer) -> Bool {
    guard path.count >= prefix.count, path.prefix(prefix.count).elementsEqual(prefix) else { return false }
    return path.count == prefix.count || path[prefix.count] == UInt8(ascii: "/")
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
    loadEntriesLocked()
    let entries = entryTable
    let now = FileStat.clockNs
    // Entries whose mtime is in the current tick are racy: wait the tick out, then keep
    // only those whose file still has the recorded stat.
    let racyFrom = now() - Self.racyWindowNs
    var newest = Int64.min
    entries.forEach { newest = max(newest, $0.stat.mtimeNs) }
    if newest >= racyFrom, rootForRecheck != nil {
      usleep(UInt32(max(0, min(newest + Self.racyWindowNs - now(), Self.racyWindowNs)) / 1000))
    }
    // Which entries go: racy ones whose file changed. Only those are collected (a copy of
    // what stays would be a second million-entry table).
    var dropped = Set<String>()
    var racy: [String] = []
    entries.forEach { e in
      guard e.stat.mtimeNs >= racyFrom else { return }
      let name = e.pathString
      racy.append(name)
      if rootForRecheck.map({ FileStat.of($0 + "/" + name) == e.stat }) != true { dropped.insert(name) }
    }
    // A summary of a directory with a racily new file is kept only if it covers exactly
    // the entries under that directory and each racy one passed the re-check above;
    // otherwise the next status rebuilds it (an `add` of just-written files would else
    // leave the first status to redo the manifest).
    func settled(_ dir: String, _ s: DirectorySummary) -> Bool {
      if s.newestMtimeNs < racyFrom { return true }
      guard rootForRecheck != nil else { return false }
      if racy.contains(where: { $0.hasPrefix(dir + "/") && dropped.contains($0) }) { return false }
      var count = 0
      Self.withBytes(dir) { d in entries.forEach { if Self.isAtOrUnder($0.path, d), $0.path.count > d.count { count += 1 } } }
      return count == s.count
    }
    let keptSummaries = summaries.filter { $0.key.utf8.count < 65536 && settled($0.key, $0.value) }
    if !dropped.isEmpty { entries.removeAll { dropped.contains(String(decoding: $0, as: UTF8.self)) } }
    var out = Self.magic
    out.reserveCapacity(16 + keptSummaries.count * 100 + 36 + 32)
    func append<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    append(UInt64(0))  // dirsLength, filled in below
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
    withUnsafeBytes(of: UInt64(out.count - 16).littleEndian) { out.replaceSubrange(8..<16, with: $0) }
    out += ObjectID.hash(out).bytes
    append(UInt32(entries.count))
    // The file entries are streamed to the file through a 1 MiB buffer, hashed as they go:
    // the table keeps them in the file's layout, so each is copied as it is. ~1.5 ms for a
    // 20,000-file cache (2 MB at SHA-256's ~1.4 GB/s).
    var hasher = ObjectID.Hasher()
    try? FS.atomicWrite(to: path, durable: false) { f in
      func emit() throws {
        hasher.update(out)
        try f.write(out)
        out.removeAll(keepingCapacity: true)
      }
      try emit()
      out.reserveCapacity(1 << 20)
      try entries.forEach { e in
        out += e.raw
        if out.count >= 1 << 20 { try emit() }
      }
      try emit()
      try f.write(hasher.current().bytes)
    }
    dirty = false
  }
}
