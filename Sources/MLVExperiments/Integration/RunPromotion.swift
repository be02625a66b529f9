import Foundation
import MLVGit
import MLVWorkspace

/// Bringing a run kept off the branch back to the user (docs/experiments.md, "exp apply,
/// branch, remove"): its changes into the workspace, a branch at it, or dropping it.
public enum RunPromotion {
  /// What `apply` wrote: git files written or removed, and data paths restored.
  public struct Applied: Sendable {
    public var files: [String] = []
    public var removed: [String] = []
    public var data: [String] = []
  }

  /// `mlv exp apply RUN`: the run's changes against the commit it started from (params,
  /// code, stage file, output pointers; never the record) are written into the workspace
  /// and the outputs' data restored from the store. HEAD, the branch and the index stay.
  /// A workspace file with changes found nowhere else (not equal to HEAD's version, the
  /// run's, or any run's) is refused unless `force`, so no edit is lost.
  public static func apply(_ spec: String, force: Bool, in ws: Workspace) throws -> Applied {
    let (commit, found) = try RunStore.resolve(spec, in: ws.git)
    guard let run = found else { throw RunError.noRunAt(revision: spec) }
    let base = try ws.git.commitInfo(commit).parents.first
    let head = try ws.git.head()
    // What the run changed from its base, what differs between HEAD and the run, and what
    // the workspace changed: each such path is made as the run has it.
    var paths = Set(try ws.git.changedFiles(from: base, to: commit).map(\.path))
    if let head { paths.formUnion(try ws.git.changedFiles(from: head, to: commit).map(\.path)) }
    for e in try ws.git.status() { paths.insert(e.path) }
    var changes: [String] = []
    for path in paths.sorted() where !path.hasPrefix(RunStore.recordsDirectory + "/") && !path.hasPrefix(".mlv/") {
      let target = try ws.git.readFile(path, at: commit)
      let current = FileManager.default.contents(atPath: ws.absolute(path)).map(Array.init)
      if target == current { continue }
      // an untracked file that neither the run nor HEAD has is not the run's business
      if target == nil, try head.map({ try ws.git.blobID(path, at: $0) }) ?? nil == nil { continue }
      changes.append(path)
    }
    let runCommits = try ws.git.references().filter { $0.name.hasPrefix(RunStore.refPrefix) }.map(\.target)
    var applied = Applied()
    for path in changes {
      try RepoPathCheck.validate(path)
      let abs = ws.absolute(path)
      guard let current = FileManager.default.contents(atPath: abs).map(Array.init) else { continue }
      if force { continue }
      var known = [commit] + (head.map { [$0] } ?? []) + (base.map { [$0] } ?? [])
      known += runCommits
      let safe = try known.contains { try ws.git.readFile(path, at: $0) == current }
      if !safe { throw RunError.conflictingPath(path: path, reason: "has changes of your own; commit them, or use --force to overwrite") }
    }
    for path in changes {
      let abs = ws.absolute(path)
      if let bytes = try ws.git.readFile(path, at: commit) {
        try FileManager.default.createDirectory(
          atPath: (abs as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: abs), options: .atomic)
        applied.files.append(path)
        if let data = Pointer.dataPath(forPointer: path) { applied.data.append(data) }
      } else if FileManager.default.fileExists(atPath: abs) {
        try FileManager.default.removeItem(atPath: abs)
        applied.removed.append(path)
      }
    }
    // Data the run recorded: pointers are staged so `checkout` restores them (it reads
    // the index), as `mlv add` leaves a tracked output.
    let pointers = applied.data.map { Pointer.pointerPath(forData: $0) }
    if !pointers.isEmpty {
      try ws.git.stage(pointers)
      _ = try ws.checkout(revision: nil, paths: applied.data, force: force)
    }
    _ = run
    return applied
  }

  /// `mlv exp branch RUN BRANCH`: a new branch at the run commit (whose parent is the
  /// commit the run started from). An existing branch is refused.
  public static func branch(_ spec: String, name: String, in ws: Workspace) throws -> GitOID {
    let (commit, found) = try RunStore.resolve(spec, in: ws.git)
    guard found != nil else { throw RunError.noRunAt(revision: spec) }
    let ref = "refs/heads/" + name
    if try ws.git.references().contains(where: { $0.name == ref }) {
      throw RunError.conflictingPath(path: name, reason: "a branch of that name exists")
    }
    try ws.git.setReference(ref, to: commit, message: "mlv exp branch \(spec)")
    return commit
  }

  /// `mlv exp remove RUN...`: deletes each run's ref. Its commit and data stay until the
  /// next `mlv gc` (which keeps only what refs reach). Unknown ids are an error before
  /// anything is removed.
  public static func remove(_ ids: [String], in ws: Workspace) throws -> [String] {
    let refs = Set(try ws.git.references().map(\.name))
    for id in ids where !refs.contains(RunStore.refPrefix + id) { throw RunError.unknownRun(name: id) }
    for id in ids { try ws.git.deleteReference(RunStore.refPrefix + id) }
    return ids
  }
}

/// Paths read from a commit are checked before they are written in the workspace.
enum RepoPathCheck {
  static func validate(_ path: String) throws {
    if let reason = StagePath.problem(path) ?? (path.split(separator: "/").contains(".git") ? "inside .git" : nil) {
      throw RunError.conflictingPath(path: path, reason: reason)
    }
  }
}
