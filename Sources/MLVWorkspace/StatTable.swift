import MLVStore

#if canImport(Glibc)
  import Glibc
#endif

/// The stat cache's file entries in memory, compact. As a `[String: (FileStat, ObjectID)]`
/// a million entries took ~185 MB (a heap string, a 40-byte stat and a 32-byte id each, at
/// a dictionary's load factor): the largest single holder in the peak of `add`, `checkout`
/// and `pull` of a million-file dataset (issue 14). Here they take ~95 MB.
///
/// Each entry is kept in the byte layout of the cache file (StatCache),
///
///     pathLength[u16 LE] path size[i64 LE] mtimeNs[i64] ctimeNs[i64] inode[u64] executable[u8] id[32]
///
/// packed into 1 MiB segments, so growing never copies what is there and saving copies an
/// entry's bytes as they are. An open-addressing table of 32-bit references (segment << 20
/// | offset), at most half full, finds an entry by its path.
///
/// Removal is in bulk (`removeAll(where:)`): removed entries are marked by the top bit of
/// their path length and the reference table is rebuilt from the live ones, so it never
/// holds tombstones; the segments are rewritten once dead bytes outweigh live ones.
///
/// Limits, where caching simply stops (the file is hashed again next time, never misread):
/// paths of more than 32,767 bytes (Linux allows 4,095), and more than 4 GiB of entries
/// (~45 million files).
final class StatTable {
  /// A path given as `a` or, when `b` is not empty, `a + "/" + b`: a file inside a tracked
  /// directory is looked up without building its repository-relative path string.
  struct Key {
    var a: UnsafeRawBufferPointer
    var b: UnsafeRawBufferPointer
    var length: Int { b.isEmpty ? a.count : a.count + 1 + b.count }
  }

  /// One live entry, valid until the table next changes.
  struct Entry {
    /// The entry's bytes, in the cache file's layout.
    var raw: UnsafeRawBufferPointer
    var path: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: raw[2..<(raw.count - StatTable.fixedBytes)]) }
    var stat: FileStat { FileStat(bytes: raw.baseAddress! + raw.count - StatTable.fixedBytes) }
    var pathString: String { String(decoding: path, as: UTF8.self) }
  }

  static let segmentBits = 20
  static let segmentSize = 1 << segmentBits
  static let maxSegments = 1 << (32 - segmentBits)
  /// The bytes after the path: size, mtime, ctime, inode, executable, id.
  static let fixedBytes = FileStat.byteCount + ObjectID.byteCount
  static let maxPathLength = 0x7FFF
  private static let deadBit: UInt16 = 0x8000
  /// No reference reaches this: an entry needs 67 bytes, so none starts in a segment's last 66.
  private static let emptySlot = UInt32.max

  private var segments: [UnsafeMutableRawPointer] = []
  private var segmentUsed: [Int] = []
  private var slots: [UInt32]
  private(set) var count = 0
  private var liveBytes = 0
  private var deadBytes = 0

  init(capacity: Int = 0) {
    slots = [UInt32](repeating: Self.emptySlot, count: Self.slotCount(for: capacity))
  }

  deinit { for s in segments { s.deallocate() } }

  /// A power of two at least twice `n` (`n` is bounded by the 4 GiB of segments).
  private static func slotCount(for n: Int) -> Int {
    var c = 16
    while c < n * 2 { c <<= 1 }
    return c
  }

  // MARK: Lookup and update

  func lookup(_ k: Key) -> (FileStat, ObjectID)? {
    guard let slot = find(k, hash: Self.hash(k)).found else { return nil }
    return Self.decode(address(slots[slot]) + 2 + k.length)
  }

  /// Records the entry; returns whether the table changed (false too when the entry cannot
  /// be cached: see the limits above).
  @discardableResult
  func set(_ k: Key, _ st: FileStat, _ id: ObjectID) -> Bool {
    guard k.length <= Self.maxPathLength else { return false }
    let h = Self.hash(k)
    let (found, free) = find(k, hash: h)
    if let found {
      let fixed = address(slots[found]) + 2 + k.length
      let (oldStat, oldID) = Self.decode(fixed)
      if oldStat == st && oldID == id { return false }
      Self.encode(fixed, st, id)
      return true
    }
    guard let ref = append(k, st, id) else { return false }
    slots[free] = ref
    count += 1
    if count * 2 > slots.count { rebuildSlots() }
    return true
  }

  /// Removes every entry whose path `matches`; returns how many went.
  @discardableResult
  func removeAll(where matches: (UnsafeRawBufferPointer) throws -> Bool) rethrows -> Int {
    var removed = 0
    try Self.walk(segments, segmentUsed) { p, n, _ in
      guard try matches(UnsafeRawBufferPointer(start: p + 2, count: n)) else { return }
      let size = 2 + n + Self.fixedBytes
      p.storeBytes(of: (UInt16(n) | Self.deadBit).littleEndian, as: UInt16.self)
      removed += 1
      liveBytes -= size
      deadBytes += size
    }
    guard removed > 0 else { return 0 }
    count -= removed
    if deadBytes > liveBytes { compact() } else { rebuildSlots() }
    return removed
  }

  /// Every live entry, in the order they were added.
  func forEach(_ body: (Entry) throws -> Void) rethrows {
    try Self.walk(segments, segmentUsed) { p, n, _ in
      try body(Entry(raw: UnsafeRawBufferPointer(start: p, count: 2 + n + Self.fixedBytes)))
    }
  }

  /// Calls `body` with each live entry of `segments` (filled to `used`): its address, its
  /// path length and its reference.
  private static func walk(
    _ segments: [UnsafeMutableRawPointer], _ used: [Int], _ body: (UnsafeMutableRawPointer, Int, UInt32) throws -> Void
  ) rethrows {
    for s in segments.indices {
      var o = 0
      while o < used[s] {
        let p = segments[s] + o
        let (n, dead) = pathLength(p)
        if !dead { try body(p, n, UInt32(s << segmentBits | o)) }
        o += 2 + n + fixedBytes
      }
    }
  }

  // MARK: Storage

  private func address(_ ref: UInt32) -> UnsafeMutableRawPointer {
    segments[Int(ref >> UInt32(Self.segmentBits))] + Int(ref & UInt32(Self.segmentSize - 1))
  }

  private static func pathLength(_ p: UnsafeRawPointer) -> (Int, dead: Bool) {
    let v = UInt16(littleEndian: p.loadUnaligned(as: UInt16.self))
    return (Int(v & ~deadBit), v & deadBit != 0)
  }

  /// Copies a new entry into the last segment (or a new one); nil when the segments are full.
  private func append(_ k: Key, _ st: FileStat, _ id: ObjectID) -> UInt32? {
    let size = 2 + k.length + Self.fixedBytes
    if segments.isEmpty || segmentUsed[segments.count - 1] + size > Self.segmentSize {
      guard segments.count < Self.maxSegments else { return nil }
      segments.append(.allocate(byteCount: Self.segmentSize, alignment: 8))
      segmentUsed.append(0)
    }
    let s = segments.count - 1
    let o = segmentUsed[s]
    let p = segments[s] + o
    p.storeBytes(of: UInt16(k.length).littleEndian, as: UInt16.self)
    Self.copyPath(k, to: p + 2)
    Self.encode(p + 2 + k.length, st, id)
    segmentUsed[s] = o + size
    liveBytes += size
    return UInt32(s << Self.segmentBits | o)
  }

  private static func copyPath(_ k: Key, to p: UnsafeMutableRawPointer) {
    if let base = k.a.baseAddress { p.copyMemory(from: base, byteCount: k.a.count) }
    guard !k.b.isEmpty, let base = k.b.baseAddress else { return }
    p.storeBytes(of: UInt8(ascii: "/"), toByteOffset: k.a.count, as: UInt8.self)
    (p + k.a.count + 1).copyMemory(from: base, byteCount: k.b.count)
  }

  /// The slot holding `k`, or else the empty slot where it would go. There is always an
  /// empty slot: the table is at most half full.
  private func find(_ k: Key, hash h: UInt64) -> (found: Int?, free: Int) {
    let mask = slots.count - 1
    var i = Int(truncatingIfNeeded: h) & mask
    while true {
      let ref = slots[i]
      if ref == Self.emptySlot { return (nil, i) }
      if Self.matches(address(ref), k) { return (i, i) }
      i = (i + 1) & mask
    }
  }

  private static func matches(_ p: UnsafeRawPointer, _ k: Key) -> Bool {
    let (n, _) = pathLength(p)
    guard n == k.length else { return false }
    let path = p + 2
    if let a = k.a.baseAddress, memcmp(path, a, k.a.count) != 0 { return false }
    guard !k.b.isEmpty, let b = k.b.baseAddress else { return true }
    return path.load(fromByteOffset: k.a.count, as: UInt8.self) == UInt8(ascii: "/")
      && memcmp(path + k.a.count + 1, b, k.b.count) == 0
  }

  private func rebuildSlots() {
    slots = [UInt32](repeating: Self.emptySlot, count: Self.slotCount(for: count))
    let mask = slots.count - 1
    Self.walk(segments, segmentUsed) { p, n, ref in
      let h = Self.hash(Key(a: UnsafeRawBufferPointer(start: p + 2, count: n), b: UnsafeRawBufferPointer(start: nil, count: 0)))
      var i = Int(truncatingIfNeeded: h) & mask
      while slots[i] != Self.emptySlot { i = (i + 1) & mask }
      slots[i] = ref
    }
  }

  /// Rewrites the live entries into fresh segments, dropping the dead bytes.
  private func compact() {
    let old = segments
    let oldUsed = segmentUsed
    segments = []
    segmentUsed = []
    liveBytes = 0
    deadBytes = 0
    defer { for s in old { s.deallocate() } }
    Self.walk(old, oldUsed) { p, n, _ in
      let key = Key(a: UnsafeRawBufferPointer(start: p + 2, count: n), b: UnsafeRawBufferPointer(start: nil, count: 0))
      let (st, id) = Self.decode(p + 2 + n)
      _ = append(key, st, id)  // fewer bytes than before: always fits
    }
    rebuildSlots()
  }

  // MARK: Encoding

  /// FNV-1a of the path's bytes, mixed (linear probing needs well-spread low bits).
  static func hash(_ k: Key) -> UInt64 {
    var h = StatCache.pathHash(StatCache.pathHashBasis, k.a)
    if !k.b.isEmpty {
      h = StatCache.pathHash(h, CollectionOfOne(UInt8(ascii: "/")))
      h = StatCache.pathHash(h, k.b)
    }
    return StatCache.mix(h)
  }

  /// The fixed part of an entry: the stat (`FileStat`'s stored layout), then the id.
  static func decode(_ p: UnsafeRawPointer) -> (FileStat, ObjectID) {
    (FileStat(bytes: p), ObjectID(bytes: p + FileStat.byteCount))
  }

  static func encode(_ p: UnsafeMutableRawPointer, _ st: FileStat, _ id: ObjectID) {
    st.write(to: p)
    id.write(to: p + FileStat.byteCount)
  }
}

extension StatTable.Key {
  /// Calls `body` with the key of `path`, or of `a/b`.
  static func with<R>(_ a: String, _ b: String = "", _ body: (StatTable.Key) throws -> R) rethrows -> R {
    var a = a
    var b = b
    return try a.withUTF8 { pa in
      try b.withUTF8 { pb in try body(StatTable.Key(a: UnsafeRawBufferPointer(pa), b: UnsafeRawBufferPointer(pb))) }
    }
  }
}
