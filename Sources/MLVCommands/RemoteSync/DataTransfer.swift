import Foundation
import MLVRemote
import MLVStore
import MLVWorkspace

/// Which objects a push or fetch moves, computed from pointers by the object graph
/// (docs/remotes.md).
enum DataTransfer {
  /// Fetches what `graph` is missing, round after round: each round's objects (manifests,
  /// then file lists, then chunks) reveal the next round's. Throws `missingObjects`, naming
  /// the paths, when the remote lacks something.
  static func fetchMissing(
    _ graph: ObjectGraph, ws: Workspace, remote: RemoteRepository, jobs: Int
  ) async throws -> FetchReport {
    let progress = TransferProgressBridge(ws.progress)
    var total = FetchReport()
    total.alreadyLocal = graph.present.count
    var asked = Set<ObjectID>()
    while true {
      let wanted = graph.missing.keys.filter { !asked.contains($0) }
      guard !wanted.isEmpty else { break }
      asked.formUnion(wanted)
      let r = try await remote.fetch(Array(wanted), into: ws.store, jobs: jobs, progress: progress)
      total.objectsFetched += r.objectsFetched
      total.bytesFetched += r.bytesFetched
      total.requests += r.requests
      total.stored.formUnion(r.stored)
      if !r.missing.isEmpty {
        var seen = Set<String>()
        let labels = r.missing.flatMap { graph.missing[$0] ?? [] }.filter { seen.insert($0).inserted }
        throw RemoteError.missingObjects(remote: remote.label, count: r.missing.count, examples: labels)
      }
      graph.resume()
    }
    if let (id, why) = graph.damaged.first {
      throw StoreError.corruptObject(id, location: "the local store", reason: why)
    }
    return total
  }

  /// Fetches what `selections` need.
  static func fetch(
    _ selections: [DataSelection], ws: Workspace, remote: RemoteRepository, jobs: Int
  ) async throws -> FetchReport {
    try await fetchMissing(ws.graph(of: selections), ws: ws, remote: remote, jobs: jobs)
  }
}
