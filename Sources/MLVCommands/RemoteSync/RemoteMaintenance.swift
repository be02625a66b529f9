import ArgumentParser
import Foundation
import MLVRemote
import MLVStore
import MLVWorkspace

/// `gc --remote`, `fsck --remote` and `fsck --repair`.
enum RemoteMaintenance {
  /// The objects kept revisions need. Manifests and file lists missing locally are fetched
  /// from the remote first: without them the walk could not see the chunks they name,
  /// and a remote gc would delete data a kept revision needs.
  static func liveSet(_ ws: Workspace, _ policy: KeepPolicy, remote: RemoteRepository) async throws -> LiveSet {
    var live = try ws.liveObjects(policy)
    for _ in 0..<3 {
      let index = try await remote.index()
      let metadata = live.missing.keys.filter { id in
        guard let l = index.lookup(id) else { return false }
        return l.type != .chunk
      }
      guard !metadata.isEmpty else { break }
      _ = try await remote.fetch(metadata, into: ws.store, progress: TransferProgressBridge(ws.progress))
      live = try ws.liveObjects(policy)
    }
    return live
  }

  static func gc(_ ws: Workspace, remoteName: String, policy: KeepPolicy, dryRun: Bool, out: Output) async throws {
    let remote = try RemoteAccess.open(ws, name: remoteName)
    let live = try await liveSet(ws, policy, remote: remote)
    let r = try await remote.gc(live: live.objects, dryRun: dryRun)
    out.line(
      "\(dryRun ? "would free" : "freed") \(Format.bytes(r.bytesFreed)) on \(remote.name): "
        + "\(Format.count(r.deadObjects)) unused objects, \(r.packsDeleted) packs deleted, \(r.packsRepacked) repacked, "
        + "\(r.packsPartlyDead) partly used packs kept; \(Format.count(r.liveObjects, "object")) kept")
  }

  /// Verifies the remote's objects and that it holds everything kept revisions need.
  static func fsck(_ ws: Workspace, remoteName: String, policy: KeepPolicy, out: Output) async throws -> Bool {
    let remote = try RemoteAccess.open(ws, name: remoteName)
    let r = try await remote.verify(progress: TransferProgressBridge(ws.progress))
    let index = try await remote.index()
    let live = try ws.liveObjects(policy)
    let absent = Set(live.objects.filter { !index.contains($0) })
    let damaged = Set(r.corrupt.map(\.id)).union(r.damagedPacks.flatMap(\.objects))
    let users = try ws.paths(needing: damaged.union(absent), policy)
    for (key, why, _) in r.damagedPacks { out.line("damaged pack \(key) on \(remote.name): \(why)") }
    for c in r.corrupt {
      out.line("corrupt object \(c.id.hex) in \(c.key) on \(remote.name): \(c.reason)")
      for p in (users[c.id] ?? []).prefix(10) { out.line("  needed by \(p)") }
    }
    for id in absent.sorted() {
      out.line("missing on \(remote.name): \(id.hex)")
      for p in (users[id] ?? live.missing[id] ?? []).prefix(10) { out.line("  needed by \(p)") }
    }
    let healthy = r.isHealthy && absent.isEmpty
    out.line(
      "checked \(Format.count(r.objectsChecked, "object")) (\(Format.bytes(r.bytesChecked))) in \(r.packsChecked) packs on "
        + "\(remote.name): " + (healthy ? "no problems" : "\(r.corrupt.count) corrupt, \(absent.count) missing"))
    return healthy
  }

  /// Replaces corrupt or missing local objects with verified copies from the remote. The
  /// corrupt copies are dropped from the index first, so the fetch sees them as missing;
  /// then each damaged pack's good objects are rewritten into a new pack and the damaged
  /// pack is deleted.
  static func repair(_ ws: Workspace, remoteName: String?, policy: KeepPolicy, out: Output) async throws {
    let remote = try RemoteAccess.open(ws, name: remoteName)
    var bad = Set<ObjectID>()
    var damagedPacks = Set<ObjectID>()
    // Packs unreadable as a whole (bad header): none of their objects can be trusted.
    var unreadablePacks = Set<ObjectID>()
    for path in ws.store.packFiles() {
      let check = ws.store.verifyPack(path)
      guard check.damaged != nil || !check.corrupt.isEmpty, let id = DiskStore.packID(fromPath: path) else { continue }
      damagedPacks.insert(id)
      if check.damaged != nil { unreadablePacks.insert(id) }
      for (c, _) in check.corrupt { bad.insert(c) }
    }
    let records = try ws.store.allRecords()
    for r in records where unreadablePacks.contains(r.location.pack) { bad.insert(r.id) }
    // Good objects of damaged packs, read (verified) before their records go.
    var salvaged: [(IndexFormat.Record, [UInt8])] = []
    for r in records where damagedPacks.contains(r.location.pack) && !bad.contains(r.id) {
      if let bytes = try? ws.store.read(r.id) { salvaged.append((r, bytes)) } else { bad.insert(r.id) }
    }
    if !damagedPacks.isEmpty {
      try ws.store.replaceIndexes(with: records.filter { !damagedPacks.contains($0.location.pack) })
      let writer = ws.store.makeWriter()
      for (r, bytes) in salvaged { try writer.put(r.id, type: r.location.type, bytes: bytes, compress: r.location.codec == .zlib) }
      try writer.flush()
      for pack in damagedPacks { FS.remove(ws.store.packPath(pack)) }
    }
    var fetched = 0
    var wanted = Array(bad) + Array(try ws.liveObjects(policy).missing.keys)
    for _ in 0..<4 where !wanted.isEmpty {
      let r = try await remote.fetch(wanted, into: ws.store, progress: TransferProgressBridge(ws.progress))
      fetched += r.objectsFetched
      // Fetched file lists and manifests reveal chunks the first walk could not see.
      let next = Array(try ws.liveObjects(policy).missing.keys)
      if Set(next) == Set(wanted) { break }
      wanted = next
    }
    out.line("repaired \(Format.count(fetched, "object")) from \(remote.name)")
  }
}
