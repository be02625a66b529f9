import Foundation
import MLVSystem

/// An in-memory store with the same contracts as `DiskStore` (`ObjectStore`,
/// `StoreMaintenance`, `PackTransfer`), for unit tests of the layers above it: the
/// workspace, its object graph, gc and fsck decisions, and remote transfers. Objects are
/// kept raw (codec `raw`); packs exist only in transit, as files in `temporaryDirectory`.
/// Thread-safe.
public final class MemoryStore: ObjectStore, StoreMaintenance, PackTransfer, @unchecked Sendable {
  private var objects: [ObjectID: (type: ObjectType, bytes: [UInt8])] = [:]
  private let lock = NSLock()
  public let temporaryDirectory: String

  /// `temporaryDirectory` holds packs being built or downloaded (created if missing).
  public init(temporaryDirectory: String? = nil) {
    self.temporaryDirectory = temporaryDirectory ?? NSTemporaryDirectory() + "mlv-memory-store-\(UInt64.random(in: 0...UInt64.max))"
  }

  public func info(_ id: ObjectID) -> (type: ObjectType, rawLength: Int)? {
    lock.withLock { objects[id].map { ($0.type, $0.bytes.count) } }
  }

  public func read(_ id: ObjectID) throws -> [UInt8] {
    guard let (_, bytes) = lock.withLock({ objects[id] }) else { throw StoreError.missingObject(id) }
    guard ObjectID.hash(bytes) == id else {
      throw StoreError.corruptObject(id, location: "memory", reason: "content does not match its id")
    }
    return bytes
  }

  /// Replaces an object's bytes without changing its id: lets tests simulate corruption.
  public func corrupt(_ id: ObjectID, with bytes: [UInt8]) {
    lock.withLock { if let (type, _) = objects[id] { objects[id] = (type, bytes) } }
  }

  /// Drops an object: lets tests simulate a lost pack.
  public func remove(_ id: ObjectID) { lock.withLock { objects[id] = nil } }

  public var count: Int { lock.withLock { objects.count } }
  public var ids: Set<ObjectID> { lock.withLock { Set(objects.keys) } }

  fileprivate func insert(_ id: ObjectID, _ type: ObjectType, _ bytes: [UInt8]) -> Bool {
    lock.withLock {
      guard objects[id] == nil else { return false }
      objects[id] = (type, bytes)
      return true
    }
  }

  public func makeWriter() -> ObjectWriter { Writer(store: self) }

  /// Thread-safe: its counters change only under the store's lock.
  final class Writer: ObjectWriter, @unchecked Sendable {
    let store: MemoryStore
    private let stats = Locked((raw: Int64(0), stored: Int64(0), objects: 0))
    init(store: MemoryStore) { self.store = store }

    func put(_ id: ObjectID, type: ObjectType, bytes: UnsafeRawBufferPointer, compress: Bool) throws -> Bool {
      guard store.insert(id, type, Array(bytes)) else { return false }
      stats.update { $0 = ($0.raw + Int64(bytes.count), $0.stored + Int64(bytes.count), $0.objects + 1) }
      return true
    }

    func putEncoded(_ entry: PackFormat.Entry, bytes: UnsafeRawBufferPointer) throws -> Bool {
      let raw: [UInt8]
      do { raw = try BlobCodec.decode(entry, stored: bytes) } catch {
        throw StoreError.corruptObject(entry.id, location: "incoming data", reason: error.reason)
      }
      return try raw.withUnsafeBytes { try put(entry.id, type: entry.type, bytes: $0, compress: false) }
    }

    func flush() throws {}
    var newBytes: (raw: Int64, stored: Int64, objects: Int) { stats.value }
  }

  // MARK: StoreMaintenance

  public func refresh() throws {}
  public var loadProblems: [String] { [] }

  public func check(progress: (@Sendable (Int64) -> Void)?) throws -> StoreCheck {
    var report = StoreCheck()
    for (id, (_, bytes)) in lock.withLock({ objects }) {
      report.objectsChecked += 1
      report.bytesChecked += Int64(bytes.count)
      if ObjectID.hash(bytes) != id { report.corrupt.append((id, "memory", "content does not match its id")) }
      progress?(Int64(bytes.count))
    }
    return report
  }

  public func prune(keeping live: Set<ObjectID>, dryRun: Bool, progress: (@Sendable (Int64) -> Void)?) throws -> PruneReport {
    var report = PruneReport()
    lock.withLock {
      report.liveObjects = live.filter { objects[$0] != nil }.count
      report.missing = live.count - report.liveObjects
      for (id, (_, bytes)) in objects where !live.contains(id) {
        report.deadObjects += 1
        report.deadBytes += Int64(bytes.count)
        report.bytesFreed += Int64(bytes.count)
        if !dryRun { objects[id] = nil }
      }
    }
    return report
  }

  public func repair(progress: (@Sendable (Int64) -> Void)?) throws -> RepairReport {
    var report = RepairReport()
    lock.withLock {
      for (id, (_, bytes)) in objects where ObjectID.hash(bytes) != id {
        objects[id] = nil
        report.lost.insert(id)
      }
    }
    return report
  }

  public func removeOrphanedTemporaryFiles() -> Int { 0 }

  // MARK: PackTransfer

  public func layout(of ids: Set<ObjectID>) -> PackLayout {
    var layout = PackLayout()
    for id in ids {
      if let info = info(id) {
        layout.loose.append(id)
        layout.storedBytes += Int64(info.rawLength)
      } else {
        layout.notLocal.append(id)
      }
    }
    return layout
  }

  public func verifiedPack(_ pack: ObjectID) throws -> SealedPack {
    throw StoreError.missingObject(pack)  // `layout` never names whole packs
  }

  public func encodedObject(_ id: ObjectID) throws -> (entry: PackFormat.Entry, bytes: [UInt8]) {
    let bytes = try read(id)
    guard let type = info(id)?.type else { throw StoreError.missingObject(id) }
    return (PackFormat.Entry(id: id, type: type, codec: .raw, rawLength: UInt32(bytes.count), storedLength: UInt32(bytes.count)), bytes)
  }

  public func verifyDownloadedPack(at path: String, expectedID: ObjectID) throws -> SealedPack {
    let file = try POSIXFile.openForReading(path)
    let (entries, id) = try PackFormat.readHeader(file)
    guard id == expectedID else { throw StoreError.corruptPack(path: path, reason: "its header does not match its name") }
    for e in entries {
      let stored = try file.read(count: Int(e.entry.storedLength), at: Int64(e.offset))
      do { _ = try BlobCodec.decode(e.entry, stored: stored) } catch {
        throw StoreError.corruptObject(e.entry.id, location: path, reason: error.reason)
      }
    }
    return SealedPack(path: path, id: id, entries: entries)
  }

  public func adopt(_ packs: [SealedPack]) throws {
    for p in packs {
      let file = try POSIXFile.openForReading(p.path)
      for e in p.entries {
        let stored = try file.read(count: Int(e.entry.storedLength), at: Int64(e.offset))
        let raw = try BlobCodec.decode(e.entry, stored: stored)
        _ = insert(e.entry.id, e.entry.type, raw)
      }
      FS.remove(p.path)
    }
  }
}
