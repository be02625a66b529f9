import MLVSystem

/// Byte layout of a pack file (docs/design.md, "Packs"):
///
///     pack    = blob_1 .. blob_n  header  trailer
///     header  = entry_1 .. entry_n                  44 bytes each, in blob order
///     entry   = id[32] type[1] codec[1] reserved[2]=0 rawLength[u32 LE] storedLength[u32 LE]
///     trailer = entryCount[u32 LE] magic "MLVPACK" version[1]
///
/// The version names the codecs a pack may hold: '1' raw and zlib (every mlv before zstd),
/// '2' adds zstd. A pack is written at the lowest version its entries need, so packs
/// without zstd (weights, random data) stay readable by an mlv that predates it, and an
/// older mlv refuses a zstd pack by its magic rather than misreading an entry.
///
/// Blobs are written as a stream and the header last (as restic does), so a pack is built
/// in one pass with constant memory; a blob's offset is the sum of the stored lengths
/// before it. The header makes every pack self-describing: indexes can be rebuilt from
/// packs alone (`fsck --repair`), and a pack's name is the SHA-256 of its header and
/// trailer, which name every blob by its content hash.
public enum PackFormat {
  /// The trailer's last 8 bytes: "MLVPACK" and the version digit.
  public static let magicPrefix: [UInt8] = Array("MLVPACK".utf8)
  /// The newest pack version this mlv reads and writes.
  public static let currentVersion: UInt8 = 2

  /// The trailer magic for `version` (1 or 2).
  public static func magic(version: UInt8) -> [UInt8] { magicPrefix + [UInt8(ascii: "0") + version] }

  /// The lowest version whose codecs cover `entries`.
  public static func version(for entries: [Entry]) -> UInt8 { entries.contains { $0.codec == .zstd } ? 2 : 1 }

  /// Whether pack `version` may hold `codec`.
  public static func allows(_ codec: Codec, version: UInt8) -> Bool { codec != .zstd || version >= 2 }
  public static let entrySize = 44
  public static let trailerSize = 12
  /// Packs are sealed near this size: large enough that a GiB is ~32 files and a remote
  /// transfer is ~32 requests, small enough to re-upload after an interruption cheaply.
  public static let targetSize = 32 * 1024 * 1024
  /// Index entries hold 32-bit offsets, so every blob must start and end below 4 GiB.
  public static let maxBlobBytes = Int64(UInt32.max)

  public struct Entry: Equatable, Sendable {
    public var id: ObjectID
    public var type: ObjectType
    public var codec: Codec
    public var rawLength: UInt32
    public var storedLength: UInt32

    public init(id: ObjectID, type: ObjectType, codec: Codec, rawLength: UInt32, storedLength: UInt32) {
      self.id = id
      self.type = type
      self.codec = codec
      self.rawLength = rawLength
      self.storedLength = storedLength
    }

    /// The index location of this entry at `offset` in `pack`.
    public func location(pack: ObjectID, offset: UInt32) -> ObjectLocation {
      ObjectLocation(
        pack: pack, offset: offset, storedLength: storedLength, rawLength: rawLength, type: type, codec: codec)
    }
  }

  /// An entry and where its blob starts in the pack.
  public struct LocatedEntry: Equatable, Sendable {
    public var entry: Entry
    public var offset: UInt32
    public init(entry: Entry, offset: UInt32) {
      self.entry = entry
      self.offset = offset
    }
    public func record(pack: ObjectID) -> IndexFormat.Record {
      IndexFormat.Record(id: entry.id, location: entry.location(pack: pack, offset: offset))
    }
  }

  public static func encodeHeader(_ entries: [Entry]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: entries.count * entrySize + trailerSize)
    out.withUnsafeMutableBytes { p in
      let base = p.baseAddress!
      for (i, e) in entries.enumerated() {
        let b = base + i * entrySize
        e.id.write(to: b)
        b.storeBytes(of: e.type.rawValue, toByteOffset: 32, as: UInt8.self)
        b.storeBytes(of: e.codec.rawValue, toByteOffset: 33, as: UInt8.self)
        b.storeBytes(of: e.rawLength.littleEndian, toByteOffset: 36, as: UInt32.self)
        b.storeBytes(of: e.storedLength.littleEndian, toByteOffset: 40, as: UInt32.self)
      }
      let t = base + entries.count * entrySize
      t.storeBytes(of: UInt32(entries.count).littleEndian, as: UInt32.self)
      for (i, b) in magic(version: version(for: entries)).enumerated() { t.storeBytes(of: b, toByteOffset: 4 + i, as: UInt8.self) }
    }
    return out
  }

  /// The pack id of a header (entries + trailer) as written by `encodeHeader`.
  public static func packID(ofHeader header: [UInt8]) -> ObjectID { ObjectID.hash(header) }

  /// Reads and validates the header of the pack `file`: a known type and codec in every
  /// entry, zero reserved bytes, plausible lengths, and blobs that exactly fill the space
  /// before the header. Returns the entries with their offsets and the pack id the header
  /// hashes to.
  public static func readHeader(_ file: POSIXFile) throws -> (entries: [LocatedEntry], id: ObjectID) {
    let size = try file.size()
    func bad(_ why: String) -> StoreError { .corruptPack(path: file.path, reason: why) }
    guard size >= Int64(trailerSize) else { throw bad("file is shorter than its trailer") }
    let trailer = try file.read(count: trailerSize, at: size - Int64(trailerSize))
    guard trailer.count == trailerSize, Array(trailer[4..<11]) == magicPrefix else { throw bad("missing pack magic") }
    let version = trailer[11] &- UInt8(ascii: "0")
    guard version >= 1 else { throw bad("missing pack magic") }
    guard version <= currentVersion else {
      throw StoreError.unsupportedFormat(path: file.path, found: "pack version \(Character(Unicode.Scalar(trailer[11])))")
    }
    let count = Int(UInt32(trailer[0]) | UInt32(trailer[1]) << 8 | UInt32(trailer[2]) << 16 | UInt32(trailer[3]) << 24)
    let headerSize = Int64(count) * Int64(entrySize)
    guard headerSize + Int64(trailerSize) <= size else { throw bad("header claims \(count) entries") }
    let tail = try file.read(count: Int(headerSize) + trailerSize, at: size - Int64(trailerSize) - headerSize)
    guard tail.count == Int(headerSize) + trailerSize else { throw bad("file changed while its header was read") }
    let entries = try parseEntries(
      tail, count: count, version: version, blobBytes: size - Int64(trailerSize) - headerSize, bad)
    return (entries, packID(ofHeader: tail))
  }

  /// Parses `count` entries from `tail` (header + trailer) of a pack of `version` whose
  /// blobs take `blobBytes`.
  static func parseEntries(
    _ tail: [UInt8], count: Int, version: UInt8, blobBytes: Int64, _ bad: (String) -> StoreError
  ) throws -> [LocatedEntry] {
    var result: [LocatedEntry] = []
    result.reserveCapacity(count)
    var offset: Int64 = 0
    try tail.withUnsafeBytes { p in
      for i in 0..<count {
        let base = p.baseAddress! + i * entrySize
        guard let type = ObjectType(rawValue: base.load(fromByteOffset: 32, as: UInt8.self)),
          let codec = Codec(rawValue: base.load(fromByteOffset: 33, as: UInt8.self))
        else { throw bad("entry \(i) has an unknown type or codec") }
        guard allows(codec, version: version) else { throw bad("entry \(i) is \(codec) in a version \(version) pack") }
        guard base.loadUnaligned(fromByteOffset: 34, as: UInt16.self) == 0 else {
          throw bad("entry \(i) has non-zero reserved bytes")
        }
        let raw = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 36, as: UInt32.self))
        let stored = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 40, as: UInt32.self))
        do { try BlobCodec.checkLengths(codec: codec, rawLength: raw, storedLength: stored) } catch {
          throw bad("entry \(i): \(error)")
        }
        let end = offset + Int64(stored)
        guard end <= maxBlobBytes else { throw bad("entry \(i) ends beyond 4 GiB") }
        let e = Entry(id: ObjectID(bytes: base), type: type, codec: codec, rawLength: raw, storedLength: stored)
        result.append(LocatedEntry(entry: e, offset: UInt32(offset)))
        offset = end
      }
    }
    guard offset == blobBytes else { throw bad("blobs take \(offset) bytes but the header starts at \(blobBytes)") }
    return result
  }
}
