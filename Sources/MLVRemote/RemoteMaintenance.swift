import Foundation
import MLVStore
import MLVSystem

public struct RemoteGCReport: Sendable {
  public var liveObjects = 0
  public var deadObjects = 0
  public var packsDeleted = 0
  public var bytesFreed: Int64 = 0
  /// Packs holding both live and dead objects; kept whole (their dead bytes stay).
  public var packsPartlyDead = 0
  /// Mostly dead packs rewritten with only their live objects.
  public var packsRepacked = 0
  public var indexesReplaced = 0
  /// Multipart uploads a killed push left unfinished, aborted (their parts dropped).
  public var uploadsAborted = 0
  public init() {}
}

public struct RemoteFsckReport: Sendable {
  public var packsChecked = 0
  public var objectsChecked = 0
  public var bytesChecked: Int64 = 0
  /// Objects whose bytes on the remote are wrong, with the key of their pack.
  public var corrupt: [(id: ObjectID, key: String, reason: String)] = []
  /// Packs an index names that are absent or unreadable, with the objects they should hold.
  public var damagedPacks: [(key: String, reason: String, objects: [ObjectID])] = []
  /// Index files on the remote that are unreadable or do not match their name.
  public var damagedIndexes: [(key: String, reason: String)] = []
  /// The remote's intact indexes, as read from the remote (not the local cache).
  public var index: RemoteIndex?
  public var isHealthy: Bool { corrupt.isEmpty && damagedPacks.isEmpty && damagedIndexes.isEmpty }
  public init() {}
}

extension RemoteRepository {
  /// Packs whose live bytes fall below this fraction are rewritten with their live objects.
  static let repackBelow = 0.5

  /// Deletes remote packs none of whose objects is in `live`, after replacing every remote
  /// index by one naming only the packs kept. Order: the new index is uploaded first, then
  /// the old indexes are deleted, then the dead packs: a reader never sees an index naming
  /// a deleted pack. Packs no index names (an interrupted push) are left for the next push
  /// to reuse. Holds the remote's exclusive gc lock: it fails rather than run while a push
  /// holds a lock, and pushes fail while it runs (RemoteLock.swift).
  public func gc(live: Set<ObjectID>, dryRun: Bool, jobs: Int = 8) async throws -> RemoteGCReport {
    if dryRun { return try await gcLocked(live: live, dryRun: true, jobs: jobs) }
    return try await withLock(.gc) { try await gcLocked(live: live, dryRun: false, jobs: jobs) }
  }

  func gcLocked(live: Set<ObjectID>, dryRun: Bool, jobs: Int) async throws -> RemoteGCReport {
    var report = RemoteGCReport()
    invalidate()
    let index = try await self.index()
    var byPack: [ObjectID: [IndexFormat.Record]] = [:]
    for r in try index.allRecords() { byPack[r.location.pack, default: []].append(r) }
    let sizes = Dictionary(
      (try await backend.list(prefix: RemoteLayout.packPrefix)).map { ($0.key, $0.size) }, uniquingKeysWith: { a, _ in a })
    var keep: [IndexFormat.Record] = []
    var doomed: [String] = []
    var repack: [(ObjectID, [IndexFormat.Record])] = []
    for (pack, records) in byPack {
      let liveRecords = records.filter { live.contains($0.id) }
      report.liveObjects += liveRecords.count
      report.deadObjects += records.count - liveRecords.count
      let key = RemoteLayout.packKey(pack)
      let size = sizes[key] ?? records.reduce(0) { $0 + Int64($1.location.storedLength) }
      let liveBytes = liveRecords.reduce(Int64(0)) { $0 + Int64($1.location.storedLength) }
      if liveRecords.isEmpty {
        doomed.append(key)
        report.packsDeleted += 1
        report.bytesFreed += size
      } else if Double(liveBytes) < Double(size) * Self.repackBelow {
        repack.append((pack, liveRecords))
        doomed.append(key)
        report.packsRepacked += 1
        report.bytesFreed += size - liveBytes
      } else {
        if liveRecords.count < records.count { report.packsPartlyDead += 1 }
        keep += records
      }
    }
    // Unfinished multipart uploads: under the exclusive lock no push is running, so each
    // was left by a killed one (a push holding a lock more than six hours old is not
    // protected; neither are its packs).
    let unfinished = try await backend.incompleteUploads(prefix: "")
    report.uploadsAborted = unfinished.count
    if !dryRun {
      try await forEachConcurrently(unfinished, jobs: jobs) { try await self.backend.abortUpload($0) }
    }
    guard !dryRun, !doomed.isEmpty else { return report }
    // New packs first, then the index naming them, then deletions.
    let rewritten = Locked([IndexFormat.Record]())
    try await forEachConcurrently(repack, jobs: jobs) { pack, records in
      let tmp = FS.temporaryPath(in: self.tmpDir, prefix: "gc-pack")
      defer { FS.remove(tmp) }
      try await self.backend.getFile(RemoteLayout.packKey(pack), to: tmp)
      let built = try await BlockingIO.run { try self.repack(records, from: tmp, key: RemoteLayout.packKey(pack)) }
      defer { FS.remove(built.path) }
      try await self.backend.putFile(RemoteLayout.packKey(built.id), from: built.path)
      rewritten.update { $0 += built.records }
    }
    keep += rewritten.value
    let newKey = try await uploadIndex(keep)
    let old = index.keys.filter { $0 != newKey }
    try await forEachConcurrently(old, jobs: jobs) { try await self.backend.delete($0) }
    report.indexesReplaced = old.count
    try await forEachConcurrently(doomed, jobs: jobs) { try await self.backend.delete($0) }
    invalidate()
    return report
  }

  /// Downloads every pack the remote's indexes name, pack by pack, and re-hashes every
  /// object in it; also checks each pack's header against its name.
  /// The indexes are read from the remote itself and verified (`indexFromRemote`).
  public func verify(jobs: Int = 4, progress: TransferProgress = SilentTransferProgress()) async throws -> RemoteFsckReport {
    let (index, damagedIndexes) = try await indexFromRemote()
    var byPack: [ObjectID: [IndexFormat.Record]] = [:]
    for r in try index.allRecords() { byPack[r.location.pack, default: []].append(r) }
    let total = byPack.values.reduce(Int64(0)) { $0 + $1.reduce(0) { $0 + Int64($1.location.storedLength) } }
    progress.begin("verifying \(name)", totalBytes: total)
    defer { progress.end() }
    let results = Locked(RemoteFsckReport())
    try await forEachConcurrently(Array(byPack), jobs: jobs) { pack, records in
      let key = RemoteLayout.packKey(pack)
      let bytes: [UInt8]
      do { bytes = try await self.backend.get(key) } catch RemoteError.notFound {
        results.update { $0.damagedPacks.append((key, "missing", records.map(\.id))) }
        return
      }
      var corrupt: [(ObjectID, String, String)] = []
      var checked: Int64 = 0
      for r in records {
        let start = Int(r.location.offset)
        let end = min(bytes.count, start + Int(r.location.storedLength))
        let l = r.location
        let entry = PackFormat.Entry(id: r.id, type: l.type, codec: l.codec, rawLength: l.rawLength, storedLength: l.storedLength)
        do {
          _ = try BlobCodec.decode(entry, stored: start <= end ? Array(bytes[start..<end]) : [])
        } catch {
          corrupt.append((r.id, key, "\(error)"))
        }
        checked += Int64(r.location.storedLength)
        progress.advance(Int64(r.location.storedLength))
      }
      let headerOK = Self.headerMatches(bytes, pack: pack)
      results.update {
        $0.packsChecked += 1
        $0.objectsChecked += records.count
        $0.bytesChecked += checked
        $0.corrupt += corrupt
        if !headerOK { $0.damagedPacks.append((key, "its header does not match its name", [])) }
      }
    }
    var report = results.value
    report.corrupt.sort { $0.id < $1.id }
    report.damagedIndexes = damagedIndexes
    report.index = index
    return report
  }

  /// Whether the header and trailer at the end of a pack hash to the pack's name.
  static func headerMatches(_ bytes: [UInt8], pack: ObjectID) -> Bool {
    let trailer = PackFormat.trailerSize
    guard bytes.count >= trailer else { return false }
    let t = bytes.count - trailer
    let count = Int(UInt32(bytes[t]) | UInt32(bytes[t + 1]) << 8 | UInt32(bytes[t + 2]) << 16 | UInt32(bytes[t + 3]) << 24)
    let headerStart = t - count * PackFormat.entrySize
    guard headerStart >= 0 else { return false }
    return ObjectID.hash(Array(bytes[headerStart...])) == pack
  }
}

extension RemoteRepository {
  /// A new pack of the objects `records` locate in the downloaded pack at `path`, each
  /// verified against its id as it is copied (a remote's damaged object is never copied
  /// into a new pack where it would look fresh).
  func repack(_ records: [IndexFormat.Record], from path: String, key: String) throws -> SealedPack {
    let source = try POSIXFile.openForReading(path)
    let builder = try PackBuilder(directory: tmpDir, prefix: "gc-pack")
    do {
      for r in records {
        let l = r.location
        let stored = try source.read(count: Int(l.storedLength), at: Int64(l.offset))
        let entry = PackFormat.Entry(id: r.id, type: l.type, codec: l.codec, rawLength: l.rawLength, storedLength: l.storedLength)
        do { _ = try BlobCodec.decode(entry, stored: stored) } catch {
          throw RemoteError.corruptObject(remote: label, key: key, id: r.id.hex, reason: error.reason)
        }
        try stored.withUnsafeBytes { _ = try builder.append(entry, stored: $0) }
      }
      return try builder.seal()
    } catch {
      builder.discard()
      throw error
    }
  }
}
