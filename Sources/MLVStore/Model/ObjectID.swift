import Crypto

/// The SHA-256 of an object's uncompressed bytes: the object's name everywhere (packs,
/// indexes, manifests, pointers, remotes). Stored as four big-endian words so comparison
/// and hashing are cheap and the sort order equals the order of the hex strings.
public struct ObjectID: Hashable, Comparable, Sendable, CustomStringConvertible {
  public var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

  public static let byteCount = 32

  public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
    (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
  }

  /// Reads 32 bytes (big-endian words) from `p`.
  public init(bytes p: UnsafeRawPointer) {
    func word(_ at: Int) -> UInt64 { UInt64(bigEndian: p.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
    self.init(w0: word(0), w1: word(8), w2: word(16), w3: word(24))
  }

  public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
    guard bytes.count == 32 else { return nil }
    let array = Array(bytes)
    self = array.withUnsafeBytes { ObjectID(bytes: $0.baseAddress!) }
  }

  /// Parses exactly 64 lowercase hex digits; anything else is nil (ids in pointers and
  /// manifests are canonical, so upper case is rejected rather than normalised).
  public init?<S: StringProtocol>(hex: S) {
    let utf8 = Array(hex.utf8)
    guard utf8.count == 64 else { return nil }
    var words: [UInt64] = [0, 0, 0, 0]
    for (i, c) in utf8.enumerated() {
      let v: UInt64
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt64(c - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): v = UInt64(c - UInt8(ascii: "a") + 10)
      default: return nil
      }
      words[i / 16] = words[i / 16] << 4 | v
    }
    self.init(w0: words[0], w1: words[1], w2: words[2], w3: words[3])
  }

  public static func hash(_ bytes: UnsafeRawBufferPointer) -> ObjectID {
    let digest = SHA256.hash(data: bytes)
    return digest.withUnsafeBytes { ObjectID(bytes: $0.baseAddress!) }
  }

  public static func hash(_ bytes: [UInt8]) -> ObjectID {
    bytes.withUnsafeBytes { hash($0) }
  }

  /// The id of bytes fed in pieces: for checksums of files written as they are made (a
  /// million-entry stat cache is not assembled in memory to be hashed).
  public struct Hasher {
    private var sha = SHA256()
    public init() {}
    public mutating func update(_ bytes: UnsafeRawBufferPointer) { sha.update(bufferPointer: bytes) }
    public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }
    /// The id of everything fed so far; the hasher goes on from there.
    public func current() -> ObjectID {
      sha.finalize().withUnsafeBytes { ObjectID(bytes: $0.baseAddress!) }
    }
  }

  /// The digest of zero bytes: the id of an empty file, which needs no stored object.
  public static let empty = ObjectID.hash([])

  public var bytes: [UInt8] {
    var out = [UInt8](repeating: 0, count: 32)
    out.withUnsafeMutableBytes { write(to: $0.baseAddress!) }
    return out
  }

  public func write(to p: UnsafeMutableRawPointer) {
    p.storeBytes(of: w0.bigEndian, toByteOffset: 0, as: UInt64.self)
    p.storeBytes(of: w1.bigEndian, toByteOffset: 8, as: UInt64.self)
    p.storeBytes(of: w2.bigEndian, toByteOffset: 16, as: UInt64.self)
    p.storeBytes(of: w3.bigEndian, toByteOffset: 24, as: UInt64.self)
  }

  /// The first byte: the fan-out bucket in index files and the pack directory name.
  public var firstByte: UInt8 { UInt8(w0 >> 56) }

  public var hex: String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8](repeating: 0, count: 64)
    for (k, w) in [w0, w1, w2, w3].enumerated() {
      for j in 0..<16 { out[k * 16 + j] = digits[Int((w >> UInt64(60 - 4 * j)) & 0xF)] }
    }
    return String(decoding: out, as: UTF8.self)
  }

  public var shortHex: String { String(hex.prefix(12)) }
  public var description: String { hex }

  public static func < (a: ObjectID, b: ObjectID) -> Bool {
    (a.w0, a.w1, a.w2, a.w3) < (b.w0, b.w1, b.w2, b.w3)
  }
}

/// What an object is; recorded in pack headers and indexes so a reader knows how to
/// interpret bytes before parsing them.
public enum ObjectType: UInt8, Sendable, CustomStringConvertible {
  /// A piece of file content.
  case chunk = 0
  /// The ordered chunk list of a file with more than one chunk (docs/design.md).
  case fileList = 1
  /// A directory manifest: path, mode, size and content id of every file (format 1
  /// pointers; still read).
  case manifest = 2
  /// A node of a directory's tree (format 2 pointers): a run of the sorted file listing,
  /// or a list of child nodes (docs/design.md, "Directory trees").
  case tree = 3

  public var description: String {
    switch self {
    case .chunk: return "chunk"
    case .fileList: return "file list"
    case .manifest: return "manifest"
    case .tree: return "tree node"
    }
  }
}

/// How an object's bytes are stored inside a pack (docs/design.md, "Packs"). zlib is what
/// pack format 1 wrote and is still read; new objects are compressed with zstd (format 2).
public enum Codec: UInt8, Sendable {
  case raw = 0
  case zlib = 1
  case zstd = 2
}
