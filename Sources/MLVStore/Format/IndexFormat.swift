import Crypto
import MLVSystem

#if canImport(Glibc)
  import Glibc
#endif

/// Where an object lives: which pack, where in it, and how it is stored.
public struct ObjectLocation: Equatable, Sendable {
  public var pack: ObjectID
  public var offset: UInt32
  public var storedLength: UInt32
  public var rawLength: UInt32
  public var type: ObjectType
  public var codec: Codec

  public init(pack: ObjectID, offset: UInt32, storedLength: UInt32, rawLength: UInt32, type: ObjectType, codec: Codec) {
    (self.pack, self.offset, self.storedLength, self.rawLength, self.type, self.codec) = (pack, offset, storedLength, rawLength, type, codec)
  }
}

/// Byte layout of an index file (docs/design.md, "Indexes"):
///
///     index   = magic "MLVIDX01"[8] packCount[u32 LE] entryCount[u32 LE]
///               packID[32] * packCount
///               fanout[u32 LE] * 256          entries whose id's first byte <= i
///               entry * entryCount            sorted by id, no duplicates
///               checksum[32]                  SHA-256 of everything before it
///     entry   = id[32] packNumber[u32 LE] offset[u32 LE] storedLength[u32 LE]
///               rawLength[u32 LE] type[1] codec[1] reserved[2]=0       (52 bytes)
///
/// A sorted table with a git-style fan-out is searched in place through mmap: opening a
/// store with ten million objects reads no index into memory, and a lookup touches two or
/// three pages. The file name is the checksum's hex, so an index is immutable and a
/// half-written one can never be mistaken for a complete one.
public enum IndexFormat {
  public static let magic: [UInt8] = Array("MLVIDX01".utf8)
  public static let entrySize = 52
  static let fanoutOffsetBase = 16

  public struct Record: Sendable {
    public var id: ObjectID
    public var location: ObjectLocation
    public init(id: ObjectID, location: ObjectLocation) {
      self.id = id
      self.location = location
    }
  }

  /// Encodes `records` (any order; the first of duplicate ids wins) into index bytes. The
  /// counts are 32-bit: an index holds at most 4 billion entries (a store of 10 million
  /// objects is 0.25% of that). Duplicates are dropped after sorting positions (8 bytes
  /// per record), not through a set of ids (~40 bytes per record) and a filtered copy.
  public static func encode(_ records: [Record]) -> (bytes: [UInt8], checksum: ObjectID) {
    let order = records.indices.sorted { a, b in
      records[a].id < records[b].id || (records[a].id == records[b].id && a < b)
    }
    return layout { emit in
      var previous: ObjectID?
      for i in order where records[i].id != previous {
        previous = records[i].id
        emit(records[i].id, records[i].location)
      }
    }
  }

  /// Encodes the index of sealed packs straight from their headers' entries (the first of
  /// duplicate ids wins, in pack then blob order): a writer publishing a pack needs no
  /// `Record` per object (~90 bytes each), only a sorted list of positions.
  public static func encode(packs: [(id: ObjectID, entries: [PackFormat.LocatedEntry])]) -> (bytes: [UInt8], checksum: ObjectID) {
    var order: [(pack: UInt32, entry: UInt32)] = []
    order.reserveCapacity(packs.reduce(0) { $0 + $1.entries.count })
    for (p, pack) in packs.enumerated() {
      for e in pack.entries.indices { order.append((UInt32(truncatingIfNeeded: p), UInt32(truncatingIfNeeded: e))) }
    }
    func id(_ r: (pack: UInt32, entry: UInt32)) -> ObjectID { packs[Int(r.pack)].entries[Int(r.entry)].entry.id }
    order.sort { a, b in
      let (x, y) = (id(a), id(b))
      return x < y || (x == y && (a.pack, a.entry) < (b.pack, b.entry))
    }
    return layout { emit in
      var previous: ObjectID?
      for r in order {
        let pack = packs[Int(r.pack)]
        let e = pack.entries[Int(r.entry)]
        guard e.entry.id != previous else { continue }
        previous = e.entry.id
        emit(e.entry.id, e.entry.location(pack: pack.id, offset: e.offset))
      }
    }
  }

  /// Lays out an index of the entries that `entries` emits in id order without duplicates.
  /// It is run twice — once to count entries and number packs, once to write — so the
  /// bytes are allocated once at their final size and no list of entries is built.
  static func layout(
    _ entries: ((ObjectID, ObjectLocation) -> Void) -> Void
  ) -> (bytes: [UInt8], checksum: ObjectID) {
    var packs: [ObjectID] = []
    var packNumbers: [ObjectID: UInt32] = [:]
    var counts = [UInt32](repeating: 0, count: 256)
    var n = 0
    entries { id, l in
      if packNumbers[l.pack] == nil {
        packNumbers[l.pack] = UInt32(truncatingIfNeeded: packs.count)
        packs.append(l.pack)
      }
      counts[Int(id.firstByte)] &+= 1
      n += 1
    }
    let entriesOffset = fanoutOffsetBase + packs.count * 32 + 256 * 4
    let total = entriesOffset + n * entrySize + 32
    var out = [UInt8](repeating: 0, count: total)
    out.withUnsafeMutableBytes { p in
      let b = p.baseAddress!
      writeHeader(b, packs: packs, entryCount: n, counts: counts)
      var i = 0
      entries { id, l in
        guard i < n else { return }
        writeEntry(b + entriesOffset + i * entrySize, id: id, packNumber: packNumbers[l.pack] ?? 0, location: l)
        i += 1
      }
    }
    let checksum = out.withUnsafeBytes { ObjectID.hash(UnsafeRawBufferPointer(rebasing: $0[..<(total - 32)])) }
    out.withUnsafeMutableBytes { checksum.write(to: $0.baseAddress! + total - 32) }
    return (out, checksum)
  }

  /// Magic, counts, pack table and fan-out (from per-first-byte `counts`).
  static func writeHeader(_ b: UnsafeMutableRawPointer, packs: [ObjectID], entryCount: Int, counts: [UInt32]) {
    for (i, m) in magic.enumerated() { b.storeBytes(of: m, toByteOffset: i, as: UInt8.self) }
    b.storeBytes(of: UInt32(truncatingIfNeeded: packs.count).littleEndian, toByteOffset: 8, as: UInt32.self)
    b.storeBytes(of: UInt32(truncatingIfNeeded: entryCount).littleEndian, toByteOffset: 12, as: UInt32.self)
    for (i, pack) in packs.enumerated() { pack.write(to: b + fanoutOffsetBase + i * 32) }
    let fanout = fanoutOffsetBase + packs.count * 32
    var running: UInt32 = 0
    for i in 0..<256 {
      running &+= counts[i]
      b.storeBytes(of: running.littleEndian, toByteOffset: fanout + i * 4, as: UInt32.self)
    }
  }

  static func writeEntry(_ e: UnsafeMutableRawPointer, id: ObjectID, packNumber: UInt32, location l: ObjectLocation) {
    id.write(to: e)
    e.storeBytes(of: packNumber.littleEndian, toByteOffset: 32, as: UInt32.self)
    e.storeBytes(of: l.offset.littleEndian, toByteOffset: 36, as: UInt32.self)
    e.storeBytes(of: l.storedLength.littleEndian, toByteOffset: 40, as: UInt32.self)
    e.storeBytes(of: l.rawLength.littleEndian, toByteOffset: 44, as: UInt32.self)
    e.storeBytes(of: l.type.rawValue, toByteOffset: 48, as: UInt8.self)
    e.storeBytes(of: l.codec.rawValue, toByteOffset: 49, as: UInt8.self)
    e.storeBytes(of: UInt16(0), toByteOffset: 50, as: UInt16.self)
  }
}

/// One index file mapped read-only. Lookups are binary searches inside the fan-out bucket
/// of the id's first byte; the mapping is shared with the page cache, so it costs no heap.
public final class IndexFile: @unchecked Sendable {
  public let path: String
  public let checksum: ObjectID
  let base: UnsafeRawPointer
  let length: Int
  let packs: [ObjectID]
  let entryCount: Int
  let fanoutOffset: Int
  let entriesOffset: Int

  /// Maps and validates the structure of the file at `path`. `verifyChecksum` re-hashes
  /// the whole file (fsck does; routine opens of large indexes don't, because every object
  /// read is verified against its id anyway).
  public init(path: String, verifyChecksum: Bool) throws {
    func bad(_ why: String) -> StoreError { .corruptIndex(path: path, reason: why) }
    let file = try POSIXFile.openForReading(path)
    let size = Int(try file.size())
    guard size >= IndexFormat.fanoutOffsetBase + 256 * 4 + 32 else { throw bad("file too short") }
    guard let map = mmap(nil, size, PROT_READ, MAP_SHARED, file.fd, 0), map != MAP_FAILED else {
      throw IOError(path: path, operation: .map, errno: errno)
    }
    let p = UnsafeRawPointer(map)
    // Validate everything the reader will index through before trusting any count: a
    // damaged header must be an error, never a read past the mapping.
    func fail(_ why: String) -> StoreError {
      munmap(map, size)
      return bad(why)
    }
    let magicOK = (0..<8).allSatisfy { p.load(fromByteOffset: $0, as: UInt8.self) == IndexFormat.magic[$0] }
    guard magicOK else { throw fail("missing index magic") }
    let packCount = Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
    let count = Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
    let fanoutOffset = IndexFormat.fanoutOffsetBase + packCount * 32
    let entriesOffset = fanoutOffset + 256 * 4
    guard entriesOffset + count * IndexFormat.entrySize + 32 == size else {
      throw fail("size does not match \(packCount) packs and \(count) entries")
    }
    var previous = 0
    for i in 0..<256 {
      let f = Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: fanoutOffset + i * 4, as: UInt32.self)))
      guard f >= previous, f <= count else { throw fail("fan-out table is not monotonic") }
      previous = f
    }
    guard previous == count else { throw fail("fan-out table does not add up") }
    if verifyChecksum {
      let actual = ObjectID.hash(UnsafeRawBufferPointer(start: p, count: size - 32))
      guard actual == ObjectID(bytes: p + size - 32) else { throw fail("checksum mismatch") }
    }
    // Fully initialised only once valid: a throw after this point would run deinit, which
    // unmaps, so the early exits above unmap themselves and nothing below may throw.
    self.path = path
    self.base = p
    self.length = size
    self.entryCount = count
    self.fanoutOffset = fanoutOffset
    self.entriesOffset = entriesOffset
    self.packs = (0..<packCount).map { ObjectID(bytes: p + IndexFormat.fanoutOffsetBase + $0 * 32) }
    self.checksum = ObjectID(bytes: p + size - 32)
  }

  deinit { munmap(UnsafeMutableRawPointer(mutating: base), length) }

  public var count: Int { entryCount }

  func fanout(_ i: Int) -> Int {
    Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: fanoutOffset + i * 4, as: UInt32.self)))
  }

  func id(at i: Int) -> ObjectID { ObjectID(bytes: base + entriesOffset + i * IndexFormat.entrySize) }

  func record(at i: Int) -> IndexFormat.Record? {
    let e = base + entriesOffset + i * IndexFormat.entrySize
    let packNumber = Int(UInt32(littleEndian: e.loadUnaligned(fromByteOffset: 32, as: UInt32.self)))
    guard packNumber < packs.count,
      let type = ObjectType(rawValue: e.load(fromByteOffset: 48, as: UInt8.self)),
      let codec = Codec(rawValue: e.load(fromByteOffset: 49, as: UInt8.self)),
      e.loadUnaligned(fromByteOffset: 50, as: UInt16.self) == 0
    else { return nil }
    let location = ObjectLocation(
      pack: packs[packNumber],
      offset: UInt32(littleEndian: e.loadUnaligned(fromByteOffset: 36, as: UInt32.self)),
      storedLength: UInt32(littleEndian: e.loadUnaligned(fromByteOffset: 40, as: UInt32.self)),
      rawLength: UInt32(littleEndian: e.loadUnaligned(fromByteOffset: 44, as: UInt32.self)),
      type: type, codec: codec)
    // An entry is only usable when its blob lies below 4 GiB and its lengths are plausible;
    // anything else is damage, reported by `allRecords` and treated as absent by lookups.
    guard UInt64(location.offset) + UInt64(location.storedLength) <= UInt64(UInt32.max),
      (try? BlobCodec.checkLengths(codec: codec, rawLength: location.rawLength, storedLength: location.storedLength))
        != nil
    else { return nil }
    return IndexFormat.Record(id: ObjectID(bytes: e), location: location)
  }

  public func lookup(_ id: ObjectID) -> ObjectLocation? {
    let bucket = Int(id.firstByte)
    var lo = bucket == 0 ? 0 : fanout(bucket - 1)
    var hi = fanout(bucket)
    while lo < hi {
      let mid = (lo + hi) / 2
      let m = self.id(at: mid)
      if m == id { return record(at: mid)?.location }
      if m < id { lo = mid + 1 } else { hi = mid }
    }
    return nil
  }

  /// Every record in id order (for merging, gc and fsck). An invalid record (unknown type
  /// or pack number, implausible lengths) or ids out of order — which would make lookups
  /// miss — are reported, not skipped silently.
  public func allRecords() throws -> [IndexFormat.Record] {
    var out: [IndexFormat.Record] = []
    out.reserveCapacity(entryCount)
    for i in 0..<entryCount {
      guard let r = record(at: i) else {
        throw StoreError.corruptIndex(path: path, reason: "entry \(i) is invalid")
      }
      if let last = out.last, !(last.id < r.id) {
        throw StoreError.corruptIndex(path: path, reason: "entries \(i - 1) and \(i) are out of order")
      }
      out.append(r)
    }
    return out
  }

  public var packIDs: [ObjectID] { packs }
}
