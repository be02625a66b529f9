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
/// Thread-safe, and built so two lanes write at once: the lock only reserves a byte range in
/// the open pack. Blobs of 64 KiB or more are then written outside the lock with pwrite at
/// their reserved offset (copying a GiB into the page cache is ~0.35 s of CPU, which one
/// lock would serialise); smaller blobs are gathered in a 4 MiB buffer per pack, so 20,000
/// small files cost a few hundred write calls, not 20,000. An object becomes visible to the
/// store (`pending`) once its bytes are in the file; buffered ones are drained on a lookup
/// miss (`drainLocked`). A pack is sealed when it is full and no write into it is in flight.
final class PackWriter: ObjectWriter {
  let store: DiskStore
  let lock = NSCondition()
  /// Packs being filled: up to `openPacks`, so two lanes write two files — buffered writes
  /// into one file serialise on its inode lock in the kernel.
  var current: [OpenPack] = []
  var full: [OpenPack] = []
  static let openPacks = 2
  var sealed: [(tmp: String, id: ObjectID, entries: [(PackFormat.Entry, UInt32)])] = []
  var bufferedIDs = Set<ObjectID>()
  var inflightIDs = Set<ObjectID>()
  var failure: Error?
  var stats: (raw: Int64, stored: Int64, objects: Int) = (0, 0, 0)
  static let bufferSize = 4 * 1024 * 1024
  static let directWriteSize = 64 * 1024

  final class OpenPack {
    let file: POSIXFile
    var entries: [(PackFormat.Entry, UInt32)] = []
    /// Bytes reserved so far (written, buffered or in flight).
    var size: Int64 = 0
    var buffer: [UInt8] = []
    var bufferBase: Int64 = 0
    var buffered: [(ObjectID, ObjectLocation)] = []
    var inflight = 0
    init(file: POSIXFile) { self.file = file }
  }

  init(store: DiskStore) { self.store = store }

  deinit {
    // An abandoned writer (error path) leaves no temp files behind, and its objects must
    // leave `pending` too: otherwise the store would go on claiming them (and a retry's
    // `put` would skip them as duplicates) with their bytes deleted.
    var abandoned: [ObjectID] = []
    for p in full + current {
      FS.remove(p.file.path)
      abandoned += p.entries.map { $0.0.id }
    }
    for s in sealed {
      FS.remove(s.tmp)
      abandoned += s.entries.map { $0.0.id }
    }
    store.lock.lock()
    for id in abandoned { store.pending[id] = nil }
    store.bufferedObjects -= bufferedIDs.count
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
    lock.lock()
    if let f = failure {
      lock.unlock()
      throw f
    }
    // Another thread may have won the race, or the object may be buffered or in flight.
    if store.indexedOrPending(id) != nil || bufferedIDs.contains(id) || inflightIDs.contains(id) {
      lock.unlock()
      return false
    }
    let pack: OpenPack
    do { pack = try openPack() } catch {
      lock.unlock()
      throw error
    }
    let offset = pack.size
    let entry = PackFormat.Entry(
      id: id, type: type, codec: codec, rawLength: UInt32(rawLength), storedLength: UInt32(data.count))
    let location = ObjectLocation(
      pack: ObjectID.empty, offset: UInt32(offset), storedLength: UInt32(data.count),
      rawLength: UInt32(rawLength), type: type, codec: codec)
    pack.entries.append((entry, UInt32(offset)))
    pack.size += Int64(data.count)
    stats.raw += Int64(rawLength)
    stats.stored += Int64(data.count)
    stats.objects += 1
    let direct = data.count >= Self.directWriteSize
    do {
      if direct {
        try drain(pack)  // keeps each pack's buffer one contiguous range
        pack.inflight += 1
        inflightIDs.insert(id)
      } else {
        if pack.buffer.isEmpty {
          pack.bufferBase = offset
          pack.buffer.reserveCapacity(Self.bufferSize + Self.directWriteSize)
        }
        pack.buffer.append(contentsOf: data)
        pack.buffered.append((id, location))
        bufferedIDs.insert(id)
        store.lock.withLock { store.bufferedObjects += 1 }
        if pack.buffer.count >= Self.bufferSize { try drain(pack) }
      }
      if pack.size >= Int64(PackFormat.targetSize) {
        current.removeAll { $0 === pack }
        full.append(pack)
      }
      try sealReadyPacks()
    } catch {
      failure = failure ?? error
      lock.unlock()
      throw error
    }
    lock.unlock()
    guard direct else { return true }
    var writeError: Error?
    do { try pack.file.write(data, at: offset) } catch { writeError = error }
    lock.lock()
    defer { lock.unlock() }
    pack.inflight -= 1
    inflightIDs.remove(id)
    if let writeError {
      failure = failure ?? writeError
    } else {
      store.lock.withLock { store.pending[id] = (pack.file.path, location) }
      do { try sealReadyPacks() } catch { failure = failure ?? error }
    }
    if pack.inflight == 0 { lock.broadcast() }
    if let f = writeError ?? failure { throw f }
    return true
  }

  /// An open pack no write is in flight for, a new one while fewer than `openPacks` are
  /// open, else the least busy.
  private func openPack() throws -> OpenPack {
    if let idle = current.first(where: { $0.inflight == 0 }) { return idle }
    if current.count < Self.openPacks {
      let path = FS.temporaryPath(in: store.tmpDir, prefix: "pack")
      let pack = OpenPack(file: try POSIXFile(path: path, flags: O_WRONLY | O_CREAT | O_EXCL))
      current.append(pack)
      return pack
    }
    return current.min { $0.inflight < $1.inflight }!
  }

  /// `drain` of every pack, for other threads (a lookup that missed).
  func drainLocked() throws {
    lock.lock()
    defer { lock.unlock() }
    for p in full + current { try drain(p) }
  }

  /// Writes a pack's buffer at its offset and publishes its objects as pending.
  private func drain(_ pack: OpenPack) throws {
    guard !pack.buffer.isEmpty else { return }
    try pack.file.write(pack.buffer, at: pack.bufferBase)
    pack.buffer.removeAll(keepingCapacity: true)
    store.lock.lock()
    for (id, location) in pack.buffered { store.pending[id] = (pack.file.path, location) }
    store.bufferedObjects -= pack.buffered.count
    store.lock.unlock()
    for (id, _) in pack.buffered { bufferedIDs.remove(id) }
    pack.buffered.removeAll(keepingCapacity: true)
  }

  /// Seals the full packs that no write is in flight for. The header goes after the last
  /// reserved byte; the pack's id is the SHA-256 of header and trailer, which name every
  /// blob by its content hash — unique without re-hashing the blob bytes (a second full
  /// SHA-256 pass would cost ~0.7 s per GiB).
  private func sealReadyPacks() throws {
    while let i = full.firstIndex(where: { $0.inflight == 0 }) {
      let pack = full.remove(at: i)
      try drain(pack)
      let header = PackFormat.encodeHeader(pack.entries.map { $0.0 })
      try pack.file.write(header, at: pack.size)
      pack.file.startWriteback()
      sealed.append((pack.file.path, ObjectID.hash(header), pack.entries))
    }
  }

  func flush() throws {
    lock.lock()
    defer { lock.unlock() }
    full += current
    current.removeAll()
    while full.contains(where: { $0.inflight > 0 }) { lock.wait() }
    if let f = failure { throw f }
    try sealReadyPacks()
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
