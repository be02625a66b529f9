/// What the layers above need from a store. `DiskStore` is the real one; `MemoryStore`
/// serves unit tests of the workspace layer.
public protocol ObjectStore: AnyObject {
  /// The type and size of a stored object, or nil when it is not in the store.
  func info(_ id: ObjectID) -> (type: ObjectType, rawLength: Int)?
  /// The object's bytes, verified against `id`; throws `missingObject` or `corruptObject`.
  func read(_ id: ObjectID) throws -> [UInt8]
  /// A writer that batches new objects; they become visible to `info` at once and durable
  /// at `flush()`.
  func makeWriter() -> ObjectWriter
}

extension ObjectStore {
  public func contains(_ id: ObjectID) -> Bool { info(id) != nil }
}

/// Accepts objects from several threads at once.
public protocol ObjectWriter: AnyObject, Sendable {
  /// Stores the object unless the store already has it; returns whether it was new.
  /// `compress` asks for zlib, which is kept only when it saves at least 1/8.
  @discardableResult
  func put(_ id: ObjectID, type: ObjectType, bytes: UnsafeRawBufferPointer, compress: Bool) throws -> Bool
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
