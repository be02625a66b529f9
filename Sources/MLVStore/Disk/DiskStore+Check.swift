import Foundation
import MLVSystem

#if canImport(Glibc)
  import Glibc
#endif

/// `mlv fsck` of the local store: every index re-hashed, every blob decoded and verified,
/// and every index entry cross-checked against the header of the pack it names — an entry
/// with a wrong offset but a valid checksum would otherwise pass here and fail a checkout.
extension DiskStore {
  public func check(progress: (@Sendable (Int64) -> Void)?) throws -> StoreCheck {
    try refresh()
    var report = StoreCheck()
    var records: [(IndexFormat.Record, String)] = []
    for path in indexPaths() {
      do {
        let index = try IndexFile(path: path, verifyChecksum: true)
        for r in try index.allRecords() { records.append((r, path)) }
      } catch {
        report.damagedIndexes.append((path, "\(error)"))
      }
    }
    let inventory = PackInventory.scan(packsDir)
    report.damagedPacks = inventory.damaged
    for (_, pack) in inventory.packs.sorted(by: { $0.key < $1.key }) {
      report.packsChecked += 1
      for (id, reason) in verifyBlobs(pack, progress: progress) { report.corrupt.append((id, pack.path, reason)) }
      report.objectsChecked += pack.entries.count
      report.bytesChecked += pack.entries.reduce(0) { $0 + Int64($1.entry.storedLength) }
    }
    // Cross-check: each index entry must be exactly the header entry of the pack it names.
    let damagedNames = Set(inventory.damaged.compactMap { PackInventory.packID(fromPath: $0.path) })
    var headers: [ObjectID: [ObjectID: PackFormat.LocatedEntry]] = [:]
    var indexed = Set<ObjectID>()
    for (r, path) in records {
      indexed.insert(r.id)
      let l = r.location
      guard let pack = inventory.packs[l.pack] else {
        let why = damagedNames.contains(l.pack) ? "names the damaged pack \(l.pack.hex)" : "names pack \(l.pack.hex), which does not exist"
        report.badEntries.append((r.id, path, why))
        continue
      }
      if headers[l.pack] == nil {
        headers[l.pack] = Dictionary(pack.entries.map { ($0.entry.id, $0) }, uniquingKeysWith: { a, _ in a })
      }
      guard let e = headers[l.pack]?[r.id] else {
        report.badEntries.append((r.id, path, "names pack \(l.pack.hex), which does not hold it"))
        continue
      }
      if e.entry.location(pack: l.pack, offset: e.offset) != l {
        report.badEntries.append(
          (r.id, path, "disagrees with the header of pack \(l.pack.hex) (index: offset \(l.offset), \(l.storedLength) bytes; "
            + "pack: offset \(e.offset), \(e.entry.storedLength) bytes)"))
      }
    }
    for (_, pack) in inventory.packs {
      report.unindexedObjects += pack.entries.filter { !indexed.contains($0.entry.id) }.count
    }
    return report
  }

  /// Decodes and verifies every blob of `pack`; returns the ones that fail and why.
  func verifyBlobs(_ pack: PackInventory.Pack, progress: (@Sendable (Int64) -> Void)?) -> [(ObjectID, String)] {
    var bad: [(ObjectID, String)] = []
    let file: POSIXFile
    do { file = try POSIXFile.openForReading(pack.path) } catch {
      return pack.entries.map { ($0.entry.id, "\(error)") }
    }
    for e in pack.entries {
      do {
        _ = try Self.readVerified(e.entry.id, location: e.entry.location(pack: pack.id, offset: e.offset), file: file)
      } catch let s as StoreError {
        if case .corruptObject(_, _, let reason) = s { bad.append((e.entry.id, reason)) } else { bad.append((e.entry.id, "\(s)")) }
      } catch {
        bad.append((e.entry.id, "\(error)"))
      }
      progress?(Int64(e.entry.storedLength))
    }
    return bad
  }

  /// Removes temporary files left by processes that are gone (a killed `add` can leave
  /// gigabytes of unsealed packs). Temporary names embed the creator's pid
  /// (`FS.temporaryPath`), so files of a live process — a `diff` restoring a file, which
  /// takes no lock — are kept; a name without a pid is removed once it is a day old.
  @discardableResult
  public func removeOrphanedTemporaryFiles() -> Int {
    removeOrphanedTemporaryFiles(olderThan: 86_400)
  }

  @discardableResult
  public func removeOrphanedTemporaryFiles(olderThan unknownAge: Double) -> Int {
    var removed = 0
    let now = Date().timeIntervalSince1970
    for name in FS.list(temporaryDirectory) {
      let path = temporaryDirectory + "/" + name
      var st = stat()
      guard lstat(path, &st) == 0 else { continue }
      let orphaned: Bool
      if let pid = FS.creatorPID(ofTemporaryName: name) {
        orphaned = pid != getpid() && FS.processIsGone(pid)
      } else {
        orphaned = now - Double(st.st_mtim.tv_sec) > unknownAge
      }
      guard orphaned else { continue }
      FS.remove(path)
      removed += 1
    }
    return removed
  }
}
