import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Appends new objects to a temporary pack file and seals it near `PackFormat.targetSize`.
///
/// Crash safety (docs/design.md, "Write ordering"): a pack is written under store/tmp, its
/// header appended, fsynced, then renamed into packs/; only then is an index naming its
/// objects written (atomically). A kill at any point leaves either nothing visible or an
/// unreferenced pack that gc removes — never an index entry for missing bytes.
///
/// Thread-safe: hashing and compression happen in the caller's thread; only the append to
/// the pack holds the lock. Appends are gathered in a 4 MiB buffer: 20,000 small files
/// would otherwise cost 20,000 write(2) calls. Buffered objects become visible to the store
/// (`pending`) only once their bytes are in the file, so a read never misses them.
final class PackWriter: ObjectWriter {
  let store: DiskStore
  let lock = NSLock()
  var current: OpenPack?
  var buffer: [UInt8] = []
  var buffered: [(ObjectID, ObjectLocation)] = []
  var bufferedIDs = Set<ObjectID>()
  static let bufferSize = 4 * 1024 * 1024
  var sealed: [(tmp: String, id: ObjectID, entries: [(PackFormat.Entry, UInt32)])] = []
  var stats: (raw: Int64, stored: Int64, objects: Int) = (0, 0, 0)

  struct OpenPack {
    let file: POSIXFile
    var entries: [(PackFormat.Entry, UInt32)] = []
    var size: Int64 = 0
  }

  init(store: DiskStore) { self.store = store }

  deinit {
    // An abandoned writer (error path) leaves no temp files behind, and its objects must
    // leave `pending` too: otherwise the store would go on claiming them (and a retry's
    // `put` would skip them as duplicates) with their bytes deleted.
    var abandoned = current?.entries.map { $0.0.id } ?? []
    if let c = current { FS.remove(c.file.path) }
    for s in sealed {
      FS.remove(s.tmp)
      abandoned += s.entries.map { $0.0.id }
    }
    store.lock.lock()
    for id in abandoned { store.pending[id] = nil }
    store.bufferedObjects -= buffered.count
    store.lock.unlock()
  }

  var newBytes: (raw: Int64, stored: Int64, objects: Int) {
    lock.lock()
    defer { lock.unlock() }
    return stats
  }

  func put(_ id: ObjectID, type: ObjectType, bytes: UnsafeRawBufferPointer, compress: Bool) throws -> Bool {
    if store.indexedOrPending(id) != nil { return false }
    let compressed = compress ? Compression.deflate(bytes) : nil
    lock.lock()
    defer { lock.unlock() }
    // Another thread may have won the race, or the object may still sit in the buffer.
    if store.indexedOrPending(id) != nil || bufferedIDs.contains(id) { return false }
    if current == nil {
      let path = FS.temporaryPath(in: store.tmpDir, prefix: "pack")
      current = OpenPack(file: try POSIXFile(path: path, flags: O_WRONLY | O_CREAT | O_EXCL))
    }
    let offset = UInt32(current!.size)
    let codec: Codec = compressed == nil ? .raw : .zlib
    if buffer.isEmpty { buffer.reserveCapacity(Self.bufferSize + 512 * 1024) }
    if let c = compressed { buffer += c } else { buffer += bytes }
    let storedLength = UInt32(compressed?.count ?? bytes.count)
    let entry = PackFormat.Entry(
      id: id, type: type, codec: codec, rawLength: UInt32(bytes.count), storedLength: storedLength)
    current!.entries.append((entry, offset))
    current!.size += Int64(storedLength)
    let location = ObjectLocation(
      pack: ObjectID.empty, offset: offset, storedLength: storedLength, rawLength: UInt32(bytes.count),
      type: type, codec: codec)
    buffered.append((id, location))
    bufferedIDs.insert(id)
    store.lock.withLock { store.bufferedObjects += 1 }
    if buffer.count >= Self.bufferSize { try drain() }
    stats.raw += Int64(bytes.count)
    stats.stored += Int64(storedLength)
    stats.objects += 1
    if current!.size >= Int64(PackFormat.targetSize) { try sealCurrent() }
    return true
  }

  /// `drain` for other threads (a lookup that missed).
  func drainLocked() throws {
    lock.lock()
    defer { lock.unlock() }
    try drain()
  }

  /// Writes the buffer to the open pack and publishes its objects as pending.
  private func drain() throws {
    guard let pack = current, !buffer.isEmpty else { return }
    try pack.file.write(buffer)
    buffer.removeAll(keepingCapacity: true)
    store.lock.lock()
    for (id, location) in buffered { store.pending[id] = (pack.file.path, location) }
    store.bufferedObjects -= buffered.count
    store.lock.unlock()
    buffered.removeAll(keepingCapacity: true)
    bufferedIDs.removeAll(keepingCapacity: true)
  }

  /// Writes the header; the pack's id is the SHA-256 of header and trailer, which name
  /// every blob by its content hash — unique without re-hashing the blob bytes (a second
  /// full SHA-256 pass would cost ~0.7 s per GiB).
  private func sealCurrent() throws {
    guard let pack = current else { return }
    try drain()
    current = nil
    let header = PackFormat.encodeHeader(pack.entries.map { $0.0 })
    try pack.file.write(header)
    pack.file.startWriteback()
    sealed.append((pack.file.path, ObjectID.hash(header), pack.entries))
  }

  func flush() throws {
    lock.lock()
    defer { lock.unlock() }
    try sealCurrent()
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
