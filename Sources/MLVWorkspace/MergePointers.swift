import Foundation
import MLVGit
import MLVStore
import MLVSystem

/// Merging pointer files (docs/git.md, "Merges"): what the merge driver does with the three
/// versions git hands it, and how `mlv checkout --ours/--theirs` settles what it could not.
public enum PointerMergeOutcome: Sendable {
  /// A pointer the merge agrees on (one side's, or a merged directory's).
  case merged(Pointer?)
  /// Both sides changed it differently: the conflict record to leave in the work tree.
  case conflict(ConflictPointer)
}

extension Workspace {
  /// The manifests a merge of these pointers reads (to fetch them first when missing).
  public func manifestsNeeded(_ pointers: [Pointer?]) -> [ObjectID] {
    pointers.compactMap { $0 }.filter { $0.kind == .dir && !store.contains($0.oid) }.map(\.oid)
  }

  /// Three-way merge of one pointer. Directory pointers merge file by file
  /// (`ManifestMerge`); the merged manifest is stored before its pointer is returned.
  public func mergePointers(
    base: Pointer?, ours: Pointer?, theirs: Pointer?, resolutions: [String: ManifestMerge.Side] = [:],
    resolveAll: ManifestMerge.Side? = nil
  ) throws -> PointerMergeOutcome {
    if ours == theirs { return .merged(ours) }
    if base == ours { return .merged(theirs) }
    if base == theirs { return .merged(ours) }
    if let side = resolveAll, !(ours?.kind == .dir && theirs?.kind == .dir) {
      return .merged(side == .ours ? ours : theirs)
    }
    guard let o = ours, let t = theirs, o.kind == .dir, t.kind == .dir, base == nil || base?.kind == .dir else {
      return .conflict(ConflictPointer(ours: ours, theirs: theirs, base: base, conflicts: []))
    }
    if resolutions.isEmpty, resolveAll == nil, let base, let merged = try mergeTreesByDelta(base: base, ours: o, theirs: t) {
      return .merged(merged)
    }
    let baseEntries = try base.map { try entries(of: $0) } ?? []
    let r = ManifestMerge.merge(
      base: baseEntries, ours: try entries(of: o), theirs: try entries(of: t), resolutions: resolutions, resolveAll: resolveAll)
    guard r.conflicts.isEmpty else {
      return .conflict(ConflictPointer(ours: o, theirs: t, base: base, conflicts: r.conflicts.map(\.path), resolved: resolutions))
    }
    let writer = store.makeWriter()
    let merged = try directoryPointer(r.entries, writer: writer)
    try writer.flush()
    return .merged(merged)
  }

  /// The three versions of a conflicted pointer, from git's index (stages 1-3).
  public func conflictVersions(_ dataPath: String) throws -> (base: Pointer?, ours: Pointer?, theirs: Pointer?)? {
    let file = Pointer.pointerPath(forData: dataPath)
    guard let c = try git.conflict(file) else { return nil }
    func parse(_ bytes: [UInt8]?, _ side: String) throws -> Pointer? {
      try bytes.map { try Pointer.decode($0, file: "\(file) (\(side))") }
    }
    return (try parse(c.base, "base"), try parse(c.ours, "ours"), try parse(c.theirs, "theirs"))
  }

  public struct Resolution: Sendable {
    /// The pointer written, or nil while conflicts remain (or when the chosen side deleted it).
    public var pointer: Pointer?
    public var remaining: [String] = []
    public var summary = CheckoutSummary()
  }

  /// `mlv checkout --ours|--theirs PATH`: settles a conflicted pointer (PATH is the tracked
  /// path) or one file of it (PATH inside the tracked directory). Once nothing is left in
  /// conflict the merged pointer is written and staged (which resolves it for git) and its
  /// data restored; until then the conflict record is updated.
  public func resolveConflict(_ path: String, side: ManifestMerge.Side) throws -> Resolution {
    let tracked = try trackedPaths()
    guard let dataPath = tracked.first(where: { $0 == path || path.hasPrefix($0 + "/") }) else {
      throw WorkspaceError.notTracked(path)
    }
    let file = Pointer.pointerPath(forData: dataPath)
    guard let versions = try conflictVersions(dataPath) else {
      throw WorkspaceError.forbiddenPath(file, reason: "has no merge conflict to resolve")
    }
    var resolutions: [String: ManifestMerge.Side] = [:]
    if case .conflict(let record)? = try? readPointerFile(dataPath) { resolutions = record.resolved }
    var all: ManifestMerge.Side?
    if path == dataPath { all = side } else { resolutions[String(path.dropFirst(dataPath.count + 1))] = side }
    var result = Resolution()
    switch try mergePointers(base: versions.base, ours: versions.ours, theirs: versions.theirs, resolutions: resolutions, resolveAll: all) {
    case .conflict(let record):
      try FS.atomicWrite(record.encode(), to: absolute(file))
      result.remaining = record.conflicts
    case .merged(let pointer?):
      try FS.atomicWrite(pointer.encode(), to: absolute(file))
      try git.stage([file])
      try validateTarget(dataPath, pointer)
      try restore(dataPath, pointer, into: &result.summary)
      try recordCheckedOut([dataPath: CheckedOutState.Entry(pointer: pointer, parts: nil)])
      statCache.save()
      result.pointer = pointer
    case .merged(nil):
      // The chosen side deleted the pointer: stop tracking, keep the data.
      FS.remove(absolute(file))
      try git.stage([file])
      try recordCheckedOut([dataPath: Optional<CheckedOutState.Entry>.none])
    }
    return result
  }
}
