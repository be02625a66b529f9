import MLVGit
import MLVStore

/// Which revisions' data must be kept (gc) or checked (fsck).
public struct KeepPolicy: Sendable {
  /// Revisions whose data is kept; nil means every branch, tag and mlv run ref.
  public var revisions: [String]?
  /// Keep the whole history of those revisions, not only their tips.
  public var history: Bool
  /// Keep what the workspace and git's index point to.
  public var workspace: Bool

  public init(revisions: [String]? = nil, history: Bool = true, workspace: Bool = true) {
    self.revisions = revisions
    self.history = history
    self.workspace = workspace
  }
}

/// The objects kept revisions need, and those of them the store lacks or holds damaged.
public struct LiveSet: Sendable {
  public var objects = Set<ObjectID>()
  /// Missing object → the tracked paths (with revision) that need it.
  public var missing: [ObjectID: [String]] = [:]
  public var commits = 0
  public var pointers = 0
}

extension Workspace {
  /// Walks every pointer of the kept revisions down to chunks. Each pointer blob and each
  /// object is expanded once, so long histories of mostly unchanged data stay cheap.
  public func liveObjects(_ policy: KeepPolicy) throws -> LiveSet {
    var live = LiveSet()
    var seenPointers = Set<String>()
    var tips: [GitOID] = []
    if let revs = policy.revisions {
      tips = try revs.map { try git.resolveCommit($0) }
    } else {
      tips = try git.references().map(\.target)
      if let head = try git.head() { tips.append(head) }
    }
    let commits = policy.history ? try git.reachableCommits(from: tips) : Array(Set(tips))
    live.commits = commits.count
    for commit in commits {
      for pointerPath in try git.listFiles(at: commit, withSuffix: Pointer.suffix) {
        guard let data = Pointer.dataPath(forPointer: pointerPath),
          let blob = try git.blobID(pointerPath, at: commit), seenPointers.insert(blob.hex).inserted
        else { continue }
        if let ptr = try readPointer(data, at: commit) {
          expand(ptr, label: "\(data) (\(commit.short))", into: &live)
        }
      }
    }
    if policy.workspace {
      for data in try trackedPaths() {
        if let ptr = try? readPointer(data) { expand(ptr, label: "\(data) (workspace)", into: &live) }
        if let bytes = try git.readIndexFile(Pointer.pointerPath(forData: data)),
          let ptr = try? Pointer.decode(bytes, file: data)
        {
          expand(ptr, label: "\(data) (index)", into: &live)
        }
      }
    }
    return live
  }

  func expand(_ pointer: Pointer, label: String, into live: inout LiveSet) {
    live.pointers += 1
    switch pointer.kind {
    case .file:
      expandFile(pointer.oid, size: pointer.size, label: label, into: &live)
    case .dir:
      guard live.objects.insert(pointer.oid).inserted else { return }
      guard store.contains(pointer.oid), let manifest = try? loadManifest(pointer.oid) else {
        live.missing[pointer.oid, default: []].append(label)
        return
      }
      for e in manifest.entries {
        expandFile(e.oid, size: e.size, label: "\(label): \(e.path)", into: &live)
      }
    }
  }

  func expandFile(_ id: ObjectID, size: Int64, label: String, into live: inout LiveSet) {
    guard size > 0, live.objects.insert(id).inserted else { return }
    guard let info = store.info(id) else {
      live.missing[id, default: []].append(label)
      return
    }
    guard info.type == .fileList else { return }
    guard let chunks = try? store.chunks(ofFile: id, size: size) else {
      live.missing[id, default: []].append(label)
      return
    }
    for c in chunks where live.objects.insert(c.id).inserted {
      if !store.contains(c.id) { live.missing[c.id, default: []].append(label) }
    }
  }
}
