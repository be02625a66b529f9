import Foundation
import MLVGit
import MLVStore

/// How the workspace data of one tracked path compares with its pointer.
public struct DataStatus: Sendable {
  public var path: String
  public var pointer: Pointer
  /// The data is not in the workspace at all (e.g. a fresh clone before `mlv pull`).
  public var missing: Bool
  /// Paths inside the tracked directory ("" for a tracked file).
  public var added: [String] = []
  public var modified: [String] = []
  public var deleted: [String] = []
  /// The pointer differs from the one in HEAD (added but not committed).
  public var uncommitted: Bool
  /// The pointer file was deleted from the workspace while git's index still has it
  /// (`pointer` is then the staged one, and the data is not compared).
  public var pointerDeleted = false

  public var isClean: Bool { !pointerDeleted && !missing && added.isEmpty && modified.isEmpty && deleted.isEmpty }
}

extension Workspace {
  /// Status of every tracked path (or those under `filter`). Unchanged files are recognised
  /// by the stat cache without reading them.
  public func status(filter: [String] = []) throws -> [DataStatus] {
    let head = try git.head()
    var result: [DataStatus] = []
    for path in try trackedPaths() where matches(path, filter) {
      guard let pointer = try readPointer(path) else {
        if let staged = try stagedPointer(path) {
          var s = DataStatus(path: path, pointer: staged, missing: false, uncommitted: false)
          s.pointerDeleted = true
          result.append(s)
        }
        continue
      }
      let committed = try head.flatMap { try readPointer(path, at: $0) }
      var s = DataStatus(path: path, pointer: pointer, missing: false, uncommitted: committed != pointer)
      if let scanned = try scan(path, storeObjects: false, label: "checking \(path)") {
        if scanned.kind != pointer.kind {
          s.modified = [""]
        } else {
          let diff = try compare(path, scanned, with: pointer)
          (s.added, s.modified, s.deleted) = (diff.added, diff.modified, diff.deleted)
        }
      } else {
        s.missing = true
      }
      result.append(s)
    }
    statCache.save()
    return result
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

  /// The manifest id of a scanned directory, from the stat cache's directory summary when
  /// no file's stat changed, else computed (and remembered).
  func workspaceManifestID(_ dataPath: String, _ scanned: ScannedData) -> ObjectID {
    if let id = statCache.manifestID(for: dataPath, files: scanned.files) { return id }
    let id = Manifest(entries: scanned.manifestEntries).id
    statCache.recordManifestID(id, for: dataPath, files: scanned.files)
    return id
  }

  func compare(_ dataPath: String, _ scanned: ScannedData, with pointer: Pointer) throws -> (added: [String], modified: [String], deleted: [String]) {
    var added: [String] = []
    var modified: [String] = []
    var deleted: [String] = []
    if pointer.kind == .file {
      if scanned.files[""]?.id != pointer.oid { modified.append("") }
      return (added, modified, deleted)
    }
    // Unchanged data (the common case) has the pointer's manifest id: hashing the
    // workspace's own manifest is cheaper than decoding the stored one and comparing
    // 20,000 entries.
    if workspaceManifestID(dataPath, scanned) == pointer.oid { return ([], [], []) }
    let entries = try entries(of: pointer)
    var expected: [String: ObjectID] = [:]
    expected.reserveCapacity(entries.count)
    for e in entries { expected[e.path] = e.oid }
    for (path, (_, id)) in scanned.files {
      if let want = expected[path] {
        if want != id { modified.append(path) }
      } else {
        added.append(path)
      }
    }
    for e in entries where scanned.files[e.path] == nil { deleted.append(e.path) }
    return (added.sorted(), modified.sorted(), deleted.sorted())
  }
}
