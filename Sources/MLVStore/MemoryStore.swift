import Foundation

/// An in-memory store with the same contract as `DiskStore`, for unit tests of the layers
/// above it. Thread-safe.
public final class MemoryStore: ObjectStore, @unchecked Sendable {
  private var objects: [ObjectID: (ObjectType, [UInt8])] = [:]
  private let lock = NSLock()

  public init() {}

  public func info(_ id: ObjectID) -> (type: ObjectType, rawLength: Int)? {
    lock.lock()
    defer { lock.unlock() }
    return objects[id].map { ($0.0, $0.1.count) }
  }

  public func read(_ id: ObjectID) throws -> [UInt8] {
    lock.lock()
    let found = objects[id]
    lock.unlock()
    guard let (_, bytes) = found else { throw StoreError.missingObject(id) }
    guard ObjectID.hash(bytes) == id else {
      throw StoreError.corruptObject(id, location: "memory", reason: "content does not match its id")
    }
    return bytes
  }

  /// Replaces an object's bytes without changing its id: lets tests simulate corruption.
  public func corrupt(_ id: ObjectID, with bytes: [UInt8]) {
    lock.lock()
    defer { lock.unlock() }
    if let (type, _) = objects[id] { objects[id] = (type, bytes) }
  }

  public var count: Int {
    lock.lock()
    defer { lock.unlock() }
    return objects.count
  }

  public func makeWriter() -> ObjectWriter { Writer(store: self) }

  /// Thread-safe: its counters change only under the store's lock.
  final class Writer: ObjectWriter, @unchecked Sendable {
    let store: MemoryStore
    var stats: (raw: Int64, stored: Int64, objects: Int) = (0, 0, 0)
    init(store: MemoryStore) { self.store = store }

    func put(_ id: ObjectID, type: ObjectType, bytes: UnsafeRawBufferPointer, compress: Bool) throws -> Bool {
      store.lock.lock()
      defer { store.lock.unlock() }
      guard store.objects[id] == nil else { return false }
      store.objects[id] = (type, Array(bytes))
      stats.raw += Int64(bytes.count)
      stats.stored += Int64(bytes.count)
      stats.objects += 1
      return true
    }

    func flush() throws {}
    var newBytes: (raw: Int64, stored: Int64, objects: Int) { store.lock.withLock { stats } }
  }
}
