import Foundation
import MLVStore

public struct FsckReport: Sendable {
  public var store = StoreCheck()
  /// Corrupt object → where it is, why, and the tracked paths that need it.
  public var corrupt: [(id: ObjectID, detail: String, neededBy: [String])] = []
  /// Objects kept revisions need that the store lacks, with the paths that need them.
  public var missing: [(id: ObjectID, neededBy: [String])] = []
  /// Manifests or file lists that are present but do not decode.
  public var damaged: [(id: ObjectID, reason: String)] = []
  public var unreadablePointers: [String] = []
  public var pointersChecked = 0

  public var isHealthy: Bool {
    store.isHealthy && missing.isEmpty && damaged.isEmpty && unreadablePointers.isEmpty
  }
}

extension Workspace {
  /// Verifies every object in the local store (`StoreMaintenance.check`) and walks every
  /// pointer of the kept revisions down to its chunks, naming the paths that need each
  /// corrupt or missing object.
  public func fsck(_ policy: KeepPolicy) throws -> FsckReport {
    var report = FsckReport()
    progress.begin("verifying", totalBytes: 0)
    report.store = try store.check { [progress] in progress.advance($0) }
    progress.end()
    let suspect = Set(report.store.corrupt.map(\.id)).union(report.store.badEntries.map(\.id))
    let (graph, unreadable) = try graph(policy, labelling: suspect)
    report.pointersChecked = graph.pointers
    report.unreadablePointers = unreadable
    let named = graph.paths(of: graph.missing)  // the walk keeps ids; name them by walking again
    report.missing = graph.missing.sorted().map { ($0, (named[$0] ?? []).sorted()) }
    report.damaged = graph.damaged.map { ($0.key, $0.value) }.sorted { $0.id < $1.id }
    report.corrupt = report.store.corrupt.map { c in
      (c.id, "\(c.location): \(c.reason)", (graph.labels[c.id] ?? []).sorted())
    }.sorted { $0.id < $1.id }
    return report
  }

  /// `fsck --repair` of the local store: indexes rebuilt from the packs, damaged packs
  /// rewritten with their good objects. Returns the store's report and the object graph
  /// after it, whose `missing` is what a remote must supply.
  public func repairStore(_ policy: KeepPolicy) throws -> (store: RepairReport, graph: ObjectGraph) {
    progress.begin("repairing", totalBytes: 0)
    let report = try store.repair { [progress] in progress.advance($0) }
    progress.end()
    return (report, try graph(policy).graph)
  }
}
