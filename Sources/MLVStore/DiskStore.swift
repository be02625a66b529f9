import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The on-disk object store: pack files plus immutable, memory-mapped index files
/// (docs/design.md). Ten million objects live in ~thousands of packs, not ten million files.
///
/// Thread-safe. Mutation across processes is serialised by the repository lock held by
/// the command layer; readers need no lock, because nothing visible is ever modified in
/// place — packs and indexes are only created (atomically) or deleted by gc under the lock.
public final class DiskStore: ObjectStore, @unchecked Sendable {
  public let root: String
  var packsDir: String { root + "/packs" }
  var indexDir: String { root + "/index" }
  var tmpDir: String { root + "/tmp" }

  let lock = NSLock()
  private(set) var indexes: [IndexFile] = []
  /// Objects written by a writer of this process and not yet in an index on disk.
  var pending: [ObjectID: (path: String, location: ObjectLocation)] = [:]
  private var openPacks: [String: POSIXFile] = [:]
  /// Writers of this process and how many objects they accepted but have not written yet
  /// (buffered, or being written by another thread), so a lookup can make them visible
  /// (the `ObjectWriter` contract) by waiting for and draining those writers.
  var writers: [WeakWriter] = []
  var unwrittenObjects = 0

  final class WeakWriter {
    weak var writer: PackWriter?
    init(_ w: PackWriter) { writer = w }
  }

  /// Indexes are merged into one once there are more than this many (each `add` writes
  /// one), keeping lookups at a few binary searches.
  public static let mergeThreshold = 16

  public init(root: String) throws {
    self.root = root
    for dir in [packsDir, indexDir, tmpDir] { try FS.makeDirectories(dir) }
    try reloadIndexes()
  }

  /// Creates the directory layout (idempotent).
  public static func create(at root: String) throws -> DiskStore { try DiskStore(root: root) }

  public func packPath(_ id: ObjectID) -> String {
    let hex = id.hex
    return "\(packsDir)/\(hex.prefix(2))/\(hex).pack"
  }

  public func indexPaths() -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: indexDir)) ?? []
    return names.filter { $0.hasSuffix(".idx") }.sorted().map { "\(indexDir)/\($0)" }
  }

  public func reloadIndexes() throws {
    var loaded: [IndexFile] = []
    // An index that vanishes between listing and opening was merged by another process
    // (whose merged index may not have been listed yet): list again.
    listing: for _ in 0..<5 {
      loaded = []
      for path in indexPaths() {
        do { loaded.append(try IndexFile(path: path, verifyChecksum: false)) } catch let e as StoreError {
          if case .io(_, _, let code) = e, code == ENOENT { continue listing }
          throw e
        }
      }
      break
    }
    lock.lock()
    indexes = loaded
    lock.unlock()
  }

  public func location(_ id: ObjectID) -> (path: String, location: ObjectLocation)? {
    if let found = indexedOrPending(id) { return found }
    // Not found: if a writer still holds objects back, write them out and look again.
    let active: [PackWriter] = lock.withLock {
      guard unwrittenObjects > 0 else { return [] }
      writers.removeAll { $0.writer == nil }
      return writers.compactMap(\.writer)
    }
    // With none left, a writer may have published it since the first look.
    guard !active.isEmpty else { return indexedOrPending(id) }
    for w in active { try? w.drainLocked() }
    return indexedOrPending(id)
  }

  /// The lookup without draining writers (what a writer itself uses while holding its lock).
  func indexedOrPending(_ id: ObjectID) -> (path: String, location: ObjectLocation)? {
    lock.lock()
    defer { lock.unlock() }
    if let p = pending[id] { return p }
    for index in indexes {
      if let l = index.lookup(id) { return (packPath(l.pack), l) }
    }
    return nil
  }

  public func info(_ id: ObjectID) -> (type: ObjectType, rawLength: Int)? {
    location(id).map { ($0.location.type, Int($0.location.rawLength)) }
  }

  func packFile(_ path: String) throws -> POSIXFile {
    lock.lock()
    defer { lock.unlock() }
    if let f = openPacks[path] { return f }
    if openPacks.count > 64 { openPacks.removeAll() }
    let f = try POSIXFile.openForReading(path)
    openPacks[path] = f
    return f
  }

  public func read(_ id: ObjectID) throws -> [UInt8] {
    guard let (path, l) = location(id) else { throw StoreError.missingObject(id) }
    return try Self.readVerified(id, location: l, file: try packFileOrMissing(id, path))
  }

  func packFileOrMissing(_ id: ObjectID, _ path: String) throws -> POSIXFile {
    do { return try packFile(path) } catch StoreError.io(_, _, ENOENT) {
      throw StoreError.corruptObject(id, location: path, reason: "its pack file is missing")
    }
  }

  /// Reads, decompresses and verifies one object. Every read goes through here: bytes
  /// that do not hash to their id never leave the store.
  static func readVerified(_ id: ObjectID, location l: ObjectLocation, file: POSIXFile) throws -> [UInt8] {
    func corrupt(_ why: String) -> StoreError { .corruptObject(id, location: file.path, reason: why) }
    // Lengths come from an index that routine opens do not checksum: check them against
    // the pack and zlib's maximum ratio (1032:1) before allocating, so a flipped high bit
    // costs an error, not gigabytes of memory.
    guard Int64(l.offset) + Int64(l.storedLength) <= (try file.size()) else { throw corrupt("pack is truncated") }
    switch l.codec {
    case .raw: guard l.rawLength == l.storedLength else { throw corrupt("raw lengths disagree") }
    case .zlib: guard UInt64(l.rawLength) <= UInt64(l.storedLength) * 1032 + 64 else { throw corrupt("implausible raw length") }
    }
    let stored = try file.read(count: Int(l.storedLength), at: Int64(l.offset))
    guard stored.count == Int(l.storedLength) else { throw corrupt("pack is truncated") }
    let raw: [UInt8]
    switch l.codec {
    case .raw: raw = stored
    case .zlib:
      guard let inflated = stored.withUnsafeBytes({ Compression.inflate($0, rawLength: Int(l.rawLength)) }) else {
        throw corrupt("compressed data is damaged")
      }
      raw = inflated
    }
    guard raw.count == Int(l.rawLength), ObjectID.hash(raw) == id else {
      throw corrupt("content does not match its id")
    }
    return raw
  }

  public func makeWriter() -> ObjectWriter {
    let w = PackWriter(store: self)
    lock.withLock { writers.append(WeakWriter(w)) }
    return w
  }

  /// Publishes an index for objects a writer has sealed into packs, then drops them from
  /// `pending`. Merges indexes when there are too many.
  func publish(_ records: [IndexFormat.Record]) throws {
    guard !records.isEmpty else { return }
    _ = try writeIndex(records)
    try reloadIndexes()
    lock.lock()
    for r in records { pending[r.id] = nil }
    lock.unlock()
    if indexes.count > Self.mergeThreshold { try mergeIndexes() }
  }

  func writeIndex(_ records: [IndexFormat.Record]) throws -> String {
    let (bytes, checksum) = IndexFormat.encode(records)
    let path = "\(indexDir)/\(checksum.hex).idx"
    try FS.atomicWrite(bytes, to: path)
    return path
  }

  /// Replaces all indexes by one holding their records.
  public func mergeIndexes() throws {
    let old = indexes
    guard old.count > 1 else { return }
    var records: [IndexFormat.Record] = []
    for index in old { records += try index.allRecords() }
    try supersede(old.map(\.path), with: records)
  }

  /// Writes `records` as one index, then removes the `superseded` index files. The new
  /// index is durable before the old ones go, so a crash in between leaves duplicates
  /// (harmless), never a gap. An index is named by its checksum, so the new one may be one
  /// of the superseded names; it is kept.
  func supersede(_ superseded: [String], with records: [IndexFormat.Record]) throws {
    let kept = records.isEmpty ? nil : try writeIndex(records)
    for path in superseded where path != kept { FS.remove(path) }
    FS.fsyncDirectory(indexDir)
    try reloadIndexes()
  }

  /// Every indexed object (gc, fsck, push). Pending objects of a live writer are excluded.
  public func allRecords() throws -> [IndexFormat.Record] {
    lock.lock()
    let current = indexes
    lock.unlock()
    var seen = Set<ObjectID>()
    var out: [IndexFormat.Record] = []
    for index in current {
      for r in try index.allRecords() where seen.insert(r.id).inserted { out.append(r) }
    }
    return out
  }
}
