import Foundation
import MLVSystem

/// The disk store's `ObjectWriter`: appends new objects to temporary packs (`PackBuilder`)
/// and hands each pack back to the store as soon as it is sealed, the rest at `flush`
/// (docs/design.md, "Write ordering"). It owns its builders and its counters; the store
/// owns which objects exist. Publishing each full pack at once bounds the store's memory by
/// the packs being filled: held until `flush`, a 1M-object add kept ~290 bytes per object
/// of pending entries and index records (~0.6 GB).
///
/// Thread-safe, and built so every lane writes at full speed: a `put` checks a builder out
/// of the idle list (or opens a new one), so each pack has one writer at a time and all
/// I/O — buffer flushes, direct writes, sealing — happens outside the lock, which only
/// guards the bookkeeping (~1 µs per object). Copying a GiB into the page cache is ~0.4 s
/// of CPU; under one lock it would serialise the lanes.
///
/// After a failed write the writer refuses further work (the failure is sticky) and, when
/// released, removes its unpublished temporary packs and tells the store to forget their
/// objects, so a full disk leaves nothing behind but the packs already published: those
/// are complete and indexed, and no pointer names their objects until `flush` returns, so
/// they are valid unreferenced objects that a retry reuses and gc removes.
final class PackWriter: ObjectWriter, @unchecked Sendable {  // state under `lock`, builders checked out
  let store: DiskStore
  private let lock = NSCondition()
  /// Builders no thread is writing to; each may hold buffered objects.
  private var idle: [PackBuilder] = []
  /// Builders checked out by a `put` in progress.
  private var checkedOut = 0
  /// Sealed packs not (yet) published: their temporary files go when the writer does.
  private var unpublished: [String] = []
  private var failure: Error?
  private var stats: (raw: Int64, stored: Int64, objects: Int) = (0, 0, 0)
  let packTarget: Int
  /// The indexes this writer published, merged in tiers: whenever the newest `tierFanIn`
  /// have the same level they become one of the next level, and `flush` merges the rest
  /// into one. A 1 GB add publishes ~32 packs; one index each would make every later
  /// lookup (each `put` first asks whether the store has the object) search ~32 indexes,
  /// while merging on every publish would rewrite the session's entries ~16 times. Tiers
  /// keep at most ~2 x 7 + 1 of them and write each entry about twice. Only indexes since
  /// the last `flush` take part. Guarded by `store.publishLock`, which every publish holds.
  private var tiers: [(path: String, level: Int)] = []
  static let tierFanIn = 8

  init(store: DiskStore, packTarget: Int = PackFormat.targetSize) {
    self.store = store
    self.packTarget = packTarget
  }

  deinit {
    // No put is in progress (it would hold a reference), so every builder is idle.
    for b in idle { b.discard() }
    for path in unpublished { FS.remove(path) }
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
        sealedNow.append(try seal(b))
        builder = nil
      }
      let b = try builder ?? PackBuilder(directory: store.temporaryDirectory, targetSize: packTarget)
      builder = b
      store.written(try b.append(entry, stored: data), in: b.path, by: self)
      if b.isFull {
        sealedNow.append(try seal(b))
        builder = nil
      }
    } catch {
      writeError = error
    }
    // Publish what this append sealed, still counted as checked out so `flush` waits for
    // it. Not after a failure: that pack is released with the rest.
    if writeError == nil, !sealedNow.isEmpty, checkFailureQuietly() {
      do { try publish(sealedNow) } catch { writeError = error }
    }

    lock.lock()
    defer {
      checkedOut -= 1
      lock.broadcast()
      lock.unlock()
    }
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

  /// Whether no lane has failed yet.
  private func checkFailureQuietly() -> Bool { lock.withLock { failure == nil } }

  /// Seals `b` and records its temporary file as unpublished.
  private func seal(_ b: PackBuilder) throws -> SealedPack {
    lock.withLock { unpublished.append(b.path) }
    let sealed = try b.seal()
    store.written(b.entries[...], in: b.path, by: self)  // the seal wrote out the buffer
    return sealed
  }

  /// Publishes sealed packs with one index, then merges this writer's indexes by tier
  /// (`final`: all into one). Any thread may call it; the store serialises publishes.
  private func publish(_ packs: [SealedPack], final: Bool = false) throws {
    for s in packs { try POSIXFile.openForReading(s.path).sync() }
    store.publishLock.lock()
    defer { store.publishLock.unlock() }
    if let path = try store.publish(packs, mergeIfMany: false) {
      let done = Set(packs.map(\.path))
      lock.withLock { unpublished.removeAll { done.contains($0) } }
      tiers.append((path, 0))
    }
    while tiers.count >= Self.tierFanIn, let level = tiers.last?.level,
      tiers.suffix(Self.tierFanIn).allSatisfy({ $0.level == level })
    {
      let group = tiers.suffix(Self.tierFanIn).map(\.path)
      tiers.removeLast(Self.tierFanIn)
      if let merged = try store.mergeIndexes(at: group) { tiers.append((merged, level + 1)) }
    }
    if final {
      // A flush leaves one index, as before packs were published early, and starts the
      // tiers afresh: a writer flushed repeatedly (a pull flushes every 256 MiB) would
      // otherwise rewrite everything it wrote at each flush; the store's threshold merge
      // takes over from here.
      let all = tiers.map(\.path)
      tiers.removeAll()
      if all.count > 1 { try store.mergeIndexes(at: all) }
    }
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
          do { store.written(try b.drain(), in: b.path, by: self) } catch { failure = failure ?? error }
        }
        if !store.isPendingWithoutFile(id) { return }
      }
      // A put between reserving the id and checking a builder out, or one writing now.
      _ = lock.wait(until: Date().addingTimeInterval(0.05))
    }
  }

  func flush() throws {
    lock.lock()
    while checkedOut > 0 { lock.wait() }
    if let f = failure {
      lock.unlock()
      throw f
    }
    // Seal and publish without the lock (both take it for bookkeeping), counted as checked
    // out so a concurrent `writeOut` waits for the seal to write the buffers out.
    let builders = idle
    idle.removeAll()
    checkedOut += 1
    lock.unlock()
    var error: Error?
    do {
      var sealed: [SealedPack] = []
      for b in builders { sealed.append(try seal(b)) }
      try publish(sealed, final: true)
      if store.loadedIndexes.count > DiskStore.mergeThreshold { try store.mergeIndexes() }
    } catch let e {
      error = e
    }
    lock.lock()
    defer { lock.unlock() }
    checkedOut -= 1
    lock.broadcast()
    if let error {
      // Builders that failed to seal are removed by deinit with the rest.
      for b in builders where !unpublished.contains(b.path) { b.discard() }
      failure = error
      throw error
    }
  }
}
