import Foundation
import MLVRemote
import MLVStore
import MLVWorkspace

/// Which objects a push or fetch moves, computed from pointers (docs/remotes.md).
enum DataTransfer {
  /// Objects `selections` need, walked in the local store: manifests, file lists, chunks.
  /// Objects the local store lacks are returned with the paths that need them.
  static func localClosure(_ selections: [DataSelection], ws: Workspace) throws -> (Set<ObjectID>, [ObjectID: [String]]) {
    var ids = Set<ObjectID>()
    var missing: [ObjectID: [String]] = [:]
    for s in selections {
      if s.pointer.kind == .dir {
        ids.insert(s.pointer.oid)
        guard ws.store.contains(s.pointer.oid) else {
          missing[s.pointer.oid, default: []].append(s.dataPath)
          continue
        }
      }
      for e in try ws.selectedEntries(s) where e.size > 0 {
        let label = e.path.isEmpty ? s.dataPath : s.dataPath + "/" + e.path
        guard ids.insert(e.oid).inserted else { continue }
        guard ws.store.contains(e.oid) else {
          missing[e.oid, default: []].append(label)
          continue
        }
        for c in try ws.store.chunks(ofFile: e.oid, size: e.size) where ids.insert(c.id).inserted {
          if !ws.store.contains(c.id) { missing[c.id, default: []].append(label) }
        }
      }
    }
    return (ids, missing)
  }

  /// Fetches what `selections` need in three phases, each computable only once the
  /// previous one is local: directory manifests, then file contents (chunks or file
  /// lists), then the chunks of file lists.
  static func fetch(
    _ selections: [DataSelection], ws: Workspace, remote: RemoteRepository, jobs: Int
  ) async throws -> FetchReport {
    let progress = TransferProgressBridge(ws.progress)
    var total = FetchReport()
    var seen = Set<ObjectID>()
    func run(_ wanted: [(ObjectID, String)]) async throws {
      // "Already local" counts what was local before this command, not objects an
      // earlier phase stored from a downloaded gap.
      for (id, _) in wanted where seen.insert(id).inserted && ws.store.contains(id) && !total.stored.contains(id) {
        total.alreadyLocal += 1
      }
      let r = try await remote.fetch(wanted.map(\.0), into: ws.store, jobs: jobs, progress: progress)
      total.objectsFetched += r.objectsFetched
      total.bytesFetched += r.bytesFetched
      total.requests += r.requests
      total.stored.formUnion(r.stored)
      if !r.missing.isEmpty {
        let missing = Set(r.missing)
        let labels = wanted.filter { missing.contains($0.0) }.map(\.1)
        var seen = Set<String>()
        throw RemoteError.missingObjects(
          remote: remote.label, count: r.missing.count, examples: labels.filter { seen.insert($0).inserted })
      }
    }
    try await run(selections.filter { $0.pointer.kind == .dir }.map { ($0.pointer.oid, $0.dataPath) })
    var files: [(ObjectID, String, Int64)] = []
    for s in selections {
      for e in try ws.selectedEntries(s) where e.size > 0 {
        files.append((e.oid, e.path.isEmpty ? s.dataPath : s.dataPath + "/" + e.path, e.size))
      }
    }
    try await run(files.map { ($0.0, $0.1) })
    var chunks: [(ObjectID, String)] = []
    for (id, label, size) in files where ws.store.info(id)?.type == .fileList {
      for c in try ws.store.chunks(ofFile: id, size: size) { chunks.append((c.id, label)) }
    }
    try await run(chunks)
    return total
  }
}
