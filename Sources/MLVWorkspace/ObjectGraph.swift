import MLVStore

/// A pointer to walk from, with the words that name it in messages.
public struct GraphRoot: Sendable {
  public var pointer: Pointer
  /// How messages name this pointer: "data (3f2a1b9c)", "data (workspace)".
  public var label: String
  /// A path inside a tracked directory: only that file or sub-directory is walked.
  public var inner: String?

  public init(pointer: Pointer, label: String, inner: String? = nil) {
    self.pointer = pointer
    self.label = label
    self.inner = inner
  }
}

/// The one walk from pointers to every object they need — pointer → manifest → file
/// contents (chunks, or a file list and its chunks) — that gc, fsck, push, fetch, pull and
/// remote gc all use, so "what does this revision need" has one answer.
///
/// The walk is incremental: an object the store lacks is recorded in `missing` and its
/// children stay unknown; after the caller fetched some of
/// them, `resume()` carries on from exactly those, so a pull of a directory walks each
/// object once however many fetch rounds it takes (manifests, then file lists, then
/// chunks). Each object is expanded once, so long histories of mostly unchanged data cost
/// what their distinct objects cost.
///
/// Memory: the walk keeps object ids only, never a path per object — a million missing
/// files would otherwise cost a string each (issue 14). Messages that must name the paths
/// behind some ids ask `paths(of:)`, which walks the same roots again collecting labels
/// for just those ids.
public final class ObjectGraph {
  public let store: ObjectReader
  /// Every object reached, present or not.
  public private(set) var reached = Set<ObjectID>()
  /// Objects the store lacks (`paths(of:)` names what needs them).
  public private(set) var missing = Set<ObjectID>()
  /// Objects present but unusable (a manifest or file list that does not decode) → why.
  public private(set) var damaged: [ObjectID: String] = [:]
  /// For ids in `labelling`: the paths that need them (at most `maxLabels` each).
  public private(set) var labels: [ObjectID: [String]] = [:]
  public private(set) var pointers = 0
  private let labelling: Set<ObjectID>
  /// Whether nodes carry labels: only when some are collected (`labelling`), so that a
  /// walk for push or fetch builds no path string per file.
  private let naming: Bool
  /// The roots walked, for `paths(of:)`.
  private var roots: [GraphRoot] = []
  /// Missing objects → how to expand them once fetched (the first visit; further visits
  /// of a missing directory in `moreBlocked`, as they are rare and one node per object
  /// is the common case).
  private var blocked: [ObjectID: Node] = [:]
  private var moreBlocked: [ObjectID: [Node]] = [:]
  /// Manifests expanded with every entry (a selection expands only part of one).
  private var wholeManifests = Set<ObjectID>()

  public static let maxLabels = 10
  /// Subtrees of directory trees not to enter: those a checkout by tree difference keeps
  /// as the workspace has them (`Workspace.keptSubtrees`), so it needs none of their objects.
  public var skipping = Set<ObjectID>()

  /// What an object is to the walk: how to find its children once it is present.
  enum Node {
    case manifest(label: String, inner: String?)
    /// A node of a directory tree: its leaves list files, its nodes list subtrees.
    case tree(label: String, inner: String?)
    case file(size: Int64, label: String)
    case chunk(label: String)

    var label: String {
      switch self {
      case .manifest(let l, _), .tree(let l, _), .file(_, let l), .chunk(let l): return l
      }
    }
  }

  /// `labelling`: objects whose paths should be collected even when present (fsck names
  /// what a corrupt object breaks).
  public init(store: ObjectReader, labelling: Set<ObjectID> = []) {
    self.store = store
    self.labelling = labelling
    self.naming = !labelling.isEmpty
  }

  /// The paths that need each of `ids` (at most `maxLabels` each), found by walking the
  /// roots again with labels for those ids only. Ids the walk does not reach get none.
  public func paths(of ids: Set<ObjectID>) -> [ObjectID: [String]] {
    guard !ids.isEmpty else { return [:] }
    let again = ObjectGraph(store: store, labelling: ids)
    again.skipping = skipping
    again.add(roots)
    return again.labels
  }

  /// Walks from `roots` as far as the store allows.
  public func add(_ roots: [GraphRoot]) {
    self.roots += roots
    for root in roots {
      pointers += 1
      switch root.pointer.kind {
      case .file: visit(root.pointer.oid, .file(size: root.pointer.size, label: root.label))
      case .dir where root.pointer.isTree: visit(root.pointer.oid, .tree(label: root.label, inner: root.inner))
      case .dir: visit(root.pointer.oid, .manifest(label: root.label, inner: root.inner))
      }
    }
  }

  /// Continues from missing objects that the store now has.
  public func resume() {
    let ready = missing.filter { store.contains($0) }
    for id in ready {
      missing.remove(id)
      let first = blocked.removeValue(forKey: id)
      let more = moreBlocked.removeValue(forKey: id) ?? []
      for node in (first.map { [$0] } ?? []) + more { expand(id, node) }
    }
  }

  /// Objects reached that the store holds.
  public var present: Set<ObjectID> { reached.subtracting(missing) }

  /// The label of a file below `label`, built only when labels are collected.
  private func child(_ label: String, _ path: String) -> String {
    naming ? label + ": " + path : ""
  }

  private func note(_ id: ObjectID, _ label: String, in table: inout [ObjectID: [String]]) {
    if table[id, default: []].count < Self.maxLabels { table[id, default: []].append(label) }
  }

  private func visit(_ id: ObjectID, _ node: Node) {
    if case .file(let size, _) = node, size == 0 { return }  // empty files need no object
    if case .tree = node, skipping.contains(id) { return }
    if labelling.contains(id) { note(id, node.label, in: &labels) }
    let first = reached.insert(id).inserted
    if !first {
      if missing.contains(id) {
        if node.isDirectory { moreBlocked[id, default: []].append(node) }
      } else if node.isDirectory, !wholeManifests.contains(id) {
        // A selection expanded only part of this manifest; this visit may need more.
        expand(id, node)
      }
      return
    }
    guard store.contains(id) else {
      missing.insert(id)
      blocked[id] = node
      return
    }
    expand(id, node)
  }

  private func expand(_ id: ObjectID, _ node: Node) {
    switch node {
    case .chunk:
      return
    case .file(let size, let label):
      guard store.info(id)?.type == .fileList else { return }
      do {
        for c in try store.chunks(ofFile: id, size: size) { visit(c.id, .chunk(label: label)) }
      } catch {
        damaged[id] = "\(error)"
      }
    case .tree(let label, let inner):
      let node: TreeNode
      do { node = try TreeReader(store: store).node(id) } catch {
        damaged[id] = "\(error)"
        return
      }
      if inner == nil { wholeManifests.insert(id) }
      switch node {
      case .leaf(let entries):
        for e in entries where inner.map({ e.path == $0 || e.path.hasPrefix($0 + "/") }) ?? true {
          visit(e.oid, .file(size: e.size, label: child(label, e.path)))
        }
      case .node(_, let children):
        for (i, c) in children.enumerated() {
          let next = i + 1 < children.count ? children[i + 1].firstPath : nil
          if let inner, !TreeReader.mayHold(inner, from: c.firstPath, to: next) { continue }
          visit(c.id, .tree(label: label, inner: inner))
        }
      }
    case .manifest(let label, let inner):
      let manifest: Manifest
      do {
        guard store.info(id)?.type == .manifest else {
          damaged[id] = "object is not a manifest"
          return
        }
        manifest = try Manifest.decode(try store.read(id), id: id.hex)
      } catch {
        damaged[id] = "\(error)"
        return
      }
      if inner == nil { wholeManifests.insert(id) }
      for e in manifest.entries where inner.map({ e.path == $0 || e.path.hasPrefix($0 + "/") }) ?? true {
        visit(e.oid, .file(size: e.size, label: child(label, e.path)))
      }
    }
  }
}

extension ObjectGraph.Node {
  var isDirectory: Bool {
    switch self {
    case .manifest, .tree: return true
    case .file, .chunk: return false
    }
  }
}
