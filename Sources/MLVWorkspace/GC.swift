import Foundation
import MLVStore

public struct GCReport: Sendable {
  public var liveObjects = 0
  public var deadObjects = 0
  public var deadBytes: Int64 = 0
  public var packsDeleted = 0
  public var packsRepacked = 0
  public var bytesFreed: Int64 = 0
  public var temporaryFilesRemoved = 0
  public var missing = 0
}

extension Workspace {
  /// Packs whose live bytes fall below this fraction are rewritten with only their live
  /// objects; emptier packs are not worth keeping for a few live chunks.
  static let repackBelow = 0.5

  /// Removes objects no kept revision needs (`policy`), rewriting mostly dead packs.
  /// Runs under the repository lock, so no `add` can be writing at the same time; the
  /// new packs and index are durable before anything old is deleted.
  public func gc(_ policy: KeepPolicy, dryRun: Bool) throws -> GCReport {
    var report = GCReport()
    let live = try liveObjects(policy)
    report.missing = live.missing.count
    let records = try store.allRecords()
    var byPack: [ObjectID: [IndexFormat.Record]] = [:]
    for r in records { byPack[r.location.pack, default: []].append(r) }
    var keep: [IndexFormat.Record] = []
    var toRepack: [IndexFormat.Record] = []
    var deletePacks: [String] = []
    for (pack, recs) in byPack {
      let liveRecs = recs.filter { live.objects.contains($0.id) }
      let dead = recs.count - liveRecs.count
      report.liveObjects += liveRecs.count
      report.deadObjects += dead
      report.deadBytes += recs.filter { !live.objects.contains($0.id) }.reduce(0) { $0 + Int64($1.location.storedLength) }
      let total = recs.reduce(Int64(0)) { $0 + Int64($1.location.storedLength) }
      let liveBytes = liveRecs.reduce(Int64(0)) { $0 + Int64($1.location.storedLength) }
      let path = store.packPath(pack)
      if liveRecs.isEmpty {
        deletePacks.append(path)
        report.packsDeleted += 1
        report.bytesFreed += store.fileSize(path)
      } else if Double(liveBytes) < Double(total) * Self.repackBelow {
        toRepack += liveRecs
        deletePacks.append(path)
        report.packsRepacked += 1
        report.bytesFreed += store.fileSize(path) - liveBytes
      } else {
        keep += liveRecs
      }
    }
    // Packs on disk that no index names (left by a crash between renames and the index).
    let indexed = Set(byPack.keys)
    for path in store.packFiles() {
      if let id = DiskStore.packID(fromPath: path), !indexed.contains(id) {
        deletePacks.append(path)
        report.bytesFreed += store.fileSize(path)
        report.packsDeleted += 1
      }
    }
    if dryRun { return report }
    report.temporaryFilesRemoved = store.removeOrphanedTemporaryFiles().files
    if !toRepack.isEmpty || !deletePacks.isEmpty {
      let writer = store.makeWriter()
      progress.begin("repacking", totalBytes: toRepack.reduce(0) { $0 + Int64($1.location.rawLength) })
      for r in toRepack {
        let bytes = try store.read(r.id)
        // Re-decide compression per object: keep zlib where it was used.
        _ = try bytes.withUnsafeBytes { try writer.put(r.id, type: r.location.type, bytes: $0, compress: r.location.codec == .zlib) }
        progress.advance(Int64(bytes.count))
      }
      progress.end()
      try writer.flush()
      // The writer published an index for the repacked objects; fold everything into one
      // index of live objects only, then delete what no index names any more.
      let repacked = Set(toRepack.map(\.id))
      let doomed = Set(deletePacks)
      var fresh: [IndexFormat.Record] = []
      for path in store.indexPaths() {
        for r in try IndexFile(path: path, verifyChecksum: false).allRecords()
        where repacked.contains(r.id) && !doomed.contains(store.packPath(r.location.pack)) {
          fresh.append(r)
        }
      }
      try store.replaceIndexes(with: keep + fresh)
      for path in deletePacks { FS.remove(path) }
    }
    return report
  }
}
