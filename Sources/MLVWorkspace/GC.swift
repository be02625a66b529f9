import Foundation
import MLVStore

public struct GCReport: Sendable {
  public var store = PruneReport()
  /// Objects kept revisions need that the local store does not have.
  public var missing = 0
  /// Pointers of kept revisions that do not parse (their data cannot be protected).
  public var unreadablePointers: [String] = []
  /// Manifests or file lists that do not decode: the objects they name are unknown.
  public var damaged = 0
}

extension Workspace {
  /// Removes objects no kept revision needs (`policy`). The object graph says what is
  /// live; the store decides how to keep it (`StoreMaintenance.prune`). Runs under the
  /// repository lock, after the store was refreshed, so no `add` can be writing meanwhile
  /// and everything an `add` finished before the lock was granted is seen.
  public func gc(_ policy: KeepPolicy, dryRun: Bool) throws -> GCReport {
    var report = GCReport()
    let (graph, unreadable) = try graph(policy)
    report.missing = graph.missing.count
    report.unreadablePointers = unreadable
    report.damaged = graph.damaged.count
    progress.begin("collecting garbage", totalBytes: 0)
    defer { progress.end() }
    report.store = try store.prune(keeping: graph.reached, dryRun: dryRun) { [progress] in progress.advance($0) }
    return report
  }
}
