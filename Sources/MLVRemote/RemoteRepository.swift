import Foundation
import MLVStore
import MLVSystem

/// One configured remote seen from a repository: its backend plus a local cache of the
/// remote's index files (docs/remotes.md).
///
/// Remote indexes are immutable and named by their checksum, so a cached copy never goes
/// stale; refreshing costs one LIST and downloads only indexes not seen before. That is
/// what makes a push with nothing new take milliseconds.
public final class RemoteRepository: @unchecked Sendable {
  // @unchecked: immutable after init except `index`, which is guarded by `lock`.
  public let name: String
  public let backend: RemoteBackend
  /// `.mlv/remotes/<name>/index`: cached copies of the remote's index files.
  public let cacheDir: String
  /// Directory for temporary files (packs being built, downloads); same filesystem as the store.
  public let tmpDir: String
  let lock = NSLock()
  var cachedIndex: RemoteIndex?

  public init(name: String, backend: RemoteBackend, cacheDir: String, tmpDir: String) throws {
    self.name = name
    self.backend = backend
    self.cacheDir = cacheDir
    self.tmpDir = tmpDir
    try FS.makeDirectories(cacheDir)
    try FS.makeDirectories(tmpDir)
  }

  /// `origin (s3://bucket/prefix)`: how errors name the remote.
  public var label: String { "\(name) (\(backend.displayName))" }

  /// The remote's index, refreshed from the remote once per instance (call `invalidate()`
  /// after changing the remote's indexes).
  public func index() async throws -> RemoteIndex {
    if let cached = lock.withLock({ cachedIndex }) { return cached }
    let fresh = try await refreshIndex()
    lock.withLock { cachedIndex = fresh }
    return fresh
  }

  public func invalidate() { lock.withLock { cachedIndex = nil } }

  /// Lists the remote's indexes, downloads those not cached (verified against the checksum
  /// in their name), drops cached ones the remote no longer has, and maps them all.
  ///
  /// An index listed and then gone before its download was replaced by a `gc --remote`
  /// running meanwhile (fetch takes no lock); the listing is then read again, once: gc
  /// uploads the replacing index before it deletes the old ones.
  func refreshIndex() async throws -> RemoteIndex {
    do { return try await refreshIndexOnce() } catch RemoteError.notFound(let key) where key.hasPrefix(RemoteLayout.indexPrefix) {
      return try await refreshIndexOnce()
    }
  }

  private func refreshIndexOnce() async throws -> RemoteIndex {
    let listed = try await backend.list(prefix: RemoteLayout.indexPrefix)
    var keys: [String: ObjectID] = [:]
    for object in listed {
      if let checksum = RemoteLayout.indexChecksum(fromKey: object.key) { keys[object.key] = checksum }
    }
    let cached = Set(((try? FileManager.default.contentsOfDirectory(atPath: cacheDir)) ?? []).filter { $0.hasSuffix(".idx") })
    let wanted = Set(keys.values.map { "\($0.hex).idx" })
    for name in cached where !wanted.contains(name) { FS.remove(cacheDir + "/" + name) }
    let toDownload = keys.filter { !cached.contains("\($0.value.hex).idx") }
    try await forEachConcurrently(Array(toDownload), jobs: 8) { key, checksum in
      try await self.downloadIndex(key: key, checksum: checksum)
    }
    var files: [IndexFile] = []
    for (key, checksum) in keys.sorted(by: { $0.key < $1.key }) {
      let path = cacheDir + "/\(checksum.hex).idx"
      do { files.append(try IndexFile(path: path, verifyChecksum: false)) } catch {
        throw RemoteError.corruptIndex(remote: label, key: key, reason: "\(error)")
      }
    }
    return RemoteIndex(files: files, keys: keys.keys.sorted())
  }

  /// The remote's indexes as the remote holds them, for `fsck --remote`: every index is
  /// downloaded (the cache is not trusted: it could hide an index damaged or lost on the
  /// remote, or be damaged itself) and verified against its checksum and its name.
  /// Damaged indexes are reported, not thrown, so the check goes on with the others; the
  /// cache is then rewritten from the verified copies.
  public func indexFromRemote(jobs: Int = 8) async throws -> (index: RemoteIndex, damaged: [(key: String, reason: String)]) {
    let listed = try await backend.list(prefix: RemoteLayout.indexPrefix)
    let found = Locked([(key: String, file: IndexFile, bytes: [UInt8])]())
    let damaged = Locked([(key: String, reason: String)]())
    var keys: [(String, ObjectID)] = []
    for object in listed {
      guard let checksum = RemoteLayout.indexChecksum(fromKey: object.key) else {
        damaged.update { $0.append((object.key, "its name is not index/<64 hex digits>.idx")) }
        continue
      }
      keys.append((object.key, checksum))
    }
    try await forEachConcurrently(keys, jobs: jobs) { key, checksum in
      let bytes: [UInt8]
      do { bytes = try await self.backend.get(key) } catch RemoteError.notFound {
        damaged.update { $0.append((key, "listed but absent")) }
        return
      }
      let tmp = FS.temporaryPath(in: self.tmpDir, prefix: "remote-index")
      try FS.atomicWrite(bytes, to: tmp, durable: false)
      // The file stays mapped after it is removed.
      defer { FS.remove(tmp) }
      do {
        let file = try IndexFile(path: tmp, verifyChecksum: true)
        guard file.checksum == checksum else {
          damaged.update { $0.append((key, "its checksum does not match its name")) }
          return
        }
        found.update { $0.append((key, file, bytes)) }
      } catch {
        damaged.update { $0.append((key, "\(error)")) }
      }
    }
    let good = found.value.sorted { $0.key < $1.key }
    // Refresh the cache from what was verified; drop what the remote does not hold intact.
    let wanted = Set(good.map { "\($0.file.checksum.hex).idx" })
    for name in (try? FileManager.default.contentsOfDirectory(atPath: cacheDir)) ?? [] where !wanted.contains(name) {
      FS.remove(cacheDir + "/" + name)
    }
    for g in good { try FS.atomicWrite(g.bytes, to: cacheDir + "/\(g.file.checksum.hex).idx", durable: false) }
    invalidate()
    return (RemoteIndex(files: good.map(\.file), keys: good.map(\.key)), damaged.value.sorted { $0.key < $1.key })
  }

  private func downloadIndex(key: String, checksum: ObjectID) async throws {
    let bytes = try await backend.get(key)
    let tmp = FS.temporaryPath(in: tmpDir, prefix: "remote-index")
    try FS.atomicWrite(bytes, to: tmp, durable: false)
    defer { FS.remove(tmp) }
    let file: IndexFile
    do { file = try IndexFile(path: tmp, verifyChecksum: true) } catch {
      throw RemoteError.corruptIndex(remote: label, key: key, reason: "\(error)")
    }
    guard file.checksum == checksum else {
      throw RemoteError.corruptIndex(remote: label, key: key, reason: "its checksum does not match its name")
    }
    try FS.rename(tmp, cacheDir + "/\(checksum.hex).idx")
  }

  /// Uploads an index for `records` (after every pack they name is on the remote) and
  /// caches it locally, so the next command need not download it.
  @discardableResult
  func uploadIndex(_ records: [IndexFormat.Record]) async throws -> String? {
    guard !records.isEmpty else { return nil }
    return try await uploadIndex(IndexFormat.encode(records))
  }

  /// Uploads an encoded index and keeps a copy in the index cache.
  @discardableResult
  func uploadIndex(_ encoded: (bytes: [UInt8], checksum: ObjectID)) async throws -> String {
    let (bytes, checksum) = encoded
    let key = RemoteLayout.indexKey(checksum)
    try await backend.put(key, data: bytes)
    try FS.atomicWrite(bytes, to: cacheDir + "/\(checksum.hex).idx", durable: false)
    invalidate()
    return key
  }
}

/// The union of a remote's index files: which objects the remote has, and where.
public final class RemoteIndex: @unchecked Sendable {
  public let files: [IndexFile]
  /// Remote keys of the index files.
  public let keys: [String]

  init(files: [IndexFile], keys: [String]) {
    self.files = files
    self.keys = keys
  }

  public func lookup(_ id: ObjectID) -> ObjectLocation? {
    for f in files { if let l = f.lookup(id) { return l } }
    return nil
  }

  public func contains(_ id: ObjectID) -> Bool { lookup(id) != nil }

  /// The records of the given packs, by pack.
  public func records(inPacks packs: Set<ObjectID>) throws -> [ObjectID: [IndexFormat.Record]] {
    var out: [ObjectID: [IndexFormat.Record]] = [:]
    for f in files where f.packIDs.contains(where: packs.contains) {
      for r in try f.allRecords() where packs.contains(r.location.pack) { out[r.location.pack, default: []].append(r) }
    }
    return out
  }

  /// Every record once (the first index naming an id wins).
  public func allRecords() throws -> [IndexFormat.Record] {
    var seen = Set<ObjectID>()
    var out: [IndexFormat.Record] = []
    for f in files { for r in try f.allRecords() where seen.insert(r.id).inserted { out.append(r) } }
    return out
  }
}
