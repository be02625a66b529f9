import MLVGit
import MLVStore

/// One version of a tracked path (or of a file inside a tracked directory) in history.
public struct DataVersion: Sendable {
  public var commit: GitCommitInfo
  /// The tracked path's pointer; nil when the commit removed it.
  public var pointer: Pointer?
  /// For a file inside a tracked directory: its entry at this commit (nil: absent).
  public var entry: Manifest.Entry?
  /// For a file inside a tracked directory: the manifest was not in the local store, so
  /// whether the file changed is unknown.
  public var manifestMissing = false
}

extension Workspace {
  /// The commits (first-parent history of `from`, default HEAD) that changed the pointer
  /// of `path`, newest first. `path` may also name a file or sub-directory inside a
  /// tracked directory: then the commits that changed it (its manifest entry).
  public func log(_ path: String, from rev: String? = nil, limit: Int? = nil) throws -> [DataVersion] {
    guard let start = try rev.map({ try git.resolveCommit($0) }) ?? git.head() else { return [] }
    let tracked = Set(try trackedPaths()).union(try trackedPaths(at: start))
    if let owner = tracked.first(where: { path.hasPrefix($0 + "/") }) {
      return try innerLog(owner, String(path.dropFirst(owner.count + 1)), from: start, limit: limit)
    }
    let pointerPath = Pointer.pointerPath(forData: path)
    return try git.log(from: start, touching: pointerPath, limit: limit).map { info in
      DataVersion(commit: info, pointer: try readPointer(path, at: info.oid))
    }
  }

  /// Versions of `inner` inside the tracked directory `owner`: the pointer's versions whose
  /// entry for it differs from the next older one.
  func innerLog(_ owner: String, _ inner: String, from start: GitOID, limit: Int?) throws -> [DataVersion] {
    let versions = try git.log(from: start, touching: Pointer.pointerPath(forData: owner), limit: nil).map { info in
      DataVersion(commit: info, pointer: try readPointer(owner, at: info.oid))
    }
    func entry(_ v: DataVersion) -> (Manifest.Entry?, missing: Bool) {
      guard let p = v.pointer, p.kind == .dir else { return (nil, false) }
      guard let entries = try? entries(of: p, under: inner) else { return (nil, true) }
      return (entries.first { $0.path == inner }, false)
    }
    var out: [DataVersion] = []
    let resolved = versions.map { v -> DataVersion in
      var v = v
      (v.entry, v.manifestMissing) = entry(v)
      return v
    }
    for (i, v) in resolved.enumerated() {
      let older = i + 1 < resolved.count ? resolved[i + 1] : nil
      let changed = v.manifestMissing || older?.manifestMissing == true || !ManifestMerge.same(v.entry, older?.entry)
      if changed && (v.entry != nil || older?.entry != nil) { out.append(v) }
      if let limit, out.count >= limit { break }
    }
    return out
  }
}
