/// The one place that turns an object's bytes into their stored form and back. Every read
/// of a stored object — from a local pack, a pack about to be pushed, a range fetched from
/// a remote — decodes through `decode`, so bytes that do not hash to their id never leave
/// the store, and never reach a remote.
public enum BlobCodec {
  /// Why stored bytes were refused; callers add where they came from.
  public struct Damage: Error, CustomStringConvertible, Sendable {
    public var reason: String
    public var description: String { reason }
  }

  /// The stored form of `raw`: zstd-compressed when asked and worth it (saves at least
  /// 1/8, see `Zstd`), else raw (nil bytes: store `raw` itself, no copy). zlib is never
  /// written any more, only read.
  public static func encode(_ raw: UnsafeRawBufferPointer, compress: Bool) -> (codec: Codec, bytes: [UInt8]?) {
    if compress, let packed = Zstd.compress(raw) { return (.zstd, packed) }
    return (.raw, nil)
  }

  /// Checks the lengths an index or pack header claims before anything is allocated: a
  /// flipped high bit must cost an error, not gigabytes of memory.
  public static func checkLengths(codec: Codec, rawLength: UInt32, storedLength: UInt32) throws(Damage) {
    switch codec {
    case .raw:
      guard rawLength == storedLength else { throw Damage(reason: "raw lengths disagree") }
    case .zlib:
      // zlib's maximum expansion is 1032:1.
      guard UInt64(rawLength) <= UInt64(storedLength) * 1032 + 64 else {
        throw Damage(reason: "implausible raw length \(rawLength) for \(storedLength) stored bytes")
      }
    case .zstd:
      guard rawLength <= Zstd.maxRawLength else {
        throw Damage(reason: "zstd raw length \(rawLength) exceeds the limit of \(Zstd.maxRawLength)")
      }
      guard UInt64(rawLength) <= UInt64(storedLength) * Zstd.maxExpansion else {
        throw Damage(reason: "implausible raw length \(rawLength) for \(storedLength) stored bytes")
      }
    }
  }

  /// The object's raw bytes, verified: decompressed to exactly `rawLength` bytes whose
  /// SHA-256 is `id`.
  public static func decode(
    _ id: ObjectID, codec: Codec, rawLength: UInt32, stored: UnsafeRawBufferPointer
  ) throws(Damage) -> [UInt8] {
    let raw = try decodeUnhashed(codec: codec, rawLength: rawLength, stored: stored)
    guard ObjectID.hash(raw) == id else { throw Damage(reason: "content does not match its id") }
    return raw
  }

  /// `decode` without the SHA-256 check: lengths and codec are checked, the content is not.
  /// Only for a reader that checks every byte against a reference of its own.
  public static func decodeUnhashed(
    codec: Codec, rawLength: UInt32, stored: UnsafeRawBufferPointer
  ) throws(Damage) -> [UInt8] {
    guard stored.count <= Int(UInt32.max) else { throw Damage(reason: "longer than a pack entry can be") }
    try checkLengths(codec: codec, rawLength: rawLength, storedLength: UInt32(stored.count))
    let raw: [UInt8]
    switch codec {
    case .raw: raw = Array(stored)
    case .zlib:
      guard let inflated = Compression.inflate(stored, rawLength: Int(rawLength)) else {
        throw Damage(reason: "compressed data is damaged")
      }
      raw = inflated
    case .zstd:
      switch Zstd.decompress(stored, rawLength: Int(rawLength)) {
      case .success(let bytes): raw = bytes
      case .failure(let damage): throw damage
      }
    }
    guard raw.count == Int(rawLength) else { throw Damage(reason: "decodes to \(raw.count) bytes, expected \(rawLength)") }
    return raw
  }

  /// `decode` for an entry of a pack header or index.
  public static func decode(_ entry: PackFormat.Entry, stored: UnsafeRawBufferPointer) throws(Damage) -> [UInt8] {
    guard stored.count == Int(entry.storedLength) else {
      throw Damage(reason: "truncated: \(stored.count) of \(entry.storedLength) bytes")
    }
    return try decode(entry.id, codec: entry.codec, rawLength: entry.rawLength, stored: stored)
  }

  /// `decode` of stored bytes held in an array.
  public static func decode(_ id: ObjectID, codec: Codec, rawLength: UInt32, stored: [UInt8]) throws(Damage) -> [UInt8] {
    try stored.withUnsafeBytes { p in
      Result { () throws(Damage) in try decode(id, codec: codec, rawLength: rawLength, stored: p) }
    }.get()
  }

  /// `decode` of an entry's stored bytes held in an array.
  public static func decode(_ entry: PackFormat.Entry, stored: [UInt8]) throws(Damage) -> [UInt8] {
    try stored.withUnsafeBytes { p in Result { () throws(Damage) in try decode(entry, stored: p) } }.get()
  }
}
