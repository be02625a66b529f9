import Foundation
import MLVGit
import MLVStore
import MLVSystem

#if canImport(Glibc)
  import Glibc
#endif

extension Workspace {
  public struct RemoveResult: Sendable {
    public var path: String
    /// Files of data deleted (with `purge`); 0 when the data was kept.
    public var filesDeleted = 0
  }

  /// `mlv rm PATH`: stops tracking — the pointer file and its .gitignore rule go (both
  /// staged), the data stays in the workspace unless `purge`. Purging refuses data whose
  /// content is not in the store (changes that were never added) unless `force`.
  public func remove(_ dataPaths: [String], purge: Bool, force: Bool) throws -> [RemoveResult] {
    let tracked = Set(try trackedPaths())
    for p in dataPaths where !tracked.contains(p) {
      if tracked.contains(where: { $0.hasPrefix(p + "/") }) {
        throw WorkspaceError.forbiddenPath(p, reason: "is not tracked itself; name the tracked paths inside it")
      }
      if let owner = tracked.first(where: { p.hasPrefix($0 + "/") }) {
        throw WorkspaceError.insideTrackedDirectory(p, tracked: owner)
      }
      throw WorkspaceError.notTracked(p)
    }
    if purge && !force { try ensureRecoverable(dataPaths) }
    var stage: [String] = []
    var records: [String: CheckedOutState.Entry?] = [:]
    var results: [RemoveResult] = []
    for p in dataPaths {
      var r = RemoveResult(path: p)
      if purge { r.filesDeleted = try removeData(p) }
      let pointer = Pointer.pointerPath(forData: p)
      FS.remove(absolute(pointer))
      stage.append(pointer)
      if let ignore = try GitIgnoreFile.removeIgnore(p, root: root) { stage.append(ignore) }
      statCache.forget(prefix: p)
      forgetTreeCaches(p)
      records[p] = .some(nil)
      results.append(r)
    }
    try git.stage(stage)
    try recordCheckedOut(records)
    statCache.save()
    return results
  }

  /// `mlv mv SOURCE DEST`: moves tracked data, its pointer and its .gitignore rule together
  /// (staged), so `git status` is clean once committed. The data keeps its content ids:
  /// nothing is re-hashed or stored again.
  public func move(_ source: String, to dest: String) throws {
    let tracked = try trackedPaths()
    guard tracked.contains(source) else {
      if let owner = tracked.first(where: { source.hasPrefix($0 + "/") }) {
        throw WorkspaceError.insideTrackedDirectory(source, tracked: owner)
      }
      throw WorkspaceError.notTracked(source)
    }
    try checkAddable(dest, tracked: tracked.filter { $0 != source })
    guard !FS.exists(absolute(dest)), !FS.exists(absolute(Pointer.pointerPath(forData: dest))) else {
      throw WorkspaceError.forbiddenPath(dest, reason: "already exists")
    }
    guard !dest.hasPrefix(source + "/") else { throw WorkspaceError.forbiddenPath(dest, reason: "is inside \(source)") }
    guard let pointer = try readPointer(source) else { throw WorkspaceError.notTracked(source) }
    try RepoPath.checkNoSymlinks(source, root: root, includingLeaf: true)
    try RepoPath.prepareParents(of: dest, root: root)
    if FS.exists(absolute(source)) { try FS.rename(absolute(source), absolute(dest)) }
    let from = Pointer.pointerPath(forData: source), to = Pointer.pointerPath(forData: dest)
    try FS.rename(absolute(from), absolute(to))
    var stage = [from, to]
    if let ignore = try GitIgnoreFile.removeIgnore(source, root: root) { stage.append(ignore) }
    if let ignore = try GitIgnoreFile.ensureIgnored(dest, root: root) { stage.append(ignore) }
    try git.stage(Array(Set(stage)).sorted())
    let record = loadCheckedOut().entries[source]
    var updates: [String: CheckedOutState.Entry?] = [:]
    updates[source] = .some(nil)
    updates[dest] = record ?? CheckedOutState.Entry(pointer: pointer, parts: nil)
    try recordCheckedOut(updates)
    statCache.forget(prefix: source)
    forgetTreeCaches(source)
    statCache.save()
  }

  /// Drops the leaf and listing caches of a path no longer tracked: nothing would read
  /// them again, and they would only take room in .mlv/state.
  private func forgetTreeCaches(_ dataPath: String) {
    LeafCache.remove(stateDir, dataPath)
    ListingCache.remove(stateDir, dataPath)
  }
}
