/// What every layer above the store reads through: restic's `Loader`. `DiskStore` is the
/// real one; `MemoryStore` serves the unit tests of the layers above.
public protocol ObjectReader: AnyObject, Sendable {
  /// The type and size of a stored object, or nil when it is not in the store. An object
  /// whose pack file has gone counts as not in the store, so a fetch brings it back.
  func info(_ id: ObjectID) -> (type: ObjectType, rawLength: Int)?
  /// The object's bytes, verified against `id`; throws `missingObject` or `corruptObject`
  /// (or an `IOError` when the disk fails).
  func read(_ id: ObjectID) throws -> [UInt8]
}

extension ObjectReader {
  public func contains(_ id: ObjectID) -> Bool { info(id) != nil }
}

/// A reader that can skip the per-object SHA-256 for a caller that checks every byte it
/// reads against a reference of its own: `model verify` hashes whole files against their
/// signed digests, and checking each chunk as well would hash every byte twice.
public protocol UnhashedObjectReader: ObjectReader {
  /// The object's bytes, decoded and of the recorded length, but not checked against `id`.
  func readUnhashed(_ id: ObjectID) throws -> [UInt8]
}

/// A store that also accepts new objects: restic's `BlobSaver`.
public protocol ObjectStore: ObjectReader {
  /// A writer that batches new objects; they are known to `info` as soon as `put` returns
  /// and durable, with an index naming them, at `flush()`.
  func makeWriter() -> ObjectWriter
}

/// Accepts objects from several threads at once. Objects a writer accepted but never
/// flushed are forgotten when it is released: nothing half-written stays visible.
public protocol ObjectWriter: AnyObject, Sendable {
  /// Stores the object unless the store already has it; returns whether it was new.
  /// `compress` asks for compression, which is kept only when it saves at least 1/8.
  @discardableResult
  func put(_ id: ObjectID, type: ObjectType, bytes: UnsafeRawBufferPointer, compress: Bool) throws -> Bool
  /// Stores an object in its encoded form (as another pack holds it: a fetched range),
  /// after verifying that it decodes to bytes whose hash is `entry.id`; throws
  /// `corruptObject` otherwise. Returns whether it was new.
  @discardableResult
  func putEncoded(_ entry: PackFormat.Entry, bytes: UnsafeRawBufferPointer) throws -> Bool
  /// Makes every object put so far durable. Only after `flush` returns may anything that
  /// refers to those objects (a pointer file, a manifest) be written.
  func flush() throws
  /// Bytes of new objects accepted so far (before compression) and their stored size.
  var newBytes: (raw: Int64, stored: Int64, objects: Int) { get }
}

extension ObjectWriter {
  @discardableResult
  public func put(_ id: ObjectID, type: ObjectType, bytes: [UInt8], compress: Bool) throws -> Bool {
    try bytes.withUnsafeBytes { try put(id, type: type, bytes: $0, compress: compress) }
  }
}

extension ObjectReader {
  /// The chunks that make up the file with content id `id` and `size` bytes. Sizes come
  /// from pointers and manifests, so they are checked against the store before use.
  public func chunks(ofFile id: ObjectID, size: Int64) throws -> [FileList.Chunk] {
    if size == 0 {
      guard id == .empty else { throw StoreError.invalidFileList(id, reason: "a file of 0 bytes must have the empty id") }
      return []
    }
    guard let info = info(id) else { throw StoreError.missingObject(id) }
    switch info.type {
    case .chunk:
      guard Int64(info.rawLength) == size, size <= Int64(UInt32.max) else {
        throw StoreError.corruptObject(
          id, location: "store", reason: "chunk holds \(info.rawLength) bytes, expected \(size)")
      }
      return [FileList.Chunk(id: id, length: UInt32(size))]
    case .fileList:
      let list = try FileList.decode(try read(id), id: id)
      guard list.size == size else {
        throw StoreError.invalidFileList(id, reason: "describes \(list.size) bytes, expected \(size)")
      }
      return list.chunks
    case .manifest, .tree:
      throw StoreError.invalidFileList(id, reason: "is a \(info.type), not file content")
    }
  }
}
