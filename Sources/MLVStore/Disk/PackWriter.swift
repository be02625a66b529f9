import Foundation
import MLVSystem

/// The disk store's `ObjectWriter`: appends new objects to temporary packs (`PackBuilder`)
/// and hands each sealed pack back to the store at `flush` (docs/design.md, "Write
/// ordering"). It owns its builders and its counters; the store owns which objects exist.
///
/// Thread-safe, and built so every lane writes at full speed: a `put` checks a builder out
/// of the idle list (or opens a new one), so each pack has one writer at a time and all
/// I/O — buffer flushes, direct writes, sealing — happens outside the lock, which only
/// guards the bookkeeping (~1 µs per object). Copying a GiB into the page cache is ~0.4 s
/// of CPU; under one lock it would serialise the lanes.
///
/// After a failed write the writer refuses further work (the failure is sticky) and, when
/// released, removes its temporary packs and tells the store to forget its objects, so a
/// full disk leaves nothing behind.
final class PackWriter: ObjectWriter, @unchecked Sendable {  // state under `lock`, builders checked out
  let store: DiskStore
  private let lock = NSCondition()
  /// Builders no thread is writing to; each may hold buffered objects.
  private var idle: [PackBuilder] = []
  /// Builders checked out by a `put` in progress.
  private var checkedOut = 0
  private var sealed: [SealedPack] = []
  private var failure: Error?
  private var stats: (raw: Int64, stored: Int64, objects: Int) = (0, 0, 0)

  init(store: DiskStore) { self.store = store }

  deinit {
    // No put is in progress (it would hold a reference), so every builder is idle.
    for b in idle { b.discard() }
    for s in sealed { FS.remove(s.path) }
    store.writerFinished(self)
  }

  var newBytes: (raw: Int64, stored: Int64, objects: Int) { lock.withLock { stats } }

  func put(_ id: ObjectID, type: ObjectType, bytes: UnsafeRawBufferPointer, compress: Bool) throws -> Bool {
    guard bytes.count <= Int(UInt32.max) else { throw StoreError.objectTooLarge(id, bytes: bytes.count) }
    try checkFailure()
    guard store.reserve(id, type: type, rawLength: UInt32(bytes.count), by: self) else { return false }
    let (codec, encoded) = BlobCodec.encode(bytes, compress: compress)
    if let encoded {
      return try encoded.withUnsafeBytes { try append(id, type, codec, rawLength: bytes.count, $0) }
    }
    return try append(id, type, codec, rawLength: bytes.count, bytes)
  }

  func putEncoded(_ entry: PackFormat.Entry, bytes: UnsafeRawBufferPointer) throws -> Bool {
    do { _ = try BlobCodec.decode(entry, stored: bytes) } catch {
      throw StoreError.corruptObject(entry.id, location: "incoming data", reason: error.reason)
    }
    try checkFailure()
    guard store.reserve(entry.id, type: entry.type, rawLength: entry.rawLength, by: self) else { return false }
    return try append(entry.id, entry.type, entry.codec, rawLength: Int(entry.rawLength), bytes)
  }

  private func checkFailure() throws {
    if let f = lock.withLock({ failure }) { throw f }
  }

  /// Appends a reserved object to a checked-out builder.
  private func append(
    _ id: ObjectID, _ type: ObjectType, _ codec: Codec, rawLength: Int, _ data: UnsafeRawBufferPointer
  ) throws -> Bool {
    let entry = PackFormat.Entry(
      id: id, type: type, codec: codec, rawLength: UInt32(rawLength), storedLength: UInt32(data.count))
    lock.lock()
    if let f = failure {
      store.release([id], by: self)
      lock.broadcast()
      lock.unlock()
      throw f
    }
    var builder = idle.popLast()
    checkedOut += 1
    lock.unlock()

    // Write without the lock: the builder is this thread's until it is checked in.
    var sealedNow: [SealedPack] = []
    var writeError: Error?
    do {
      if let b = builder, !b.fits(data.count) {
        sealedNow.append(try b.seal())
        store.written(b.entries[...], in: b.path)
        builder = nil
      }
      let b = try builder ?? PackBuilder(directory: store.temporaryDirectory)
      builder = b
      store.written(try b.append(entry, stored: data), in: b.path)
      if b.isFull {
        sealedNow.append(try b.seal())
        store.written(b.entries[...], in: b.path)  // the seal wrote out the buffer
        builder = nil
      }
    } catch {
      writeError = error
    }

    lock.lock()
    defer {
      checkedOut -= 1
      lock.broadcast()
      lock.unlock()
    }
    sealed += sealedNow
    if let b = builder { idle.append(b) }
    if let writeError {
      failure = failure ?? writeError
      throw writeError
    }
    stats.raw += Int64(rawLength)
    stats.stored += Int64(data.count)
    stats.objects += 1
    return true
  }

  /// Makes the bytes of `id`, which this writer accepted, readable in a file: waits for
  /// the `put` that is writing it (it may not have checked a builder out yet) and writes
  /// out the idle builders' buffers, until the store knows where the object is or no
  /// longer has it pending (a failed write released it).
  func writeOut(forReading id: ObjectID) {
    lock.lock()
    defer { lock.unlock() }
    while store.isPendingWithoutFile(id) {
      if checkedOut == 0 {
        for b in idle {
          do { store.written(try b.drain(), in: b.path) } catch { failure = failure ?? error }
        }
        if !store.isPendingWithoutFile(id) { return }
      }
      // A put between reserving the id and checking a builder out, or one writing now.
      _ = lock.wait(until: Date().addingTimeInterval(0.05))
    }
  }

  func flush() throws {
    lock.lock()
    defer { lock.unlock() }
    while checkedOut > 0 { lock.wait() }
    if let f = failure { throw f }
    do {
      for b in idle { sealed.append(try b.seal()) }
      idle.removeAll()
      for s in sealed { try POSIXFile.openForReading(s.path).sync() }
      try store.publish(sealed)
      sealed.removeAll()
    } catch {
      failure = error
      throw error
    }
  }
}
