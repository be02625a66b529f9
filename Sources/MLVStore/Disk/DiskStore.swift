import Foundation
import MLVSystem

#if canImport(Glibc)
  import Glibc
#endif

/// The on-disk object store (docs/design.md, "Repository layout", "Packs", "Indexes"):
///
///     store/packs/<xx>/<pack id>.pack    immutable, named by the hash of their header
///     store/index/<checksum>.idx         immutable, memory-mapped, sorted
///     store/tmp/                         packs being written, files being restored
///
/// The store is the one owner of packs, indexes and pending objects (those a writer of
/// this process has accepted but not yet published). Writers (`PackWriter`) fill packs in
/// tmp/ through `PackBuilder` and hand each sealed pack back to `publish`, which renames it
/// into packs/ and writes the index naming it — the order that keeps a killed process from
/// ever leaving an index entry for bytes that are not there.
///
/// A lookup lands in the pending table or an index, and is then checked against the pack
/// file's existence (memoised per pack), so an object whose pack has gone is missing and
/// gets fetched again rather than failing a checkout.
///
/// Thread-safe. Mutation across processes is serialised by the repository lock held by the
/// command layer, which calls `refresh()` once it holds the lock; readers need no lock,
/// because nothing visible is ever modified in place.
public final class DiskStore: ObjectStore, UnhashedObjectReader, StoreMaintenance, @unchecked Sendable {
  public let root: String
  var packsDir: String { root + "/packs" }
  var indexDir: String { root + "/index" }
  public var temporaryDirectory: String { root + "/tmp" }

  /// Guards every table below. Never held during I/O other than a `stat`.
  let lock = NSLock()
  private var indexes: [IndexFile] = []
  private var damaged: [(path: String, reason: String)] = []
  /// Which packs exist, as far as this process has looked.
  private var packExists: [ObjectID: Bool] = [:]
  /// Open pack files with their size when opened. A published pack never changes (one
  /// damaged later reads short, which `readStored` refuses); a pending one only grows.
  private var openPacks: [String: (file: POSIXFile, size: Int64)] = [:]
  /// Pack paths by pack id: every read of a restore asks for one, and formatting it cost
  /// more than the read of a small file.
  private var packPaths: [ObjectID: String] = [:]
  /// Objects accepted by a writer of this process and not yet in a loaded index. A writer
  /// publishes each pack as it is sealed, so this holds the objects of the packs being
  /// filled, not of the whole session; entries are kept small (64 bytes with the key) for
  /// the packs of many tiny objects.
  var pending: [ObjectID: PendingObject] = [:]
  /// The files pending objects are in, by the number their entries carry: one path per
  /// pack instead of one per object.
  var pendingFiles: [UInt32: PendingFile] = [:]
  var pendingFileNumbers: [String: UInt32] = [:]
  var nextPendingFile: UInt32 = 0
  /// Writers with pending objects, so a read can ask them to write their buffers out.
  var writers: [ObjectIdentifier: WeakWriter] = [:]
  /// Serialises publishing, merging and `refresh`: each replaces the table of loaded
  /// indexes from a listing, and a listing taken before another thread's index was written
  /// must not replace the table after that thread dropped its objects from `pending`.
  /// Recursive because publishing refreshes and merges. Held during I/O, unlike `lock`.
  let publishLock = NSRecursiveLock()

  struct PendingObject {
    var offset: UInt32 = 0
    var storedLength: UInt32 = 0
    var rawLength: UInt32
    /// The number of its file in `pendingFiles`, or `buffered` while its bytes are not in one.
    var file: UInt32 = PendingObject.buffered
    var type: ObjectType
    var codec: Codec = .raw
    var writer: ObjectIdentifier

    static let buffered = UInt32.max

    /// Records where `writer`'s object now is (another writer's entry is left alone).
    mutating func place(_ e: PackFormat.LocatedEntry, file number: UInt32, ifWrittenBy key: ObjectIdentifier) {
      guard writer == key else { return }
      (file, offset, storedLength, codec) = (number, e.offset, e.entry.storedLength, e.entry.codec)
    }
  }

  struct PendingFile {
    /// The temporary pack, or the published one once renamed.
    var path: String
    /// `.empty` until published.
    var pack: ObjectID
    var writer: ObjectIdentifier
  }

  final class WeakWriter {
    weak var writer: PackWriter?
    init(_ w: PackWriter) { writer = w }
  }

  /// Indexes are merged into one once there are more than this many (each `add` writes
  /// one), keeping lookups at a few binary searches.
  public static let mergeThreshold = 16

  public init(root: String) throws {
    self.root = root
    for dir in [root + "/packs", root + "/index", root + "/tmp"] { try FS.makeDirectories(dir) }
    try refresh()
  }

  public func packPath(_ id: ObjectID) -> String {
    let hex = id.hex
    return "\(packsDir)/\(hex.prefix(2))/\(hex).pack"
  }

  func indexPaths() -> [String] {
    FS.list(indexDir).filter { $0.hasSuffix(".idx") }.sorted().map { "\(indexDir)/\($0)" }
  }

  // MARK: Loading

  public func refresh() throws {
    publishLock.lock()
    defer { publishLock.unlock() }
    var loaded: [IndexFile] = []
    var problems: [(String, String)] = []
    // An index that vanishes between listing and opening was merged by another process
    // (whose merged index may not have been listed yet): list again.
    listing: for _ in 0..<5 {
      loaded = []
      problems = []
      for path in indexPaths() {
        do { loaded.append(try IndexFile(path: path, verifyChecksum: false)) } catch let e as IOError where e.code == ENOENT {
          continue listing
        } catch let e as StoreError {
          // Skipped, not fatal: its objects look missing until `fsck --repair` rebuilds it
          // from the packs, and gc reads pack headers, so it never deletes what it named.
          problems.append((path, "\(e)"))
        }
      }
      break
    }
    lock.withLock {
      indexes = loaded
      damaged = problems
      packExists = [:]
    }
  }

  public var loadProblems: [String] {
    lock.withLock { damaged.map { "index \($0.path) is damaged (\($0.reason)); run `mlv fsck --repair`" } }
  }

  var loadedIndexes: [IndexFile] { lock.withLock { indexes } }

  // MARK: Lookup

  /// Where an object's bytes can be read, waiting for a writer of this process to write
  /// out a buffer that holds it.
  func readableLocation(_ id: ObjectID) -> (path: String, location: ObjectLocation)? {
    for _ in 0..<3 {
      let found: (location: (String, ObjectLocation)?, writer: PackWriter?) = lock.withLock {
        if let p = pending[id] {
          if let f = pendingLocationLocked(p) { return (f, nil) }
          return (nil, writers[p.writer]?.writer)
        }
        return (indexedLocked(id), nil)
      }
      if let l = found.location { return l }
      guard let w = found.writer else { return nil }
      w.writeOut(forReading: id)
    }
    return nil
  }

  /// Whether `id` is pending with its bytes not yet in a file (buffered, or being written).
  func isPendingWithoutFile(_ id: ObjectID) -> Bool {
    lock.withLock { pending[id].map { pendingLocationLocked($0) == nil } ?? false }
  }

  /// Where a pending object's bytes are, if they reached a file. Called with `lock` held.
  func pendingLocationLocked(_ p: PendingObject) -> (String, ObjectLocation)? {
    guard p.file != PendingObject.buffered, let f = pendingFiles[p.file] else { return nil }
    let l = ObjectLocation(
      pack: f.pack, offset: p.offset, storedLength: p.storedLength, rawLength: p.rawLength, type: p.type, codec: p.codec)
    return (f.path, l)
  }

  /// The first index entry whose pack exists. Called with `lock` held.
  func indexedLocked(_ id: ObjectID) -> (String, ObjectLocation)? {
    for index in indexes {
      guard let l = index.lookup(id) else { continue }
      if packExistsLocked(l.pack) { return (packPathLocked(l.pack), l) }
    }
    return nil
  }

  private func packPathLocked(_ pack: ObjectID) -> String {
    if let path = packPaths[pack] { return path }
    let path = packPath(pack)
    if packPaths.count > 4096 { packPaths.removeAll() }
    packPaths[pack] = path
    return path
  }

  private func packExistsLocked(_ pack: ObjectID) -> Bool {
    if let known = packExists[pack] { return known }
    let exists = FS.exists(packPathLocked(pack))
    packExists[pack] = exists
    return exists
  }

  /// Where `id`'s bytes are read from (diagnostics, tests).
  public func location(_ id: ObjectID) -> (path: String, location: ObjectLocation)? { readableLocation(id) }

  /// Every record of the loaded indexes, each id once (diagnostics, tests).
  public func allRecords() throws -> [IndexFormat.Record] {
    var seen = Set<ObjectID>()
    return try loadedIndexes.flatMap { try $0.allRecords() }.filter { seen.insert($0.id).inserted }
  }

  /// The published pack that holds `id` (diagnostics, tests).
  public func pack(holding id: ObjectID) -> ObjectID? { lock.withLock { indexedLocked(id)?.1.pack } }

  /// Whether an indexed (published) copy exists, ignoring pending objects.
  func isIndexed(_ id: ObjectID) -> Bool { lock.withLock { indexedLocked(id) != nil } }

  public func info(_ id: ObjectID) -> (type: ObjectType, rawLength: Int)? {
    lock.withLock {
      if let p = pending[id] { return (p.type, Int(p.rawLength)) }
      return indexedLocked(id).map { ($0.1.type, Int($0.1.rawLength)) }
    }
  }

  public func read(_ id: ObjectID) throws -> [UInt8] {
    let (path, l, stored) = try readStored(id)
    do {
      return try BlobCodec.decode(id, codec: l.codec, rawLength: l.rawLength, stored: stored)
    } catch { throw StoreError.corruptObject(id, location: path, reason: error.reason) }
  }

  /// UnhashedObjectReader: for a caller that hashes what it reads against its own reference.
  public func readUnhashed(_ id: ObjectID) throws -> [UInt8] {
    let (path, l, stored) = try readStored(id)
    do {
      return try stored.withUnsafeBytes { p in
        Result { () throws(BlobCodec.Damage) in try BlobCodec.decodeUnhashed(codec: l.codec, rawLength: l.rawLength, stored: p) }
      }.get()
    } catch { throw StoreError.corruptObject(id, location: path, reason: error.reason) }
  }

  /// An object's bytes as stored, and where they were read. A pack can vanish under a
  /// reader that holds no lock (gc repacked it, or a writer of this process just renamed
  /// it into place): then it looks again after a fresh load.
  func readStored(_ id: ObjectID) throws -> (path: String, location: ObjectLocation, stored: [UInt8]) {
    var attempt = 0
    while true {
      guard let (path, l) = readableLocation(id) else { throw StoreError.missingObject(id) }
      do {
        let pack = try packFile(path)
        return (path, l, try Self.readStored(id, location: l, file: pack.file, size: pack.size))
      } catch let e as IOError where e.code == ENOENT && attempt < 2 {
        attempt += 1
        forgetPackFile(path)
        try refresh()
      }
    }
  }

  func packFile(_ path: String) throws -> (file: POSIXFile, size: Int64) {
    if let f = lock.withLock({ openPacks[path] }) { return f }
    let file = try POSIXFile.openForReading(path)
    let f = (file: file, size: try file.size())
    lock.withLock {
      if openPacks.count > 64 { openPacks.removeAll() }
      openPacks[path] = f
    }
    return f
  }

  func forgetPackFile(_ path: String) { lock.withLock { openPacks[path] = nil } }

  /// Reads, decodes and verifies one object at `l` in `file`.
  static func readVerified(_ id: ObjectID, location l: ObjectLocation, file: POSIXFile) throws -> [UInt8] {
    let stored = try readStored(id, location: l, file: file)
    do {
      return try BlobCodec.decode(id, codec: l.codec, rawLength: l.rawLength, stored: stored)
    } catch { throw StoreError.corruptObject(id, location: file.path, reason: error.reason) }
  }

  /// The stored bytes at `l` in `file`. Lengths come from an index that routine opens do
  /// not checksum: they are checked against the pack's size and the codec's limits before
  /// anything is allocated.
  /// `size` is what the file's size was when it was opened: a pack still being written
  /// (a pending object's) has grown since, so only a fresh fstat can refuse a read.
  static func readStored(_ id: ObjectID, location l: ObjectLocation, file: POSIXFile, size: Int64? = nil) throws -> [UInt8] {
    func corrupt(_ why: String) -> StoreError { .corruptObject(id, location: file.path, reason: why) }
    do { try BlobCodec.checkLengths(codec: l.codec, rawLength: l.rawLength, storedLength: l.storedLength) } catch {
      throw corrupt(error.reason)
    }
    let end = Int64(l.offset) + Int64(l.storedLength)
    guard try end <= (size ?? -1) || end <= file.size() else { throw corrupt("pack is truncated") }
    let stored = try file.read(count: Int(l.storedLength), at: Int64(l.offset))
    guard stored.count == Int(l.storedLength) else { throw corrupt("pack is truncated") }
    return stored
  }

  public func makeWriter() -> ObjectWriter { PackWriter(store: self) }

  /// A writer whose packs are sealed at `packTarget` bytes (tests seal many small packs).
  func makeWriter(packTarget: Int) -> PackWriter { PackWriter(store: self, packTarget: packTarget) }
}
