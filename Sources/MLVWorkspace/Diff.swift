import Foundation
import MLVGit
import MLVStore
import MLVSystem

/// One side of a diff: a commit, or the workspace as it is on disk.
public enum DiffSide: Sendable {
  case commit(GitOID, label: String)
  case workspace

  public var label: String {
    switch self {
    case .commit(_, let label): return label
    case .workspace: return "workspace"
    }
  }
}

/// The stable JSON document of `mlv diff --json` (docs/cli.md, "diff"). Field names and
/// meanings only ever gain fields; `version` changes if one ever has to change.
public struct DataDiff: Codable, Sendable {
  public var version = 1
  public var from: String
  public var to: String
  public var paths: [PathDiff]
  public var totals: Totals

  public struct FileChange: Codable, Sendable {
    public var change: String  // added | removed | modified | renamed
    public var path: String  // repository-relative
    public var oldPath: String?
    public var oldSize: Int64?
    public var newSize: Int64?
    public var oldOid: String?
    public var newOid: String?
    /// For modified files: bytes of the new version in chunks the old version also has
    /// (chunk-level similarity; nil when the objects are not local).
    public var sharedBytes: Int64?
  }

  public struct PathDiff: Codable, Sendable {
    public var path: String
    public var oldKind: String?  // file | dir; nil when absent on that side
    public var newKind: String?
    public var oldSize: Int64
    public var newSize: Int64
    public var oldFiles: Int
    public var newFiles: Int
    public var added = 0
    public var removed = 0
    public var modified = 0
    public var renamed = 0
    /// Bytes of the newer side's chunks that the older side does not have: what storing
    /// the newer version costs on top of the older one. nil when objects are not local.
    public var newBytes: Int64?
    public var changes: [FileChange] = []
  }

  public struct Totals: Codable, Sendable {
    public var added = 0
    public var removed = 0
    public var modified = 0
    public var renamed = 0
    public var oldSize: Int64 = 0
    public var newSize: Int64 = 0
    public var newBytes: Int64? = 0
  }
}

/// The files a diff compared on each side: tracked path → inner path → (size, id). Reports
/// built on a diff (table diffs, folder balance) use them instead of listing the sides again
/// (a second stat pass over the workspace, or a second manifest decode per revision).
public struct DiffFiles: Sendable {
  public var old: [String: Workspace.Files] = [:]
  public var new: [String: Workspace.Files] = [:]
  /// Tracked directories for which `old` and `new` hold only the files of the parts of
  /// their trees that differ (the rest is equal on both sides, and was not read).
  public var partial: Set<String> = []
}

extension Workspace {
  public typealias Files = [String: (size: Int64, oid: ObjectID)]

  /// Compares the tracked data of two sides, for all tracked paths or those under `filter`.
  public func diff(from old: DiffSide, to new: DiffSide, filter: [String]) throws -> DataDiff {
    try diffWithFiles(from: old, to: new, filter: filter).diff
  }

  /// `diff`, and the files it compared on each side.
  public func diffWithFiles(from old: DiffSide, to new: DiffSide, filter: [String]) throws -> (
    diff: DataDiff, files: DiffFiles
  ) {
    var oldSide = try snapshot(old, filter)
    var newSide = try snapshot(new, filter)
    var files = DiffFiles()
    var result = DataDiff(from: old.label, to: new.label, paths: [], totals: .init())
    for path in Set(oldSide.keys).union(newSide.keys).sorted() {
      if let a = oldSide[path], let b = newSide[path], a.pointer == b.pointer { continue }
      try loadFiles(path, &oldSide, &newSide, into: &files)
      let a = oldSide[path], b = newSide[path]
      var d = DataDiff.PathDiff(
        path: path, oldKind: a?.pointer.kind.rawValue, newKind: b?.pointer.kind.rawValue,
        oldSize: a?.pointer.size ?? 0, newSize: b?.pointer.size ?? 0,
        oldFiles: a?.pointer.files ?? 0, newFiles: b?.pointer.files ?? 0)
      compareFiles(path, a?.files ?? [:], b?.files ?? [:], into: &d)
      // Paths inside a tracked directory (`-- data/train.csv`) narrow the file list.
      let inner = filter.filter { $0.hasPrefix(path + "/") }
      if !inner.isEmpty && !filter.contains(where: { $0.isEmpty || $0 == path || path.hasPrefix($0 + "/") }) {
        d.changes = d.changes.filter { c in inner.contains { c.path == $0 || c.path.hasPrefix($0 + "/") || c.oldPath == $0 } }
        d.added = d.changes.filter { $0.change == "added" }.count
        d.removed = d.changes.filter { $0.change == "removed" }.count
        d.modified = d.changes.filter { $0.change == "modified" }.count
        d.renamed = d.changes.filter { $0.change == "renamed" }.count
        if d.changes.isEmpty { continue }
      }
      let newIsWorkspace: Bool = { if case .workspace = new { return true } else { return false } }()
      // One chunk list per file for both measures below: a changed workspace file that is
      // not in the store is read and hashed once, not twice.
      let chunkCache = ChunkCache()
      for i in d.changes.indices where d.changes[i].change == "modified" {
        d.changes[i].sharedBytes = try? sharedBytes(
          d.changes[i], dataPath: path, a?.files ?? [:], b?.files ?? [:], newIsWorkspace: newIsWorkspace, cache: chunkCache)
      }
      d.newBytes = try? newBytes(
        a?.files ?? [:], b?.files ?? [:], changes: d.changes, dataPath: path, newIsWorkspace: newIsWorkspace, cache: chunkCache)
      result.totals.added += d.added
      result.totals.removed += d.removed
      result.totals.modified += d.modified
      result.totals.renamed += d.renamed
      // Pointer sizes are untrusted: two of them can each fit and still overflow a sum.
      let pointers = "diff \(old.label)..\(new.label) at \(Pointer.pointerPath(forData: path))"
      result.totals.oldSize = try Sizes.add(result.totals.oldSize, d.oldSize, pointers)
      result.totals.newSize = try Sizes.add(result.totals.newSize, d.newSize, pointers)
      if let n = d.newBytes, let t = result.totals.newBytes {
        result.totals.newBytes = try Sizes.add(t, n, pointers)
      } else {
        result.totals.newBytes = nil
      }
      result.paths.append(d)
    }
    statCache.save()
    return (result, files)
  }

  struct Snapshot {
    var pointer: Pointer
    /// nil until needed: a revision's listing is read only for paths that differ.
    var files: Files?
  }

  /// Fills in the files of `path` on both sides. Two directory trees are compared by
  /// `TreeDiff`, which reads only the subtrees whose ids differ: the files are then those
  /// of the changed leaves, and `files.partial` says so.
  func loadFiles(_ path: String, _ a: inout [String: Snapshot], _ b: inout [String: Snapshot], into files: inout DiffFiles) throws {
    if let pa = a[path]?.pointer, let pb = b[path]?.pointer, a[path]?.files == nil, b[path]?.files == nil,
      pa.kind == .dir, pb.kind == .dir, pa.isTree, pb.isTree
    {
      let (old, new) = try TreeDiff(reader: TreeReader(store: store)).changes(from: pa.oid, to: pb.oid)
      a[path]?.files = Self.files(old)
      b[path]?.files = Self.files(new)
      files.partial.insert(path)
    }
    for side in [0, 1] {
      let snapshot = side == 0 ? a[path] : b[path]
      guard let snapshot else { continue }
      let loaded = try snapshot.files ?? Self.files(entries(of: snapshot.pointer))
      if side == 0 { a[path]?.files = loaded; files.old[path] = loaded } else { b[path]?.files = loaded; files.new[path] = loaded }
    }
  }

  static func files(_ entries: [Manifest.Entry]) -> Files {
    var files: Files = [:]
    files.reserveCapacity(entries.count)
    for e in entries { files[e.path] = (e.size, e.oid) }
    return files
  }

  func snapshot(_ side: DiffSide, _ filter: [String]) throws -> [String: Snapshot] {
    var out: [String: Snapshot] = [:]
    switch side {
    case .commit(let commit, _):
      for p in try trackedPaths(at: commit) where matches(p, filter) {
        guard let ptr = try readPointer(p, at: commit) else { continue }
        out[p] = Snapshot(pointer: ptr, files: nil)
      }
    case .workspace:
      for p in try trackedPaths() where matches(p, filter) {
        _ = try readPointer(p)  // an unresolved merge of the pointer is explained, not diffed
        guard let scanned = try scan(p, storeObjects: false, label: "checking \(p)") else { continue }
        var files: Files = [:]
        for (k, v) in scanned.files { files[k] = (v.stat.size, v.id) }
        // A pseudo-pointer: identical to the real one exactly when the data is unchanged.
        let ptr: Pointer
        if scanned.kind == .file {
          ptr = Pointer(kind: .file, oid: files[""]!.oid, size: files[""]!.size, files: 1)
        } else {
          let m = Manifest(entries: scanned.manifestEntries)
          ptr = Pointer(kind: .dir, oid: try TreeBuilder.rootID(m.entries), size: m.totalSize, files: m.entries.count)
        }
        out[p] = Snapshot(pointer: ptr, files: files)
      }
    }
    return out
  }

  func compareFiles(_ dataPath: String, _ a: Files, _ b: Files, into d: inout DataDiff.PathDiff) {
    func full(_ inner: String) -> String { cacheKey(dataPath, inner) }
    var removed = a.filter { b[$0.key] == nil }
    var added = b.filter { a[$0.key] == nil }
    // Renames: a removed and an added file with the same content (first match by path order).
    var removedByID: [ObjectID: [String]] = [:]
    for (k, v) in removed.sorted(by: { $0.key < $1.key }) where v.size > 0 { removedByID[v.oid, default: []].append(k) }
    for (k, v) in added.sorted(by: { $0.key < $1.key }) {
      guard var candidates = removedByID[v.oid], !candidates.isEmpty else { continue }
      let from = candidates.removeFirst()
      removedByID[v.oid] = candidates
      removed[from] = nil
      added[k] = nil
      d.renamed += 1
      d.changes.append(.init(change: "renamed", path: full(k), oldPath: full(from), oldSize: v.size, newSize: v.size, oldOid: v.oid.hex, newOid: v.oid.hex))
    }
    for (k, v) in added {
      d.added += 1
      d.changes.append(.init(change: "added", path: full(k), newSize: v.size, newOid: v.oid.hex))
    }
    for (k, v) in removed {
      d.removed += 1
      d.changes.append(.init(change: "removed", path: full(k), oldSize: v.size, oldOid: v.oid.hex))
    }
    for (k, v) in b {
      if let o = a[k], o.oid != v.oid {
        d.modified += 1
        d.changes.append(.init(change: "modified", path: full(k), oldSize: o.size, newSize: v.size, oldOid: o.oid.hex, newOid: v.oid.hex))
      }
    }
    d.changes.sort { ($0.path, $0.change) < ($1.path, $1.change) }
  }

  /// The chunks of one file on one side (chunking the workspace file when its objects are
  /// not in the store).
  /// Chunk lists by content id, for the length of one diff.
  final class ChunkCache {
    var lists: [ObjectID: [FileList.Chunk]] = [:]
  }

  func chunks(_ v: (size: Int64, oid: ObjectID), path: String, inWorkspace: Bool, cache: ChunkCache) throws
    -> [FileList.Chunk]
  {
    if v.size == 0 { return [] }
    if let known = cache.lists[v.oid] { return known }
    let list: [FileList.Chunk]
    if store.contains(v.oid) || !inWorkspace {
      list = try store.chunks(ofFile: v.oid, size: v.size)
    } else {
      list = try Ingester(chunker: chunker, writer: store.makeWriter(), store: false).ingest(path: absolute(path)).chunks
    }
    cache.lists[v.oid] = list
    return list
  }

  func sharedBytes(
    _ c: DataDiff.FileChange, dataPath: String, _ a: Files, _ b: Files, newIsWorkspace: Bool, cache: ChunkCache
  ) throws -> Int64 {
    let inner = c.path == dataPath ? "" : String(c.path.dropFirst(dataPath.count + 1))
    guard let o = a[inner], let n = b[inner] else { return 0 }
    let old = Set(try chunks(o, path: c.path, inWorkspace: false, cache: cache).map(\.id))
    let shared = try chunks(n, path: c.path, inWorkspace: newIsWorkspace, cache: cache).lazy
      .filter { old.contains($0.id) }.map { Int64($0.length) }
    return try Sizes.sum(shared, c.path)
  }

  /// Puts one file version where a reader can open it: the workspace file itself, or a
  /// temporary copy restored from the store (the caller removes paths it got with
  /// `temporary` set). nil when the file does not exist on that side. `files` are that
  /// side's files from `diffWithFiles`.
  public func materialize(_ path: String, on side: DiffSide, files: [String: Files]) throws -> (path: String, temporary: Bool)? {
    guard let (dataPath, inner) = Self.locate(path, in: files.keys) else { return nil }
    switch side {
    case .workspace:
      return FS.exists(absolute(path)) ? (absolute(path), false) : nil
    case .commit:
      guard let v = files[dataPath]?[inner] else { return nil }
      let tmp = FS.temporaryPath(in: tmpDir, prefix: "diff")
      try Restorer(store: store, tmpDir: tmpDir).restore(id: v.oid, size: v.size, to: tmp, executable: false)
      return (tmp, true)
    }
  }

  /// The tracked path containing repository path `path`, and `path` inside it.
  static func locate(_ path: String, in tracked: some Sequence<String>) -> (String, String)? {
    for t in tracked {
      if t == path { return (t, "") }
      if path.hasPrefix(t + "/") { return (t, String(path.dropFirst(t.count + 1))) }
    }
    return nil
  }

  /// Sums the chunks of added and modified files on the new side that the old side lacks.
  func newBytes(
    _ a: Files, _ b: Files, changes: [DataDiff.FileChange], dataPath: String, newIsWorkspace: Bool, cache: ChunkCache
  ) throws -> Int64 {
    var old = Set<ObjectID>()
    for (inner, v) in a {
      for c in try chunks(v, path: cacheKey(dataPath, inner), inWorkspace: false, cache: cache) { old.insert(c.id) }
    }
    var seen = Set<ObjectID>()
    var total: Int64 = 0
    for change in changes where change.change == "added" || change.change == "modified" {
      let inner = change.path == dataPath ? "" : String(change.path.dropFirst(dataPath.count + 1))
      guard let v = b[inner] else { continue }
      for c in try chunks(v, path: change.path, inWorkspace: newIsWorkspace, cache: cache)
      where !old.contains(c.id) && seen.insert(c.id).inserted {
        total = try Sizes.add(total, Int64(c.length), dataPath)
      }
    }
    return total
  }
}
