import MLVGit
import MLVStore

/// Which revisions' data must be kept (gc) or checked (fsck).
public struct KeepPolicy: Sendable {
  /// Revisions whose data is kept; nil means every branch, tag and mlv run ref, and HEAD.
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

extension Workspace {
  /// The pointers `policy` keeps, each distinct pointer once: those of every kept commit,
  /// of the workspace, and of git's index (staged but not committed). Pointers that do not
  /// parse are returned by name in `unreadable`: they name nothing the walk can follow.
  public func roots(_ policy: KeepPolicy) throws -> (roots: [GraphRoot], unreadable: [String]) {
    var roots: [GraphRoot] = []
    var unreadable: [String] = []
    var seen = Set<String>()
    var tips: [GitOID] = []
    if let revs = policy.revisions {
      tips = try revs.map { try git.resolveCommit($0) }
    } else {
      tips = try git.references().map(\.target)
      if let head = try git.head() { tips.append(head) }
    }
    let commits = policy.history ? try git.reachableCommits(from: tips) : Array(Set(tips))
    for commit in commits {
      for pointerPath in try git.listFiles(at: commit, withSuffix: Pointer.suffix) {
        guard let data = Pointer.dataPath(forPointer: pointerPath),
          let blob = try git.blobID(pointerPath, at: commit), seen.insert(blob.hex).inserted
        else { continue }
        do {
          if let ptr = try readPointer(data, at: commit) { roots.append(GraphRoot(pointer: ptr, label: "\(data) (\(commit.short))")) }
        } catch {
          unreadable.append("\(pointerPath) at \(commit.short): \(error)")
        }
      }
    }
    if policy.workspace {
      for data in try trackedPaths() {
        let pointerPath = Pointer.pointerPath(forData: data)
        if let ptr = try? readPointer(data), seen.insert(ObjectID.hash(ptr.encode()).hex).inserted {
          roots.append(GraphRoot(pointer: ptr, label: "\(data) (workspace)"))
        }
        if let bytes = try git.readIndexFile(pointerPath), let ptr = try? Pointer.decode(bytes, file: pointerPath),
          seen.insert(ObjectID.hash(ptr.encode()).hex).inserted
        {
          roots.append(GraphRoot(pointer: ptr, label: "\(data) (index)"))
        }
      }
    }
    return (roots, unreadable)
  }

  /// The object graph of everything `policy` keeps.
  public func graph(_ policy: KeepPolicy, labelling: Set<ObjectID> = []) throws -> (graph: ObjectGraph, unreadable: [String]) {
    let (roots, unreadable) = try roots(policy)
    let graph = ObjectGraph(store: store, labelling: labelling)
    graph.add(roots)
    return (graph, unreadable)
  }
}
