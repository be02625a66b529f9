import Foundation
import MLVSystem

/// `mlv gc` of the local store (docs/design.md, "Garbage collection").
///
/// Works from the packs' own headers (`PackInventory`), not from the loaded indexes: a pack
/// published by a command that finished while this one waited for the lock, or whose index
/// is damaged, is still seen with every object in it. Live objects of mostly dead packs are
/// copied, verified and as stored (no re-compression), into new packs with the one pack
/// builder — never through a writer, which would deduplicate them against the very packs
/// about to be deleted. The order is: new packs renamed into place, one new index naming
/// every kept and copied object written, that index checked to hold every live object the
/// store had, the old indexes removed, and only then the old packs.
extension DiskStore {
  /// Packs whose live bytes fall below this fraction are rewritten with only their live
  /// objects; fuller ones are kept whole (dead objects in them stay until they are emptier).
  static let repackBelow = 0.5

  public func prune(keeping live: Set<ObjectID>, dryRun: Bool, progress: (@Sendable (Int64) -> Void)?) throws -> PruneReport {
    try refresh()
    let inventory = PackInventory.scan(packsDir)
    let copies = inventory.objects()  // one copy per object; the others are duplicates
    var plan = PrunePlan()
    for (_, pack) in inventory.packs.sorted(by: { $0.key < $1.key }) {
      let liveEntries = pack.entries.filter { live.contains($0.entry.id) && copies[$0.entry.id]?.pack == pack.id }
      let total = pack.entries.reduce(Int64(0)) { $0 + Int64($1.entry.storedLength) }
      let liveBytes = liveEntries.reduce(Int64(0)) { $0 + Int64($1.entry.storedLength) }
      if liveEntries.isEmpty {
        plan.delete.append(pack)
      } else if Double(liveBytes) < Double(total) * Self.repackBelow {
        plan.repack.append((pack, liveEntries))
      } else {
        plan.keep.append(pack)
      }
    }
    var report = plan.report(live: live, copies: copies, damaged: inventory.damaged.count)
    if dryRun { return report }
    report.temporaryFilesRemoved = removeOrphanedTemporaryFiles()
    guard !plan.repack.isEmpty || !plan.delete.isEmpty else { return report }

    let (written, packsWithDamage) = try copyLiveObjects(&plan, progress: progress)
    let temporaries = report.temporaryFilesRemoved
    report = plan.report(live: live, copies: copies, damaged: inventory.damaged.count)
    report.temporaryFilesRemoved = temporaries
    report.packsWritten = written.count
    report.packsWithDamagedLiveObjects = packsWithDamage

    // Publish the new packs, then one index naming every kept and copied object.
    var records: [IndexFormat.Record] = []
    for p in plan.keep { records += p.entries.map { $0.record(pack: p.id) } }
    for w in written {
      try POSIXFile.openForReading(w.path).sync()
      let final = packPath(w.id)
      try FS.makeDirectories((final as NSString).deletingLastPathComponent)
      if FS.exists(final) { FS.remove(w.path) } else { try FS.rename(w.path, final) }
      records += w.records
    }
    FS.fsyncDirectory(packsDir)
    let named = Set(records.map(\.id))
    let lostIfDeleted = live.filter { copies[$0] != nil && !named.contains($0) }
    guard lostIfDeleted.isEmpty else {
      // Unreachable by construction; if it were reached, deleting would lose live data.
      throw StoreError.corruptIndex(
        path: indexDir, reason: "gc would lose \(lostIfDeleted.count) live objects; nothing was deleted")
    }
    try supersede(loadedIndexes.map(\.path), with: records)
    for p in plan.delete { FS.remove(p.path) }
    for (p, _) in plan.repack { FS.remove(p.path) }
    FS.fsyncDirectory(packsDir)
    try refresh()
    return report
  }

  /// Copies the live objects of the packs to repack into new sealed packs. A pack with a
  /// live object that does not verify moves to `keep`: deleting the only (damaged) copy
  /// would destroy what `fsck --repair` reports and replaces.
  private func copyLiveObjects(
    _ plan: inout PrunePlan, progress: (@Sendable (Int64) -> Void)?
  ) throws -> (packs: [SealedPack], packsWithDamage: Int) {
    var written: [SealedPack] = []
    var builder: PackBuilder?
    var copiedPacks: [(PackInventory.Pack, [PackFormat.LocatedEntry])] = []
    var packsWithDamage = 0
    do {
      for (pack, entries) in plan.repack {
        let file = try POSIXFile.openForReading(pack.path)
        var copied: [(PackFormat.Entry, [UInt8])] = []
        for e in entries {
          let stored = try file.read(count: Int(e.entry.storedLength), at: Int64(e.offset))
          guard (try? BlobCodec.decode(e.entry, stored: stored)) != nil else { break }
          copied.append((e.entry, stored))
          progress?(Int64(e.entry.storedLength))
        }
        guard copied.count == entries.count else {
          packsWithDamage += 1
          plan.keep.append(pack)
          continue
        }
        for (entry, stored) in copied {
          if let b = builder, !b.fits(stored.count) || b.isFull {
            written.append(try b.seal())
            builder = nil
          }
          let b = try builder ?? PackBuilder(directory: temporaryDirectory, prefix: "gc-pack")
          builder = b
          try stored.withUnsafeBytes { _ = try b.append(entry, stored: $0) }
        }
        copiedPacks.append((pack, entries))
      }
      if let b = builder { written.append(try b.seal()) }
    } catch {
      builder?.discard()
      for w in written { FS.remove(w.path) }
      throw error
    }
    plan.repack = copiedPacks
    return (written, packsWithDamage)
  }
}

/// Which packs gc keeps whole, rewrites with their live objects, and deletes.
struct PrunePlan {
  var keep: [PackInventory.Pack] = []
  var repack: [(PackInventory.Pack, [PackFormat.LocatedEntry])] = []
  var delete: [PackInventory.Pack] = []

  func report(live: Set<ObjectID>, copies: [ObjectID: (pack: ObjectID, entry: PackFormat.LocatedEntry)], damaged: Int) -> PruneReport {
    var r = PruneReport()
    r.liveObjects = live.filter { copies[$0] != nil }.count
    r.missing = live.count - r.liveObjects
    r.damagedPacksKept = damaged
    for p in keep + repack.map(\.0) + delete {
      let dead = p.entries.filter { !live.contains($0.entry.id) }
      r.deadObjects += dead.count
      r.deadBytes += dead.reduce(0) { $0 + Int64($1.entry.storedLength) }
    }
    r.packsDeleted = delete.count
    r.packsRepacked = repack.count
    r.bytesFreed = delete.reduce(0) { $0 + $1.size }
      + repack.reduce(0) { total, item in total + item.0.size - item.1.reduce(0) { $0 + Int64($1.entry.storedLength) } }
    return r
  }
}
