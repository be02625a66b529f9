import Foundation
import MLVSystem

/// `mlv fsck --repair` of the local store: make the indexes say exactly what the packs
/// hold, and the packs hold only objects that verify. Packs are self-describing, so the
/// indexes are rebuilt from their headers; an index entry naming a missing pack, a damaged
/// index, or an entry with a wrong offset all disappear with the old indexes. What is lost
/// (corrupt objects, objects only an index named) is reported, so the caller can fetch it
/// again from a remote.
extension DiskStore {
  public func repair(progress: (@Sendable (Int64) -> Void)?) throws -> RepairReport {
    try refresh()
    var report = RepairReport()
    // Everything any readable index names, to tell what is lost at the end.
    var named: [ObjectID: [IndexFormat.Record]] = [:]
    for path in indexPaths() {
      guard let index = try? IndexFile(path: path, verifyChecksum: false) else {
        report.damagedIndexes.append(path)
        continue
      }
      if (try? IndexFile(path: path, verifyChecksum: true)) == nil { report.damagedIndexes.append(path) }
      // Entries are read one by one: a damaged index may still locate good objects.
      for i in 0..<index.count { if let r = index.record(at: i) { named[r.id, default: []].append(r) } }
    }
    let inventory = PackInventory.scan(packsDir)
    report.packsChecked = inventory.packs.count + inventory.damaged.count

    var good: [PackInventory.Pack] = []
    var salvage: [(id: ObjectID, entry: PackFormat.Entry, stored: [UInt8])] = []
    var remove: [String] = []
    for (_, pack) in inventory.packs.sorted(by: { $0.key < $1.key }) {
      let bad = verifyBlobs(pack, progress: progress)
      if bad.isEmpty {
        good.append(pack)
        continue
      }
      let badIDs = Set(bad.map(\.0))
      report.lost.formUnion(badIDs)
      let file = try POSIXFile.openForReading(pack.path)
      for e in pack.entries where !badIDs.contains(e.entry.id) {
        salvage.append((e.entry.id, e.entry, try file.read(count: Int(e.entry.storedLength), at: Int64(e.offset))))
      }
      remove.append(pack.path)
    }
    // Packs with an unreadable header: the indexes may still say where good objects are.
    for (path, _) in inventory.damaged {
      guard let packID = PackInventory.packID(fromPath: path), let file = try? POSIXFile.openForReading(path) else {
        continue
      }
      for (id, records) in named {
        guard let r = records.first(where: { $0.location.pack == packID }) else { continue }
        let l = r.location
        if let stored = try? file.read(count: Int(l.storedLength), at: Int64(l.offset)),
          (try? BlobCodec.decode(id, codec: l.codec, rawLength: l.rawLength, stored: stored)) != nil
        {
          salvage.append(
            (id, PackFormat.Entry(id: id, type: l.type, codec: l.codec, rawLength: l.rawLength, storedLength: l.storedLength), stored))
        }
      }
      remove.append(path)
    }

    // Salvaged objects go into new packs; a copy in a good pack is enough.
    let inGood = Set(good.flatMap { $0.entries.map(\.entry.id) })
    var written: [SealedPack] = []
    var builder: PackBuilder?
    do {
      var seen = inGood
      for s in salvage where seen.insert(s.id).inserted {
        if let b = builder, !b.fits(s.stored.count) || b.isFull {
          written.append(try b.seal())
          builder = nil
        }
        let b = try builder ?? PackBuilder(directory: temporaryDirectory, prefix: "repair-pack")
        builder = b
        try s.stored.withUnsafeBytes { _ = try b.append(s.entry, stored: $0) }
        report.objectsSalvaged += 1
      }
      if let b = builder { written.append(try b.seal()) }
    } catch {
      builder?.discard()
      for w in written { FS.remove(w.path) }
      throw error
    }
    var records = good.flatMap { p in p.entries.map { $0.record(pack: p.id) } }
    for w in written {
      try POSIXFile.openForReading(w.path).sync()
      let final = packPath(w.id)
      try FS.makeDirectories((final as NSString).deletingLastPathComponent)
      if FS.exists(final) { FS.remove(w.path) } else { try FS.rename(w.path, final) }
      records += w.records
    }
    FS.fsyncDirectory(packsDir)
    let old = indexPaths()
    try supersede(old, with: records)
    report.indexesReplaced = old.count
    for path in remove { FS.remove(path) }
    report.packsRewritten = remove
    FS.fsyncDirectory(packsDir)
    let kept = Set(records.map(\.id))
    report.lost.formUnion(named.keys.filter { !kept.contains($0) })
    report.lost.subtract(kept)
    try refresh()
    return report
  }
}
