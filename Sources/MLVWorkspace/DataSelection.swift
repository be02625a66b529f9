import Foundation
import MLVGit
import MLVStore

/// A tracked pointer, or part of one, chosen by command-line paths: `data` selects the
/// whole tracked directory `data`; `data/images/cat.png` selects one file inside it. Lets
/// `mlv pull data/images/cat.png` fetch and restore only what that file needs.
public struct DataSelection: Sendable {
  public var dataPath: String
  public var pointer: Pointer
  /// A path inside a tracked directory (file or sub-directory); nil selects everything.
  public var inner: String?

  public init(dataPath: String, pointer: Pointer, inner: String? = nil) {
    self.dataPath = dataPath
    self.pointer = pointer
    self.inner = inner
  }
}

extension Workspace {
  /// The pointers of `commit` (nil: the workspace's pointers) selected by `paths`
  /// (repository-relative; empty selects everything). Throws `notTracked` when a path
  /// selects nothing.
  public func selectData(at commit: GitOID?, paths: [String]) throws -> [DataSelection] {
    let tracked = try commit.map { try trackedPaths(at: $0) } ?? trackedPaths()
    func pointer(_ p: String) throws -> Pointer? { try commit.map { try readPointer(p, at: $0) } ?? readPointer(p) }
    var out: [DataSelection] = []
    if paths.isEmpty || paths.contains("") {
      for p in tracked { if let ptr = try pointer(p) { out.append(DataSelection(dataPath: p, pointer: ptr)) } }
      return out
    }
    var whole = Set<String>()
    for f in paths {
      var found = false
      for p in tracked {
        if p == f || p.hasPrefix(f + "/") {
          found = true
          if whole.insert(p).inserted, let ptr = try pointer(p) { out.append(DataSelection(dataPath: p, pointer: ptr)) }
        } else if f.hasPrefix(p + "/"), let ptr = try pointer(p), ptr.kind == .dir {
          found = true
          out.append(DataSelection(dataPath: p, pointer: ptr, inner: String(f.dropFirst(p.count + 1))))
        }
      }
      if !found { throw WorkspaceError.notTracked(f) }
    }
    // A whole selection covers parts of the same pointer.
    return out.filter { $0.inner == nil || !whole.contains($0.dataPath) }
  }

  /// The manifest entries a selection covers (the manifest must be in the store).
  public func selectedEntries(_ s: DataSelection) throws -> [Manifest.Entry] {
    guard let inner = s.inner else { return try entries(of: s.pointer) }
    let picked = try entries(of: s.pointer, under: inner)
    if picked.isEmpty { throw WorkspaceError.notTracked(s.dataPath + "/" + inner) }
    return picked
  }

  /// Restores only the files of a partial selection (`inner` set). Like `checkout`, a file
  /// whose current content is not in the store is not overwritten unless `force`.
  /// With `recordParts` (the selection is of the current pointer) the checked-out state
  /// learns which parts of the directory are now restored.
  public func restoreSelection(_ s: DataSelection, force: Bool, recordParts: Bool = true) throws -> CheckoutSummary {
    var summary = CheckoutSummary()
    let entries: [Manifest.Entry]
    do { entries = try selectedEntries(s) } catch let e as StoreError {
      throw WorkspaceError.missingData(path: s.dataPath, underlying: e)
    }
    // Validate first, then write (CheckoutValidation.swift).
    for e in entries { try RepoPath.checkLength(cacheKey(s.dataPath, e.path), root: root, context: s.dataPath + Pointer.suffix) }
    let gitOwned = try gitTrackedFiles(in: s.dataPath)
    var work: [(String, Manifest.Entry, (stat: FileStat, id: ObjectID)?)] = []
    var lost: [String] = []
    for e in entries {
      let rel = cacheKey(s.dataPath, e.path)
      if gitOwned.contains(e.path) {
        warnGitOwned(s.dataPath, e.path, alsoInManifest: true)
        continue
      }
      try RepoPath.checkNoSymlinks(rel, root: root, includingLeaf: true)
      guard let st = FileStat.of(absolute(rel)) else {
        work.append((rel, e, nil))
        continue
      }
      var listing = [(path: e.path, stat: st)]
      let id = try contentIDs(s.dataPath, &listing, storeObjects: false, writer: nil, label: "checking \(rel)")[0]
      if id == e.oid && st.executable == e.executable {
        summary.filesUnchanged += 1
        continue
      }
      if id != .empty && !store.contains(id) { lost.append(rel) }
      work.append((rel, e, (st, id)))
    }
    if !force && !lost.isEmpty { throw WorkspaceError.uncommittedChanges(lost.sorted()) }
    let total = try Sizes.sum(work.lazy.map(\.1.size), Pointer.pointerPath(forData: s.dataPath))
    if !work.isEmpty { progress.begin("restoring \(s.dataPath)/\(s.inner ?? "")", totalBytes: total) }
    defer { if !work.isEmpty { progress.end() } }
    let restorer = Restorer(store: store, tmpDir: tmpDir)
    for (rel, e, previous) in work {
      do {
        let n = try restoreFile(rel, e, previous: previous, restorer: restorer, sink: progress)
        summary.bytesWritten = Sizes.saturating(summary.bytesWritten, n)
      } catch let err as StoreError {
        throw WorkspaceError.missingData(path: rel, underlying: err)
      }
      summary.filesWritten += 1
    }
    statCache.save()
    if recordParts, let inner = s.inner {
      let record = loadCheckedOut().entries[s.dataPath]
      // Restored in part: `inner` joins the parts already checked out. A directory still
      // holding another pointer's data keeps that record, so the rest of it stays "not
      // checked out" instead of looking modified.
      if let record, record.pointer == s.pointer, let parts = record.parts {
        try recordCheckedOut([s.dataPath: CheckedOutState.Entry(pointer: s.pointer, parts: parts.union([inner]))])
      } else if record == nil {
        try recordCheckedOut([s.dataPath: CheckedOutState.Entry(pointer: s.pointer, parts: [inner])])
      }
    }
    return summary
  }
}

extension Workspace {
  /// The object graph of what `selections` need, walked as far as the local store allows.
  public func graph(of selections: [DataSelection], labelling: Set<ObjectID> = [], skipping: Set<ObjectID> = []) -> ObjectGraph {
    let graph = ObjectGraph(store: store, labelling: labelling)
    graph.skipping = skipping
    graph.add(selections.map { GraphRoot(pointer: $0.pointer, label: $0.dataPath, inner: $0.inner) })
    return graph
  }
}
