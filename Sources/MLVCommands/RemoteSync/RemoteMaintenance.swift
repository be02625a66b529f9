import ArgumentParser
import Foundation
import MLVRemote
import MLVStore
import MLVWorkspace

/// `gc --remote`, `fsck --remote` and `fsck --repair`.
enum RemoteMaintenance {
  /// The graph of what kept revisions need. Manifests and file lists missing locally are
  /// fetched from the remote first: without them the walk could not see the chunks they
  /// name, and a remote gc would delete data a kept revision needs.
  static func liveGraph(_ ws: Workspace, _ policy: KeepPolicy, remote: RemoteRepository) async throws -> ObjectGraph {
    let (graph, _) = try ws.graph(policy)
    var asked = Set<ObjectID>()
    while true {
      let index = try await remote.index()
      let metadata = graph.missing.filter { id in
        guard !asked.contains(id), let l = index.lookup(id) else { return false }
        return l.type != .chunk
      }
      guard !metadata.isEmpty else { break }
      asked.formUnion(metadata)
      _ = try await remote.fetch(Array(metadata), into: ws.store, progress: TransferProgressBridge(ws.progress))
      graph.resume()
    }
    return graph
  }

  static func gc(_ ws: Workspace, remoteName: String, policy: KeepPolicy, dryRun: Bool, out: Output) async throws {
    let remote = try RemoteAccess.open(ws, name: remoteName)
    let graph = try await liveGraph(ws, policy, remote: remote)
    let r = try await remote.gc(live: graph.reached, dryRun: dryRun)
    out.line(
      "\(dryRun ? "would free" : "freed") \(Format.bytes(r.bytesFreed)) on \(remote.name): "
        + "\(Format.count(r.deadObjects, "unused object")), \(Format.count(r.packsDeleted, "pack")) deleted, "
        + "\(r.packsRepacked) repacked, \(Format.count(r.packsPartlyDead, "partly used pack")) kept; "
        + "\(Format.count(r.liveObjects, "object")) kept"
        + (r.uploadsAborted == 0
          ? "" : "; \(dryRun ? "would abort" : "aborted") \(Format.count(r.uploadsAborted, "unfinished upload"))"))
  }

  /// Verifies the remote's objects and that it holds everything kept revisions need.
  static func fsck(_ ws: Workspace, remoteName: String, policy: KeepPolicy, out: Output) async throws -> Bool {
    let remote = try RemoteAccess.open(ws, name: remoteName)
    let r = try await remote.verify(progress: TransferProgressBridge(ws.progress))
    // What the remote itself holds, verified: never the local cache of its indexes.
    guard let index = r.index else { throw RemoteError.invalidResponse(detail: "no index read from \(remote.label)") }
    let (live, _) = try ws.graph(policy)
    let absent = Set(live.reached.filter { !index.contains($0) })
    let damaged = Set(r.corrupt.map(\.id)).union(r.damagedPacks.flatMap(\.objects))
    let (users, _) = try ws.graph(policy, labelling: damaged.union(absent))
    for (key, why) in r.damagedIndexes { out.line("damaged index \(key) on \(remote.name): \(why)") }
    for (key, why, _) in r.damagedPacks { out.line("damaged pack \(key) on \(remote.name): \(why)") }
    for c in r.corrupt {
      out.line("corrupt object \(c.id.hex) in \(c.key) on \(remote.name): \(c.reason)")
      for p in (users.labels[c.id] ?? []).prefix(10) { out.line("  needed by \(p)") }
    }
    for id in absent.sorted() {
      out.line("missing on \(remote.name): \(id.hex)")
      for p in (users.labels[id] ?? []).prefix(10) { out.line("  needed by \(p)") }
    }
    let healthy = r.isHealthy && absent.isEmpty
    out.line(
      "checked \(Format.count(r.objectsChecked, "object")) (\(Format.bytes(r.bytesChecked))) in "
        + "\(Format.count(r.packsChecked, "pack")) on \(remote.name): "
        + (healthy
          ? "no problems"
          : "\(r.corrupt.count) corrupt, \(absent.count) missing"
            + (r.damagedIndexes.isEmpty ? "" : ", \(Format.count(r.damagedIndexes.count, "damaged index", plural: "damaged indexes"))")))
    return healthy
  }

  /// `fsck --repair`: the local store is repaired first (indexes rebuilt from the packs,
  /// damaged packs rewritten with their good objects); then whatever kept revisions still
  /// miss is fetched from the remote — the default one unless named — when there is one.
  /// Returns whether nothing is missing any more.
  static func repair(_ ws: Workspace, remoteName: String?, policy: KeepPolicy, out: Output) async throws -> Bool {
    let (report, graph) = try ws.repairStore(policy)
    var line = "repaired the local store: \(Format.count(report.packsChecked, "pack")) checked, "
      + "\(Format.count(report.indexesReplaced, "index", plural: "indexes")) rebuilt"
    if !report.packsRewritten.isEmpty { line += ", \(Format.count(report.packsRewritten.count, "damaged pack")) rewritten" }
    if !report.lost.isEmpty { line += ", \(Format.count(report.lost.count, "damaged object")) dropped" }
    out.line(line)
    if graph.missing.isEmpty { return true }
    guard let remote = try? RemoteAccess.open(ws, name: remoteName) else {
      if let remoteName { _ = try RemoteAccess.open(ws, name: remoteName) }  // names the error
      out.line("\(Format.count(graph.missing.count, "object")) still missing, and no remote to fetch them from")
      return false
    }
    do {
      let fetched = try await DataTransfer.fetchMissing(graph, ws: ws, remote: remote, jobs: defaultJobs)
      out.line("fetched \(Format.count(fetched.objectsFetched, "object")) (\(Format.bytes(fetched.bytesFetched))) from \(remote.name)")
    } catch let e as RemoteError {
      out.line("\(e)")
    }
    let named = graph.paths(of: graph.missing)
    for id in graph.missing.sorted() {
      out.line("still missing: \(id.hex)")
      for p in (named[id] ?? []).prefix(10) { out.line("  needed by \(p)") }
    }
    return graph.missing.isEmpty
  }
}
