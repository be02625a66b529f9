/// The ordered chunks of a file with more than one chunk, stored as an object of type
/// `fileList`; its id is the file's content id (docs/design.md, "File content ids"):
///
///     fileList = magic "MLVFL001"[8] count[u64 LE] (chunkID[32] length[u32 LE]) * count
///
/// A file of zero bytes has the id of the empty string and no object; a file of exactly one
/// chunk has that chunk's id — the plain SHA-256 of the file, checkable with `sha256sum`.
public struct FileList: Equatable, Sendable {
  public static let magic: [UInt8] = Array("MLVFL001".utf8)
  public var chunks: [Chunk]

  public struct Chunk: Equatable, Sendable {
    public var id: ObjectID
    public var length: UInt32
    public init(id: ObjectID, length: UInt32) {
      self.id = id
      self.length = length
    }
  }

  public init(chunks: [Chunk]) { self.chunks = chunks }

  public var size: Int64 { chunks.reduce(0) { $0 + Int64($1.length) } }

  /// The content id of a file made of these chunks.
  public var fileID: ObjectID {
    switch chunks.count {
    case 0: return .empty
    case 1: return chunks[0].id
    default: return ObjectID.hash(encode())
    }
  }

  public func encode() -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 16 + chunks.count * 36)
    out.withUnsafeMutableBytes { p in
      let b = p.baseAddress!
      for (i, m) in Self.magic.enumerated() { b.storeBytes(of: m, toByteOffset: i, as: UInt8.self) }
      b.storeBytes(of: UInt64(chunks.count).littleEndian, toByteOffset: 8, as: UInt64.self)
      for (i, c) in chunks.enumerated() {
        c.id.write(to: b + 16 + i * 36)
        b.storeBytes(of: c.length.littleEndian, toByteOffset: 16 + i * 36 + 32, as: UInt32.self)
      }
    }
    return out
  }

  public static func decode(_ bytes: [UInt8], id: ObjectID) throws -> FileList {
    func bad(_ why: String) -> StoreError { .invalidFileList(id, reason: why) }
    guard bytes.count >= 16, Array(bytes[0..<8]) == magic else { throw bad("missing magic") }
    return try bytes.withUnsafeBytes { p in
      let count = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
      // Compare by division: `count * 36` overflows (and traps) for a hostile count.
      let body = UInt64(bytes.count - 16)
      guard count >= 2, body % 36 == 0, body / 36 == count else { throw bad("length does not match \(count) chunks") }
      let chunks = (0..<Int(count)).map { i in
        Chunk(
          id: ObjectID(bytes: p.baseAddress! + 16 + i * 36),
          length: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 16 + i * 36 + 32, as: UInt32.self)))
      }
      guard chunks.allSatisfy({ $0.length > 0 }) else { throw bad("contains an empty chunk") }
      return FileList(chunks: chunks)
    }
  }
}
