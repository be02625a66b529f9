import Foundation
import MLVGit
import MLVWorkspace

/// Moving run refs through a git remote (`mlv exp push` / `mlv exp pull`); the data of the
/// runs goes through the mlv remote, in the command layer.
///
/// Push sends `refs/mlv/runs/ID:refs/mlv/runs/ID` without force: a run of the same name
/// that a teammate pushed first is refused by the remote and reported, never replaced.
/// Pull fetches `refs/mlv/runs/*` into `refs/mlv/incoming/*` first, then creates each run
/// ref that is missing here; a local run of the same name with another commit is kept
/// and reported. The incoming refs are deleted afterwards.
public enum RunSync {
  public static let incomingPrefix = "refs/mlv/incoming/"

  public struct PushResult: Sendable {
    public var pushed: [StoredRun] = []
    public var rejected: [(id: String, reason: String)] = []
  }

  public struct PullResult: Sendable {
    public var added: [StoredRun] = []
    public var unchanged: [String] = []
    /// Runs whose id exists here with another commit: kept as they are.
    public var conflicting: [String] = []
  }

  /// The runs `ids` (all runs with a ref when empty).
  public static func runs(_ ids: [String], in git: GitRepository) throws -> [StoredRun] {
    let refs = try git.references().filter { $0.name.hasPrefix(RunStore.refPrefix) }
    let byID = Dictionary(refs.map { (String($0.name.dropFirst(RunStore.refPrefix.count)), $0.target) }, uniquingKeysWith: { a, _ in a })
    let wanted = ids.isEmpty ? byID.keys.sorted() : ids
    return try wanted.map { id in
      guard let commit = byID[id] else { throw RunError.unknownRun(name: id) }
      return StoredRun(id: id, commit: commit, record: try RunStore.read(id: id, at: commit, git: git))
    }
  }

  public static func push(_ runs: [StoredRun], to remote: String, in git: GitRepository) throws -> PushResult {
    var result = PushResult()
    guard !runs.isEmpty else { return result }
    let specs = runs.map { RunStore.refPrefix + $0.id + ":" + RunStore.refPrefix + $0.id }
    let rejected = try git.push(remote: remote, refspecs: specs)
    for run in runs {
      if let r = rejected.first(where: { $0.ref == RunStore.refPrefix + run.id }) {
        result.rejected.append((run.id, r.reason))
      } else {
        result.pushed.append(run)
      }
    }
    return result
  }

  public static func pull(_ ids: [String], from remote: String, in git: GitRepository) throws -> PullResult {
    for id in ids { try RunStore.validate(name: id) }
    let specs = ids.isEmpty
      ? ["+" + RunStore.refPrefix + "*:" + incomingPrefix + "*"]
      : ids.map { "+" + RunStore.refPrefix + $0 + ":" + incomingPrefix + $0 }
    let clean = { for r in (try? git.references()) ?? [] where r.name.hasPrefix(incomingPrefix) { _ = try? git.deleteReference(r.name) } }
    clean()
    defer { clean() }
    try git.fetch(remote: remote, refspecs: specs)
    let refs = try git.references()
    let local = Dictionary(refs.filter { $0.name.hasPrefix(RunStore.refPrefix) }.map { ($0.name, $0.target) }, uniquingKeysWith: { a, _ in a })
    var result = PullResult()
    for (name, target) in refs where name.hasPrefix(incomingPrefix) {
      let id = String(name.dropFirst(incomingPrefix.count))
      // a teammate's ref name becomes a file name and a ref here: checked like ours
      guard (try? RunStore.validate(name: id)) != nil else { continue }
      let record = try RunStore.read(id: id, at: target, git: git)
      switch local[RunStore.refPrefix + id] {
      case nil:
        try git.setReference(RunStore.refPrefix + id, to: target, message: "mlv exp pull \(remote)")
        result.added.append(StoredRun(id: id, commit: target, record: record))
      case target?: result.unchanged.append(id)
      default: result.conflicting.append(id)
      }
    }
    for id in ids where !result.added.contains(where: { $0.id == id }) && !result.unchanged.contains(id) && !result.conflicting.contains(id) {
      throw RunError.unknownRun(name: "\(remote):\(id)")
    }
    return result
  }
}
