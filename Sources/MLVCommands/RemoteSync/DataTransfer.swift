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
    total.alreadyLocal = graph.reached.count - graph.missing.count  // missing ⊆ reached; no set copy
    // Only the previous round's ids are remembered: a round that leaves nothing but
    // those still missing has made no progress (a set of every id asked would cost as
    // much as the walk itself on a million files).
    var asked = Set<ObjectID>()
    while true {
      let wanted = graph.missing
      guard !wanted.isEmpty, !wanted.isSubset(of: asked) else { break }
      asked = wanted
      let r = try await remote.fetch(Array(wanted), into: ws.store, jobs: jobs, progress: progress)
      total.objectsFetched += r.objectsFetched
      total.bytesFetched += r.bytesFetched
      total.requests += r.requests
      if !r.missing.isEmpty { throw missing(r.missing, named: graph.paths(of: Set(r.missing)), on: remote) }
      graph.resume()
    }
    if let (id, why) = graph.damaged.first {
      throw StoreError.corruptObject(id, location: "the local store", reason: why)
    }
    return total
  }

  /// The error for objects `remote` lacks, with the paths `named` gives them as examples.
  private static func missing(_ ids: [ObjectID], named: [ObjectID: [String]], on remote: RemoteRepository) -> RemoteError {
    var seen = Set<String>()
    let labels = ids.flatMap { named[$0] ?? [] }.filter { seen.insert($0).inserted }
    return RemoteError.missingObjects(remote: remote.label, count: ids.count, examples: labels)
  }

  /// Fetches what `selections` need, round after round like `fetchMissing`, but walking
  /// the selections again each round (`Workspace.missingObjects`) instead of keeping an
  /// `ObjectGraph`: a round holds only the ids still missing, sorted (issue 14: the graph of
  /// a fresh clone's million files held ~200 MB through the fetch).
  static func fetch(
    _ selections: [DataSelection], skipping: Set<ObjectID> = [], ws: Workspace, remote: RemoteRepository, jobs: Int
  ) async throws -> FetchReport {
    let progress = TransferProgressBridge(ws.progress)
    var total = FetchReport()
    var first = true
    // A round that finds exactly what the last one asked for has made no progress; the
    // last round is remembered by its count and a sum of its ids, not as a copy.
    var asked: (count: Int, sum: UInt64)?
    while true {
      var walk = ws.missingObjects(selections, skipping: skipping)
      if first { total.alreadyLocal = walk.present }
      first = false
      let sum = walk.missing.reduce(UInt64(0)) { $0 &+ $1.w0 }
      guard !walk.missing.isEmpty, asked.map({ $0.count != walk.missing.count || $0.sum != sum }) ?? true else {
        if let (id, why) = walk.damaged.first {
          throw StoreError.corruptObject(id, location: "the local store", reason: why)
        }
        break
      }
      asked = (walk.missing.count, sum)
      let wanted = walk.missing
      walk.missing = []  // one copy of the ids in flight
      let r = try await remote.fetch(consume wanted, into: ws.store, jobs: jobs, progress: progress)
      total.objectsFetched += r.objectsFetched
      total.bytesFetched += r.bytesFetched
      total.requests += r.requests
      if !r.missing.isEmpty {
        // Naming the paths walks the graph with labels for just those ids (error path only).
        throw missing(r.missing, named: ws.graph(of: selections, skipping: skipping).paths(of: Set(r.missing)), on: remote)
      }
    }
    return total
  }
}

extension DataTransfer {
  /// What a push of the workspace's data (HEAD, the workspace and staged pointers, or
  /// `paths`) would upload to the remote: `push --dry-run` and `status --remote`.
  static func pushPlan(_ ws: Workspace, remoteName: String?, paths: [String]) async throws -> (objects: Int, bytes: Int64, notLocal: Int, remote: String) {
    let remote = try RemoteAccess.open(ws, name: remoteName)
    let graph: ObjectGraph
    if paths.isEmpty {
      let head = try ws.git.head()
      graph = try ws.graph(KeepPolicy(revisions: head == nil ? [] : ["HEAD"], history: false, workspace: true)).graph
    } else {
      graph = ws.graph(of: try ws.selectData(at: nil, paths: paths))
    }
    let index = try await remote.index()
    let lacking = Set(graph.reached.filter { !index.contains($0) })
    let layout = ws.store.layout(of: lacking)
    return (lacking.count - layout.notLocal.count, layout.storedBytes, layout.notLocal.count, remote.name)
  }
}

extension DataTransfer {
  /// Makes everything `graph` reaches local before anything changes: objects the store
  /// lacks are fetched from the default remote (as `repro` does). When an object is on no
  /// remote tried, throws `dataUnavailable` naming the paths that need it and the remotes
  /// tried, so checkout is all or nothing.
  static func ensureLocal(_ graph: ObjectGraph, ws: Workspace) async throws -> FetchReport? {
    guard !graph.missing.isEmpty else { return nil }
    return try await fetchFromDefault(ws, naming: { graph.paths(of: graph.missing) }) { remote in
      try await fetchMissing(graph, ws: ws, remote: remote, jobs: defaultJobs)
    }
  }

  /// `ensureLocal` for selections, walked with `Workspace.missingObjects` instead of an
  /// `ObjectGraph` (checkout and the hooks: a graph of a million files held ~125 MB, most
  /// of a million-file restore's peak). Nil when everything is local already.
  static func ensureLocal(_ selections: [DataSelection], skipping: Set<ObjectID> = [], ws: Workspace) async throws -> FetchReport? {
    // Damaged objects are left to the command's own validation, which names them in its
    // terms (a path that enters .git, sizes that overflow) before anything changes.
    let first = ws.missingObjects(selections, skipping: skipping)
    guard !first.missing.isEmpty else { return nil }
    // The paths behind what is missing come from a labelled walk (error paths only).
    let naming = { ws.graph(of: selections, skipping: skipping).paths(of: Set(first.missing)) }
    return try await fetchFromDefault(ws, naming: naming) { remote in
      try await fetch(selections, skipping: skipping, ws: ws, remote: remote, jobs: defaultJobs)
    }
  }

  /// Runs `fetch` against the default remote; when there is none, or it lacks something,
  /// throws `dataUnavailable` with the paths `naming` labels (sorted, each once).
  private static func fetchFromDefault(
    _ ws: Workspace, naming: () -> [ObjectID: [String]], _ fetch: (RemoteRepository) async throws -> FetchReport
  ) async throws -> FetchReport {
    func paths() -> [String] {
      var seen = Set<String>()
      return naming().values.flatMap { $0 }.sorted().filter { seen.insert($0).inserted }
    }
    guard let remote = try? RemoteAccess.open(ws, name: nil) else {
      throw WorkspaceError.dataUnavailable(paths: paths(), remotesTried: [])
    }
    do {
      return try await fetch(remote)
    } catch RemoteError.missingObjects {
      throw WorkspaceError.dataUnavailable(paths: paths(), remotesTried: [remote.label])
    }
  }
}
