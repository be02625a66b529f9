import Foundation
import MLVStore
import MLVSystem

#if canImport(Glibc)
  import Glibc
#endif

/// The names each directory under a tracked directory held when it was last read, with the
/// directory's own stat then (docs/design.md, "Listing cache"). `status` of unchanged data
/// is one `lstat` per file; reading the 100 directories of a 20,000-file dataset
/// (`getdents`, which on ext4 also hashes and sorts every name) was a tenth of its CPU.
/// A directory whose stat is the recorded one still holds the recorded names: creating,
/// removing or renaming an entry changes the directory's mtime and ctime, and ctime cannot
/// be set back by anyone. Each file's own stat is still taken, so an edited file is seen.
///
///     listingcache = magic "MLVLIST1"  bodyLength[u64 LE]
///                    body: dataPathLength[u16] dataPath  dirCount[u32]
///                          (prefixLength[u16] prefix  dev[u64] inode[u64] mtimeNs[i64]
///                           ctimeNs[i64] size[i64]  namesLength[u32] names) * dirCount
///                    checksum[32]          SHA-256 of everything before it
///     names        = (name NUL) * entries  every entry but "." and "..", unfiltered
///
/// Names are kept before any ignore rule is applied, so a changed `.mlvignore` needs no
/// invalidation. A listing is recorded only when the directory's ctime is `trustMarginNs`
/// older than the clock before it was read, and its stat did not change while it was read:
/// any later change then stamps a ctime the record cannot have, even with a coarse
/// timestamp clock (git's "racily clean" problem, for directories). A damaged file is
/// ignored and replaced; names holding "/" or being "." or ".." are refused, so no record
/// can make the walk leave its directory.
final class ListingCache: @unchecked Sendable {
  /// What identifies one state of a directory.
  struct DirStat: Equatable {
    var dev: UInt64
    var inode: UInt64
    var mtimeNs: Int64
    var ctimeNs: Int64
    var size: Int64

    init(dev: UInt64, inode: UInt64, mtimeNs: Int64, ctimeNs: Int64, size: Int64) {
      (self.dev, self.inode, self.mtimeNs, self.ctimeNs, self.size) = (dev, inode, mtimeNs, ctimeNs, size)
    }

    init?(fd: Int32) {
      var st = stat()
      guard fstat(fd, &st) == 0 else { return nil }
      // FileStat's conversion: its nanoseconds wrap for a date past 2262 instead of trapping.
      let f = FileStat(st)
      self.init(dev: UInt64(st.st_dev), inode: f.inode, mtimeNs: f.mtimeNs, ctimeNs: f.ctimeNs, size: f.size)
    }
  }

  private struct Recorded {
    var stat: DirStat
    /// Where its names are in `loaded`.
    var names: Range<Int>
  }

  static let magic = Array("MLVLIST1".utf8)
  /// How much older than the listing a directory's ctime must be for the listing to be kept:
  /// covers timestamp clocks as coarse as FAT's two seconds, and small clock steps.
  static let defaultTrustMarginNs: Int64 = 3_000_000_000

  let dataPath: String
  private let file: String
  private let trustMarginNs: Int64
  private let clock: @Sendable () -> Int64
  /// The file as read; names of records point into it. Never changed after `init`.
  private let loaded: [UInt8]
  private let recorded: [String: Recorded]
  private let lock = NSLock()
  private var used: Set<String> = []
  private var fresh: [String: (DirStat, [UInt8])] = [:]
  /// Directories served from the cache and directories read, by this walk (for tests and
  /// for deciding whether to write).
  private(set) var hits = 0
  private(set) var misses = 0

  static func path(_ stateDir: String, _ dataPath: String) -> String {
    stateDir + "/listings/" + String(ObjectID.hash(Array(dataPath.utf8)).hex.prefix(32))
  }

  /// The cache of `dataPath` (empty when there is none or it is damaged). `clock` gives the
  /// wall time in nanoseconds since the epoch, the clock file timestamps are taken from.
  init(
    stateDir: String, dataPath: String, trustMarginNs: Int64 = ListingCache.defaultTrustMarginNs,
    clock: @escaping @Sendable () -> Int64 = FileStat.clockNs
  ) {
    self.dataPath = dataPath
    self.file = Self.path(stateDir, dataPath)
    self.trustMarginNs = trustMarginNs
    self.clock = clock
    let bytes = (try? FS.readAll(file)) ?? []
    if let parsed = Self.parse(bytes, dataPath: dataPath) {
      (loaded, recorded) = (bytes, parsed)
    } else {
      (loaded, recorded) = ([], [:])
    }
  }

  /// Calls `body` with each recorded name of the directory at `prefix` (its path inside the
  /// tracked one, "" for itself) — the name's bytes and the same bytes NUL-terminated — and
  /// returns true, when the directory's stat is still `stat`; otherwise returns false.
  func forEachName(at prefix: String, _ stat: DirStat, _ body: (UnsafeRawBufferPointer, UnsafePointer<CChar>) -> Void) -> Bool {
    guard let r = recorded[prefix], r.stat == stat else { return false }
    lock.withLock {
      used.insert(prefix)
      hits += 1
    }
    // Each name ends at a NUL (`validNames` made sure when the file was read).
    loaded.withUnsafeBytes { all in
      guard let base = all.baseAddress else { return }
      var start = r.names.lowerBound
      while start < r.names.upperBound, let nul = memchr(base + start, 0, r.names.upperBound - start) {
        let length = base.distance(to: UnsafeRawPointer(nul)) - start
        body(UnsafeRawBufferPointer(start: base + start, count: length), (base + start).assumingMemoryBound(to: CChar.self))
        start += length + 1
      }
    }
    return true
  }

  /// The clock to pass to `record` for a directory about to be read (taken before its stat).
  func listingStarts() -> Int64 { clock() }

  /// Records the names (`name NUL` each) of the directory at `prefix`, read between
  /// `startedAt` and now, whose stat was `before` when reading began and `after` when it
  /// ended; kept only if it can be trusted (see the type's comment).
  func record(at prefix: String, startedAt: Int64, before: DirStat, after: DirStat?, names: [UInt8]) {
    lock.withLock { misses += 1 }
    guard after == before, before.ctimeNs < startedAt - trustMarginNs else { return }
    lock.withLock { fresh[prefix] = (before, names) }
  }

  /// Writes the records used or made by this walk when any was made; nothing when every
  /// directory was served from the cache. Best effort: only speed depends on it.
  func save() {
    let (used, fresh) = lock.withLock { (self.used, self.fresh) }
    guard !fresh.isEmpty else { return }
    var out = Self.magic
    func append<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    append(UInt64(0))  // bodyLength, filled in below
    guard dataPath.utf8.count < 65536 else { return }
    append(UInt16(dataPath.utf8.count))
    out += dataPath.utf8
    var all: [(String, DirStat, ArraySlice<UInt8>)] = fresh.map { ($0.key, $0.value.0, $0.value.1[...]) }
    for p in used where fresh[p] == nil {
      if let r = recorded[p] { all.append((p, r.stat, loaded[r.names])) }
    }
    // In path order, so the same directories always give the same bytes.
    all.sort { $0.0 < $1.0 }
    guard all.count <= Int(UInt32.max) else { return }
    append(UInt32(all.count))
    for (prefix, st, names) in all {
      guard prefix.utf8.count < 65536, names.count <= Int(UInt32.max) else { return }
      append(UInt16(prefix.utf8.count))
      out += prefix.utf8
      append(st.dev)
      append(st.inode)
      append(st.mtimeNs)
      append(st.ctimeNs)
      append(st.size)
      append(UInt32(names.count))
      out += names
    }
    withUnsafeBytes(of: UInt64(out.count - 16).littleEndian) { out.replaceSubrange(8..<16, with: $0) }
    out += ObjectID.hash(out).bytes
    do {
      try FS.makeDirectories((file as NSString).deletingLastPathComponent)
      try FS.atomicWrite(out, to: file, durable: false)
    } catch { FS.remove(file) }
  }

  static func remove(_ stateDir: String, _ dataPath: String) { FS.remove(path(stateDir, dataPath)) }

  /// The records of a cache file's bytes, or nil when they are not a whole, undamaged cache
  /// of `dataPath`.
  private static func parse(_ b: [UInt8], dataPath: String) -> [String: Recorded]? {
    guard b.count >= 16 + 32, Array(b[0..<8]) == magic else { return nil }
    let length = b[8..<16].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    guard length == UInt64(b.count - 16 - 32) else { return nil }
    let end = b.count - 32
    let sum = b.withUnsafeBytes { ObjectID.hash(UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
    guard sum.bytes.elementsEqual(b[end...]) else { return nil }
    var c = ByteCursor(b, from: 16, end: end)
    guard c.string() == dataPath, let count = c.int(UInt32.self) else { return nil }
    var out: [String: Recorded] = [:]
    for _ in 0..<count {
      guard let prefix = c.string(), let dev = c.int(UInt64.self), let ino = c.int(UInt64.self), let m = c.int(Int64.self),
        let ct = c.int(Int64.self), let size = c.int(Int64.self), let n = c.int(UInt32.self), let names = c.take(Int(n)),
        out[prefix] == nil, validNames(b[names])
      else { return nil }
      out[prefix] = Recorded(stat: DirStat(dev: dev, inode: ino, mtimeNs: m, ctimeNs: ct, size: size), names: names)
    }
    guard c.atEnd else { return nil }
    return out
  }

  /// Whether `names` is `(name NUL)*` with no empty name, no "/" and no "." or "..".
  /// memchr, not a loop per byte: this runs over every name at each `status`.
  private static func validNames(_ names: ArraySlice<UInt8>) -> Bool {
    guard let last = names.last else { return true }
    guard last == 0 else { return false }
    return names.withUnsafeBytes { p -> Bool in
      guard let base = p.baseAddress else { return true }
      if memchr(base, Int32(UInt8(ascii: "/")), p.count) != nil { return false }
      var start = 0
      while start < p.count {
        guard let nul = memchr(base + start, 0, p.count - start) else { return false }
        let length = base.distance(to: UnsafeRawPointer(nul)) - start
        if length == 0 { return false }
        if length <= 2 && p[start] == UInt8(ascii: ".") && (length == 1 || p[start + 1] == UInt8(ascii: ".")) { return false }
        start += length + 1
      }
      return true
    }
  }
}
