import Foundation
import MLVGit
import MLVStore

/// How the workspace data of one tracked path compares with its pointer.
public struct DataStatus: Sendable {
  public enum State: Sendable, Equatable {
    /// The data is the pointer's.
    case clean
    /// The user changed the data since it was checked out as (or added as) this pointer.
    case modified
    /// git changed the pointer (checkout, pull, merge, stash, revert) and the data is still
    /// that of the pointer it was checked out from: run `mlv checkout`.
    case notCheckedOut
    /// git changed the pointer and the user changed the data too.
    case diverged
    /// No data in the workspace (a fresh clone before `mlv pull`, or deleted to save room).
    case missing
    /// The pointer file holds an unresolved merge (the merge driver's record or git's markers).
    case conflict
    /// The pointer file was deleted from the workspace while git's index still has it.
    case pointerDeleted
  }

  public var path: String
  public var state: State
  /// The workspace pointer (for `pointerDeleted`, the staged one; nil for a conflict).
  public var pointer: Pointer?
  /// The pointer the data was last checked out from or added as, when known.
  public var checkedOut: Pointer?
  /// Paths inside the tracked directory ("" for a tracked file), compared with `pointer`
  /// (`modified`, `diverged`).
  public var added: [String] = []
  public var modified: [String] = []
  public var deleted: [String] = []
  /// Files of a directory restored only in part (`mlv pull data/x`) that were never
  /// checked out: absent, and not deletions.
  public var notRestored = 0
  /// For a conflict: the files both branches changed (empty for a file pointer).
  public var conflicts: [String] = []
  /// The pointer differs from the one in HEAD (added but not committed).
  public var uncommitted = false

  public var isClean: Bool { state == .clean }
  /// Whether `add` or `commit` would record this path as it is: only data the user
  /// changed is a change.
  public var isRecordable: Bool { state == .modified }
}

extension Workspace {
  /// Status of every tracked path (or those under `filter`). Unchanged files are recognised
  /// by the stat cache without reading them; a pointer that changed under unchanged data is
  /// told from data that changed by the checked-out state (docs/design.md).
  public func status(filter: [String] = []) throws -> [DataStatus] {
    let head = try git.head()
    var checkedOut = loadCheckedOut()
    var learned: [String: CheckedOutState.Entry?] = [:]
    var result: [DataStatus] = []
    for path in try trackedPaths() where matches(path, filter) {
      var s = try status(of: path, checkedOut: checkedOut.entries[path], learned: &learned)
      if let p = s.pointer, s.state != .pointerDeleted {
        s.uncommitted = head.flatMap { try? readPointer(path, at: $0) } != p
      }
      result.append(s)
    }
    statCache.save()
    if !learned.isEmpty {
      for (k, v) in learned { checkedOut.entries[k] = v }
      try? checkedOut.save(checkedOutStatePath)
    }
    return result
  }

  /// One path's status. `learned` receives what the checked-out state should now say (data
  /// found equal to its pointer is checked out as that pointer).
  func status(of path: String, checkedOut record: CheckedOutState.Entry?, learned: inout [String: CheckedOutState.Entry?]) throws -> DataStatus {
    guard let content = try readPointerFile(path) else {
      let staged = try stagedPointer(path)
      return DataStatus(path: path, state: .pointerDeleted, pointer: staged, checkedOut: record?.pointer)
    }
    let pointer: Pointer
    switch content {
    case .pointer(let p): pointer = p
    case .conflict(let c):
      return DataStatus(path: path, state: .conflict, pointer: nil, checkedOut: record?.pointer, conflicts: c.conflicts)
    case .gitConflictMarkers:
      return DataStatus(path: path, state: .conflict, pointer: nil, checkedOut: record?.pointer)
    }
    var s = DataStatus(path: path, state: .clean, pointer: pointer, checkedOut: record?.pointer)
    // The leaf cache tells unchanged data, and finds a few changed files, without the stat
    // cache's file table (TreeScan.swift); it holds only data checked out whole.
    if record?.parts == nil, let state = try treeScans.get(path, base: pointer.oid).map(TreeState.changed) ?? treeState(path, pointer) {
      switch state {
      case .unchanged:
        if record?.pointer != pointer { learned[path] = CheckedOutState.Entry(pointer: pointer, parts: nil) }
        return s
      case .changed(let scan) where scan.isClean:
        if record?.pointer != pointer { learned[path] = CheckedOutState.Entry(pointer: pointer, parts: nil) }
        return s
      case .changed(let scan) where (record == nil || record?.pointer == pointer) && scan.deleted.isEmpty:
        // Absent files go to the full comparison below: a directory a killed restore left
        // empty or half written is missing or not restored there, never a deletion.
        treeScans.put(scan)  // for the `add` of the same `commit`
        (s.added, s.modified, s.deleted) = (scan.added, scan.modified, scan.deleted)
        s.state = .modified
        return s
      case .changed:
        break  // the pointer moved under changed data: the full comparison below tells which
      }
    }
    let check = try summaryCheck(path, pointer)
    if check.unchanged {
      if record?.pointer != pointer || record?.parts != nil { learned[path] = CheckedOutState.Entry(pointer: pointer, parts: nil) }
      return s
    }
    guard let scanned = try scan(path, storeObjects: false, listing: check.listing, label: "checking \(path)") else {
      s.state = .missing
      return s
    }
    let parts = record?.pointer == pointer ? record?.parts : nil
    let diff = try compare(path, scanned, with: pointer, parts: parts)
    if diff.isEmpty {
      if record?.pointer != pointer || (record?.parts != nil && parts == nil) {
        learned[path] = CheckedOutState.Entry(pointer: pointer, parts: nil)
      }
      return s
    }
    (s.added, s.modified, s.deleted, s.notRestored) = (diff.added, diff.modified, diff.deleted, diff.notRestored)
    if diff.added.isEmpty && diff.modified.isEmpty && diff.deleted.isEmpty {
      return s  // a partial directory whose restored parts are unchanged
    }
    guard let base = record?.pointer, base != pointer else {
      s.state = .modified
      return s
    }
    // The pointer moved under the data: is the data still the old pointer's?
    let old = try? compare(path, scanned, with: base, parts: record?.parts)
    s.state = old.map { $0.added.isEmpty && $0.modified.isEmpty && $0.deleted.isEmpty } == true ? .notCheckedOut : .diverged
    return s
  }

  /// The pointer of `dataPath` in git's index.
  func stagedPointer(_ dataPath: String) throws -> Pointer? {
    let file = Pointer.pointerPath(forData: dataPath)
    guard let bytes = try git.readIndexFile(file) else { return nil }
    return try Pointer.decode(bytes, file: "\(file) (staged)")
  }

  /// Whether `path` is one of `filter` or inside one of them (or `filter` is empty).
  func matches(_ path: String, _ filter: [String]) -> Bool {
    filter.isEmpty || filter.contains { f in f.isEmpty || path == f || path.hasPrefix(f + "/") || f.hasPrefix(path + "/") }
  }

  /// The tree root id of a scanned directory, from the stat cache's directory summary
  /// when no file's stat changed, else computed (and remembered).
  func workspaceTreeID(_ dataPath: String, _ scanned: ScannedData) -> ObjectID? {
    if let id = statCache.manifestID(for: dataPath, files: scanned.files) { return id }
    guard let id = try? TreeBuilder.rootID(Manifest(entries: scanned.manifestEntries).entries) else { return nil }
    statCache.recordManifestID(id, for: dataPath, files: scanned.files)
    return id
  }

  /// The tree root id `mlv add` would write for a scanned directory.
  public func directoryTreeID(_ dataPath: String, _ scanned: ScannedData) throws -> ObjectID {
    if let id = workspaceTreeID(dataPath, scanned) { return id }
    return try TreeBuilder.rootID(Manifest(entries: scanned.manifestEntries).entries)  // throws the reason
  }

  /// The id the pointer would have for this data: its tree root, or for a format 1 pointer
  /// the manifest id.
  func workspaceDirectoryID(_ dataPath: String, _ scanned: ScannedData, like pointer: Pointer) -> ObjectID? {
    pointer.isTree ? workspaceTreeID(dataPath, scanned) : Manifest(entries: scanned.manifestEntries).id
  }

  struct PathComparison {
    var added: [String] = []
    var modified: [String] = []
    var deleted: [String] = []
    var notRestored = 0
    var isEmpty: Bool { added.isEmpty && modified.isEmpty && deleted.isEmpty && notRestored == 0 }
  }

  /// The scanned data against `pointer`. With `parts` (a directory restored in part), files
  /// outside them that are absent were never checked out: counted, not deleted.
  func compare(_ dataPath: String, _ scanned: ScannedData, with pointer: Pointer, parts: Set<String>? = nil) throws -> PathComparison {
    var d = PathComparison()
    if pointer.kind != scanned.kind {
      d.modified = [""]
      return d
    }
    if pointer.kind == .file {
      if scanned.files[""]?.id != pointer.oid { d.modified.append("") }
      return d
    }
    // Unchanged data (the common case) has the pointer's manifest id: hashing the
    // workspace's own manifest is cheaper than decoding the stored one and comparing
    // 20,000 entries.
    if parts == nil, workspaceDirectoryID(dataPath, scanned, like: pointer) == pointer.oid { return d }
    let entries = try entries(of: pointer)
    var expected: [String: ObjectID] = [:]
    expected.reserveCapacity(entries.count)
    for e in entries { expected[e.path] = e.oid }
    for (path, (_, id)) in scanned.files {
      if let want = expected[path] {
        if want != id { d.modified.append(path) }
      } else {
        d.added.append(path)
      }
    }
    for e in entries where scanned.files[e.path] == nil {
      if let parts, !Self.covers(parts, e.path) { d.notRestored += 1 } else { d.deleted.append(e.path) }
    }
    d.added.sort()
    d.modified.sort()
    d.deleted.sort()
    return d
  }

  /// Whether one of `parts` (paths inside a directory) is `path` or contains it.
  static func covers(_ parts: Set<String>, _ path: String) -> Bool {
    if parts.contains(path) { return true }
    var p = Substring(path)
    while let slash = p.lastIndex(of: "/") {
      p = p[..<slash]
      if parts.contains(String(p)) { return true }
    }
    return false
  }
}
