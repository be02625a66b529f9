import Foundation
import MLVGit
import MLVWorkspace

/// A recorded run found in the repository: its id, the commit that recorded it (what
/// `mlv repro` checks out) and its record.
public struct StoredRun: Sendable {
  /// Unique run id: the run name, or `NAME-2`, `NAME-3`... for later runs of that name.
  public var id: String
  /// The run commit: code, params, pointers of the outputs and the record itself.
  public var commit: GitOID
  public var record: RunRecord
}

/// Where runs live (docs/experiments.md, "Where runs are stored"):
///
///     .mlv/runs/<id>.json      the record, committed in the run commit
///     refs/mlv/runs/<id>       the run commit, one ref per run
///
/// Run ids are unique names; runs are kept off the branch (the ref is the only way to
/// reach them) unless recorded with `--on-branch`. Earlier versions also moved a tag
/// `run/<name>`: such tags are still read by `resolve`, never written.
///
/// Records accumulate on a branch (each run commit adds one file and none is changed), so
/// a branch tip holds the records of every run in its history: runs whose refs were not
/// fetched are still found.
public enum RunStore {
  public static let recordsDirectory = ".mlv/runs"
  public static let refPrefix = "refs/mlv/runs/"
  public static let tagPrefix = "run/"

  /// The repository-relative path of a run's record.
  public static func recordPath(_ id: String) -> String { "\(recordsDirectory)/\(id).json" }

  /// Run names become reference names and file names, so they are kept to a safe set.
  public static func validate(name: String) throws {
    if name.isEmpty || name.range(of: "^[A-Za-z0-9_][A-Za-z0-9_.-]*$", options: .regularExpression) == nil {
      throw RunError.invalidRunName(name: name, reason: "use letters, digits, '_', '.', '-' (not first)")
    }
    if name.contains("..") || name.hasSuffix(".lock") || name.hasSuffix(".") {
      throw RunError.invalidRunName(name: name, reason: "not allowed in a git reference name")
    }
  }

  /// The id a new run named `name` is recorded under. A name is unique: when a run of
  /// that name exists (its ref, a record at HEAD or in the workspace), it is refused unless
  /// `replace` (`--force`). `numbered` (stages run by `mlv repro`) picks the first free of
  /// `name`, `name-2`, `name-3`... instead, so no earlier run is ever replaced.
  public static func claimID(name: String, replace: Bool = false, numbered: Bool = false, in ws: Workspace) throws -> String {
    let refs = Set(try ws.git.references().map(\.name).filter { $0.hasPrefix(refPrefix) })
    let head = try ws.git.head()
    func taken(_ id: String) throws -> Bool {
      if refs.contains(refPrefix + id) || FileManager.default.fileExists(atPath: ws.absolute(recordPath(id))) { return true }
      guard let head else { return false }
      return try ws.git.blobID(recordPath(id), at: head) != nil
    }
    if try !taken(name) || (replace && !numbered) { return name }
    guard numbered else { throw RunError.runExists(name: name) }
    var n = 2
    while try taken("\(name)-\(n)") { n += 1 }
    return "\(name)-\(n)"
  }

  /// Kept for callers of the numbered scheme.
  public static func allocateID(name: String, in ws: Workspace) throws -> String {
    try claimID(name: name, numbered: true, in: ws)
  }

  /// Reads the record of run `id` from `commit`.
  public static func read(id: String, at commit: GitOID, git: GitRepository) throws -> RunRecord {
    guard let bytes = try git.readFile(recordPath(id), at: commit) else {
      throw RunError.recordMissing(run: id, commit: commit.hex)
    }
    return try RunRecord.decode(Data(bytes), path: "\(recordPath(id)) at \(commit.short)")
  }

  /// Every recorded run: those with a `refs/mlv/runs/*` ref, plus records found at branch
  /// and tag tips whose refs are missing (a fresh clone). Sorted by start time, then id.
  /// With `cache`, the records of run refs are read from it when there (and added to it
  /// when not), instead of from git.
  public static func all(in git: GitRepository, cache: RunRecordCache? = nil) throws -> [StoredRun] {
    let refs = try git.references()
    var found: [(id: String, commit: GitOID, bytes: Data)] = []
    var seen = Set<String>()
    for (name, target) in refs where name.hasPrefix(refPrefix) {
      let id = String(name.dropFirst(refPrefix.count))
      if let bytes = cache?.bytes(id: id, commit: target) {
        found.append((id, target, bytes))
      } else {
        guard let raw = try git.readFile(recordPath(id), at: target) else {
          throw RunError.recordMissing(run: id, commit: target.hex)
        }
        found.append((id, target, Data(raw)))
        cache?.put(id: id, commit: target, bytes: Data(raw))
      }
      seen.insert(id)
    }
    var runs = try decodeAll(found)
    cache?.save()
    // Branch and tag tips, skipping run tags: each points at a run commit whose records
    // are already in its branch's history, and listing thousands of them would be slow.
    var tips = Set<GitOID>()
    for (name, target) in refs
    where name.hasPrefix("refs/heads/") || (name.hasPrefix("refs/tags/") && !name.hasPrefix("refs/tags/" + tagPrefix)) {
      tips.insert(target)
    }
    for tip in tips.sorted() {
      let missing = try git.listFiles(at: tip, withSuffix: ".json").compactMap { path -> String? in
        guard path.hasPrefix(recordsDirectory + "/") else { return nil }
        let id = String(path.dropFirst(recordsDirectory.count + 1).dropLast(5))
        return id.contains("/") || seen.contains(id) ? nil : id
      }
      guard !missing.isEmpty else { continue }
      let madeBy = try recordCommits(from: tip, git: git)
      for id in missing {
        // the record is added once and never changed: the commit that added it made the run
        guard let made = madeBy[id], seen.insert(id).inserted else { continue }
        runs.append(StoredRun(id: id, commit: made, record: try read(id: id, at: made, git: git)))
      }
    }
    return runs.sorted { ($0.record.startedAt, $0.id) < ($1.record.startedAt, $1.id) }
  }

  /// Decodes records on all cores: once the bytes are at hand, parsing is most of a
  /// listing's time. Errors are reported for the first bad record in ref order.
  static func decodeAll(_ found: [(id: String, commit: GitOID, bytes: Data)]) throws -> [StoredRun] {
    let results = UnsafeMutableBufferPointer<Result<RunRecord, Error>?>.allocate(capacity: found.count)
    results.initialize(repeating: nil)
    defer { results.deallocate() }
    let lanes = found.count < 64 ? 1 : min(8, ProcessInfo.processInfo.activeProcessorCount)
    let chunk = (found.count + lanes - 1) / max(1, lanes)
    nonisolated(unsafe) let out = results  // each lane writes its own slice only
    DispatchQueue.concurrentPerform(iterations: lanes) { lane in
      for i in (lane * chunk)..<min(found.count, (lane + 1) * chunk) {
        let f = found[i]
        out[i] = Result { try RunRecord.decode(f.bytes, path: "\(recordPath(f.id)) at \(f.commit.short)") }
      }
    }
    return try found.indices.map { i in StoredRun(id: found[i].id, commit: found[i].commit, record: try results[i]!.get()) }
  }

  /// Run id to the commit that added its record, for the first-parent history of `tip`:
  /// one walk over the commits that changed `.mlv/runs`, one tree diff for each.
  static func recordCommits(from tip: GitOID, git: GitRepository) throws -> [String: GitOID] {
    var made: [String: GitOID] = [:]
    for info in try git.log(from: tip, touching: recordsDirectory) {
      for change in try git.changedFiles(from: info.parents.first, to: info.oid)
      where change.newBlob != nil && change.oldBlob == nil && change.path.hasPrefix(recordsDirectory + "/")
        && change.path.hasSuffix(".json")
      {
        let id = String(change.path.dropFirst(recordsDirectory.count + 1).dropLast(5))
        if made[id] == nil { made[id] = info.oid }
      }
    }
    return made
  }

  /// Resolves what a user typed: a run id (`refs/mlv/runs/ID`), a legacy `run/NAME` tag, a
  /// git revision, or a run recorded on a branch whose ref is gone. Returns the run recorded
  /// by that commit, or nil when the revision exists but no run was recorded in it. An
  /// unknown name is an error.
  public static func resolve(_ spec: String, in git: GitRepository) throws -> (commit: GitOID, run: StoredRun?) {
    let refs = try git.references()
    let byName = Dictionary(refs.map { ($0.name, $0.target) }, uniquingKeysWith: { a, _ in a })
    if let target = byName[refPrefix + spec] {
      return (target, StoredRun(id: spec, commit: target, record: try read(id: spec, at: target, git: git)))
    }
    // `run/NAME` tags were made by earlier versions of mlv; they are still read, never written
    if let target = byName["refs/tags/" + tagPrefix + spec] {
      return (target, try run(at: target, refs: refs, git: git))
    }
    let commit: GitOID
    do { commit = try git.resolveCommit(spec) } catch GitError.revisionNotFound {
      // a run recorded on a branch whose ref is gone (a clone): found by its record
      if let run = try all(in: git).first(where: { $0.id == spec }) { return (run.commit, run) }
      throw RunError.unknownRun(name: spec)
    }
    return (commit, try run(at: commit, refs: refs, git: git))
  }

  /// The run recorded by `commit`: the one whose ref points at it, else the record file the
  /// commit added.
  static func run(at commit: GitOID, refs: [(name: String, target: GitOID)], git: GitRepository) throws -> StoredRun? {
    if let ref = refs.first(where: { $0.name.hasPrefix(refPrefix) && $0.target == commit }) {
      let id = String(ref.name.dropFirst(refPrefix.count))
      return StoredRun(id: id, commit: commit, record: try read(id: id, at: commit, git: git))
    }
    let parent = try git.commitInfo(commit).parents.first
    for change in try git.changedFiles(from: parent, to: commit)
    where change.path.hasPrefix(recordsDirectory + "/") && change.path.hasSuffix(".json") && change.newBlob != nil {
      let id = String(change.path.dropFirst(recordsDirectory.count + 1).dropLast(5))
      return StoredRun(id: id, commit: commit, record: try read(id: id, at: commit, git: git))
    }
    return nil
  }
}
