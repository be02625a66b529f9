import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Appends new objects to temporary pack files and seals each near `PackFormat.targetSize`.
///
/// Crash safety (docs/design.md, "Write ordering"): a pack is written under store/tmp, its
/// header appended, then (fsynced with MLV_FSYNC=1 and) renamed into packs/; only then is an
/// index naming its objects written. A kill at any point leaves either nothing visible or an
/// unreferenced pack that gc removes — never an index entry for missing bytes.
///
/// Thread-safe, and built so every lane writes at full speed: a `put` checks a pack out of
/// the idle list (or opens a new one), so each pack has one writer at a time and all I/O —
/// buffer flushes, direct writes, sealing — happens outside the lock, which only guards the
/// bookkeeping (~1 µs per object). Copying a GiB into the page cache is ~0.4 s of CPU; under
/// one lock it would serialise the lanes. Blobs of 64 KiB or more are written directly at
/// their offset; smaller ones are gathered in a 4 MiB buffer per pack, so 20,000 small files
/// cost a few hundred write calls, not 20,000. An object becomes visible to the store
/// (`pending`) once its bytes are in the file. A lookup that misses while objects are
/// unwritten calls `drainLocked`, which waits for checked-out packs and writes out the
/// buffers, so an object is readable as soon as any `put` of it has returned.
final class PackWriter: ObjectWriter, @unchecked Sendable {  // state under `lock`, packs checked out
  let store: DiskStore
  let lock = NSCondition()
  /// Packs no thread is writing to; each may hold buffered objects.
  var idle: [OpenPack] = []
  /// Packs checked out by a `put` in progress.
  var checkedOut = 0
  var sealed: [(tmp: String, id: ObjectID, entries: [(PackFormat.Entry, UInt32)])] = []
  /// Objects accepted by `put` whose bytes are not yet in a file (buffered or being
  /// written): a second `put` of the same id must not store it twice.
  var unwrittenIDs = Set<ObjectID>()
  var failure: Error?
  var stats: (raw: Int64, stored: Int64, objects: Int) = (0, 0, 0)
  static let bufferSize = 4 * 1024 * 1024
  static let directWriteSize = 64 * 1024

  /// A pack being filled. Only the thread that has it checked out (or a thread holding
  /// `lock` while nothing is checked out) touches it.
  final class OpenPack {
    let file: POSIXFile
    var entries: [(PackFormat.Entry, UInt32)] = []
    var size: Int64 = 0
    var buffer: [UInt8] = []
    var bufferBase: Int64 = 0
    var buffered: [(ObjectID, ObjectLocation)] = []
    /// Set once the header is written: the pack's id.
    var sealedID: ObjectID?
    init(file: POSIXFile) { self.file = file }
  }

  init(store: DiskStore) { self.store = store }

  deinit {
    // An abandoned writer (error path) leaves no temp files behind, and its objects must
    // leave `pending` too: otherwise the store would go on claiming them (and a retry's
    // `put` would skip them as duplicates) with their bytes deleted.
    // No put is in progress (it would hold a reference), so every pack is idle or sealed.
    var abandoned: [ObjectID] = []
    for p in idle {
      FS.remove(p.file.path)
      abandoned += p.entries.map { $0.0.id }
    }
    for s in sealed {
      FS.remove(s.tmp)
      abandoned += s.entries.map { $0.0.id }
    }
    store.lock.lock()
    for id in abandoned { store.pending[id] = nil }
    store.unwrittenObjects -= unwrittenIDs.count
    store.lock.unlock()
  }

  var newBytes: (raw: Int64, stored: Int64, objects: Int) {
    lock.lock()
    defer { lock.unlock() }
    return stats
  }

  func put(_ id: ObjectID, type: ObjectType, bytes: UnsafeRawBufferPointer, compress: Bool) throws -> Bool {
    if store.indexedOrPending(id) != nil { return false }
    if compress, let compressed = Compression.deflate(bytes) {
      return try compressed.withUnsafeBytes {
        try append(id, type: type, rawLength: bytes.count, data: $0, codec: .zlib)
      }
    }
    return try append(id, type: type, rawLength: bytes.count, data: bytes, codec: .raw)
  }

  private func append(
    _ id: ObjectID, type: ObjectType, rawLength: Int, data: UnsafeRawBufferPointer, codec: Codec
  ) throws -> Bool {
    // Reserve the id and check out a pack.
    lock.lock()
    if let f = failure {
      lock.unlock()
      throw f
    }
    // Another thread may have won the race, or the object may be buffered or in flight.
    if unwrittenIDs.contains(id) || store.indexedOrPending(id) != nil {
      lock.unlock()
      return false
    }
    unwrittenIDs.insert(id)
    store.lock.withLock { store.unwrittenObjects += 1 }
    var pack = idle.popLast()
    checkedOut += 1
    stats.raw += Int64(rawLength)
    stats.stored += Int64(data.count)
    stats.objects += 1
    lock.unlock()

    // Write without the lock: the pack is this thread's until it is checked in.
    var written: [(ObjectID, ObjectLocation)] = []
    var writeError: Error?
    do {
      if pack == nil { pack = try newPack() }
      let pack = pack!
      let offset = pack.size
      pack.entries.append(
        (
          PackFormat.Entry(
            id: id, type: type, codec: codec, rawLength: UInt32(rawLength), storedLength: UInt32(data.count)),
          UInt32(offset)
        ))
      pack.size += Int64(data.count)
      let location = ObjectLocation(
        pack: ObjectID.empty, offset: UInt32(offset), storedLength: UInt32(data.count),
        rawLength: UInt32(rawLength), type: type, codec: codec)
      if data.count >= Self.directWriteSize {
        try drain(pack, into: &written)  // keeps each pack's buffer one contiguous range
        try pack.file.write(data, at: offset)
        written.append((id, location))
      } else {
        if pack.buffer.isEmpty {
          pack.bufferBase = offset
          pack.buffer.reserveCapacity(Self.bufferSize + Self.directWriteSize)
        }
        pack.buffer.append(contentsOf: data)
        pack.buffered.append((id, location))
        if pack.buffer.count >= Self.bufferSize { try drain(pack, into: &written) }
      }
      if pack.size >= Int64(PackFormat.targetSize) { try seal(pack, into: &written) }
    } catch {
      writeError = error
    }

    // Check the pack back in and publish what reached the file.
    lock.lock()
    defer { lock.unlock() }
    if let writeError { failure = failure ?? writeError }
    if let pack {
      if let packID = pack.sealedID {
        sealed.append((pack.file.path, packID, pack.entries))
      } else {
        idle.append(pack)
      }
      publish(written, in: pack)
    } else {
      unwrittenIDs.remove(id)
      store.lock.withLock { store.unwrittenObjects -= 1 }
    }
    checkedOut -= 1
    lock.broadcast()
    if let f = writeError ?? failure { throw f }
    return true
  }

  private func newPack() throws -> OpenPack {
    let path = FS.temporaryPath(in: store.tmpDir, prefix: "pack")
    return OpenPack(file: try POSIXFile(path: path, flags: O_WRONLY | O_CREAT | O_EXCL))
  }

  /// Makes written objects visible to the store. Called with `lock` held.
  private func publish(_ written: [(ObjectID, ObjectLocation)], in pack: OpenPack) {
    store.lock.lock()
    for (id, location) in written { store.pending[id] = (pack.file.path, location) }
    store.unwrittenObjects -= written.count
    store.lock.unlock()
    for (id, _) in written { unwrittenIDs.remove(id) }
  }

  /// `drain` of every idle pack, for other threads (a lookup that missed). Waits until no
  /// pack is checked out, since the object looked for may sit in one of those buffers.
  func drainLocked() throws {
    lock.lock()
    defer { lock.unlock() }
    while checkedOut > 0 { lock.wait() }
    for p in idle { try writeOutIdle(p, drain) }
  }

  /// Runs `step` (drain or seal) on an idle pack with `lock` held and nothing checked out,
  /// publishes what it wrote, and makes a failure sticky.
  private func writeOutIdle(
    _ pack: OpenPack, _ step: (OpenPack, inout [(ObjectID, ObjectLocation)]) throws -> Void
  ) throws {
    var written: [(ObjectID, ObjectLocation)] = []
    do { try step(pack, &written) } catch {
      failure = failure ?? error
      throw error
    }
    publish(written, in: pack)
  }

  /// Writes a pack's buffer at its offset; its objects move to `written`.
  private func drain(_ pack: OpenPack, into written: inout [(ObjectID, ObjectLocation)]) throws {
    guard !pack.buffer.isEmpty else { return }
    try pack.file.write(pack.buffer, at: pack.bufferBase)
    pack.buffer.removeAll(keepingCapacity: true)
    written += pack.buffered
    pack.buffered.removeAll(keepingCapacity: true)
  }

  /// Finishes a full pack: the header goes after the last byte. The pack's id is the
  /// SHA-256 of header and trailer, which name every blob by its content hash — unique
  /// without re-hashing the blob bytes (a second full SHA-256 pass would cost ~0.7 s per GiB).
  private func seal(_ pack: OpenPack, into written: inout [(ObjectID, ObjectLocation)]) throws {
    try drain(pack, into: &written)
    let header = PackFormat.encodeHeader(pack.entries.map { $0.0 })
    try pack.file.write(header, at: pack.size)
    pack.file.startWriteback()
    pack.sealedID = ObjectID.hash(header)
  }

  func flush() throws {
    lock.lock()
    defer { lock.unlock() }
    while checkedOut > 0 { lock.wait() }
    if let f = failure { throw f }
    for pack in idle {
      try writeOutIdle(pack, seal)
      sealed.append((pack.file.path, pack.sealedID!, pack.entries))
    }
    idle.removeAll()
    guard !sealed.isEmpty else { return }
    var records: [IndexFormat.Record] = []
    var dirs = Set<String>()
    for s in sealed {
      let f = try POSIXFile(path: s.tmp, flags: O_RDONLY)
      try f.sync()
      let final = store.packPath(s.id)
      let dir = (final as NSString).deletingLastPathComponent
      if dirs.insert(dir).inserted { try FS.makeDirectories(dir) }
      try FS.rename(s.tmp, final)
      for (e, offset) in s.entries {
        let l = ObjectLocation(
          pack: s.id, offset: offset, storedLength: e.storedLength, rawLength: e.rawLength, type: e.type,
          codec: e.codec)
        records.append(.init(id: e.id, location: l))
        store.lock.lock()
        store.pending[e.id] = (final, l)
        store.lock.unlock()
      }
    }
    sealed.removeAll()
    for d in dirs { FS.fsyncDirectory(d) }
    try store.publish(records)
  }
}
