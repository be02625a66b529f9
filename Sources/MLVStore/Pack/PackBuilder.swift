import MLVSystem

#if canImport(Glibc)
  import Glibc
#endif

/// A pack sealed in a temporary directory: complete on disk, named by nobody yet. The
/// store publishes it (rename into packs/, then an index), or it is discarded.
public struct SealedPack: Sendable {
  public var path: String
  public var id: ObjectID
  public var entries: [PackFormat.LocatedEntry]

  public var records: [IndexFormat.Record] { entries.map { $0.record(pack: id) } }
  public var size: Int64 { FS.fileSize(path) }
}

/// Writes one pack file: blobs as a stream, then the header (docs/design.md, "Packs").
/// The one pack builder of mlv: the store's writer, gc's repack, repair's salvage and
/// push's repack of loose objects all write packs through it.
///
/// Blobs of 64 KiB or more are written at their offset at once; smaller ones are gathered
/// in a 4 MiB buffer, so 20,000 small files cost a few hundred write calls, not 20,000.
/// Not thread-safe: one owner at a time (`PackWriter` checks builders out to threads).
public final class PackBuilder: @unchecked Sendable {
  public let path: String
  private let file: POSIXFile
  public private(set) var entries: [PackFormat.LocatedEntry] = []
  /// Bytes of blobs appended so far (the next blob's offset).
  public private(set) var size: Int64 = 0
  private var buffer: [UInt8] = []
  private var bufferBase: Int64 = 0
  /// Entries whose bytes sit in `buffer`, as indices into `entries`.
  private var buffered: Range<Int> = 0..<0
  public private(set) var sealed: SealedPack?
  /// The size at which `isFull` says to seal (`PackFormat.targetSize`; smaller in tests).
  let targetSize: Int64

  public static let bufferSize = 4 * 1024 * 1024
  public static let directWriteSize = 64 * 1024

  /// Opens a new temporary pack file in `directory`, named so that the next command can
  /// tell whether its creator is still running (`FS.temporaryPath`).
  public init(directory: String, prefix: String = "pack", targetSize: Int = PackFormat.targetSize) throws {
    self.targetSize = Int64(targetSize)
    path = FS.temporaryPath(in: directory, prefix: prefix)
    file = try POSIXFile.create(path)
  }

  /// Whether a blob of `storedLength` bytes still fits below the 32-bit offset limit.
  public func fits(_ storedLength: Int) -> Bool {
    size + Int64(storedLength) <= PackFormat.maxBlobBytes
  }

  /// Whether the pack has reached its target size and should be sealed.
  public var isFull: Bool { size >= targetSize }

  /// Appends one blob in its stored form. Returns the entries whose bytes reached the file
  /// during this call (readable from `path` from now on); buffered ones follow later. After
  /// a failed write the builder must be discarded: its buffer may be lost.
  @discardableResult
  public func append(_ entry: PackFormat.Entry, stored: UnsafeRawBufferPointer) throws -> ArraySlice<PackFormat.LocatedEntry> {
    precondition(sealed == nil, "append to a sealed pack")
    guard stored.count == Int(entry.storedLength), fits(stored.count) else {
      throw StoreError.objectTooLarge(entry.id, bytes: stored.count)
    }
    if stored.count >= Self.directWriteSize {
      let drained = try drain()  // keeps the buffer one contiguous range before this blob
      let offset = size
      try file.write(stored, at: offset)
      let first = drained.isEmpty ? entries.count : drained.startIndex
      entries.append(PackFormat.LocatedEntry(entry: entry, offset: UInt32(offset)))
      size += Int64(stored.count)
      return entries[first...]
    }
    let offset = size
    let index = entries.count
    entries.append(PackFormat.LocatedEntry(entry: entry, offset: UInt32(offset)))
    size += Int64(stored.count)
    if buffer.isEmpty {
      bufferBase = offset
      buffered = index..<index
      buffer.reserveCapacity(Self.bufferSize + Self.directWriteSize)
    }
    buffer.append(contentsOf: stored)
    buffered = buffered.lowerBound..<(index + 1)
    if buffer.count >= Self.bufferSize { return try drain() }
    return []
  }

  /// Writes the buffered blobs; returns the entries that reached the file.
  @discardableResult
  public func drain() throws -> ArraySlice<PackFormat.LocatedEntry> {
    guard !buffer.isEmpty else { return [] }
    try file.write(buffer, at: bufferBase)
    buffer.removeAll(keepingCapacity: true)
    let done = buffered
    buffered = entries.count..<entries.count
    return entries[done]
  }

  /// Finishes the pack: the header goes after the last byte. The pack's id is the SHA-256
  /// of header and trailer, which name every blob by its content hash — unique without
  /// re-hashing the blob bytes (a second full SHA-256 pass would cost ~0.7 s per GiB).
  @discardableResult
  public func seal() throws -> SealedPack {
    if let sealed { return sealed }
    try drain()
    let header = PackFormat.encodeHeader(entries.map(\.entry))
    try file.write(header, at: size)
    file.startWriteback()
    let done = SealedPack(path: path, id: PackFormat.packID(ofHeader: header), entries: entries)
    sealed = done
    return done
  }

  /// Makes the sealed file durable (with MLV_FSYNC=1) before it is renamed into place.
  public func sync() throws { try file.sync() }

  /// Removes the file (an abandoned or failed pack).
  public func discard() { FS.remove(path) }
}
