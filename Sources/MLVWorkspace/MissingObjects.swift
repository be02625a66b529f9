import MLVStore

/// What the local store still lacks of what some selections need, for a fetch that goes
/// round after round (tree nodes, then leaves, then file contents, then the chunks of file
/// lists): each round walks the selections again from their pointers, as far as the store
/// allows, and keeps only the ids it finds missing, sorted.
///
/// Memory (issue 14): `ObjectGraph` remembers every object it reached, every missing one,
/// and how to expand each missing one once fetched; for a fresh clone's pull of a million
/// files that was ~200 MB of sets and tables held through the fetch. Here a round holds the
/// missing ids only (32 bytes each) and the ids of the tree nodes walked (to enter a shared
/// subtree once). The price is walking the present part of the trees again each round: a
/// few more reads of a million-file tree's ~2,000 leaves and index lookups, a second or
/// so against a pull of minutes.
public struct MissingObjects {
  /// Missing objects, sorted by id, each once.
  public var missing: [ObjectID] = []
  /// Objects needed and present, counted per reference (a content shared by two files
  /// counts twice).
  public var present = 0
  /// Objects present but unusable (a tree node or file list that does not decode) → why.
  public var damaged: [(id: ObjectID, reason: String)] = []
}

extension Workspace {
  /// One round of `MissingObjects`: the objects `selections` need that the store lacks,
  /// without entering the subtrees in `skipping` (as `ObjectGraph.skipping`).
  public func missingObjects(_ selections: [DataSelection], skipping: Set<ObjectID> = []) -> MissingObjects {
    var out = MissingObjects()
    // Tree nodes walked, so a subtree two selections share is entered once; a selection of
    // a path inside a tree walks only part of its nodes, so it keeps its own set.
    var walkedWhole = Set<ObjectID>()
    let reader = TreeReader(store: store)
    func file(_ id: ObjectID, size: Int64) {
      guard size != 0 else { return }  // empty files need no object
      guard store.contains(id) else { return out.missing.append(id) }
      out.present += 1
      guard store.info(id)?.type == .fileList else { return }
      do {
        for c in try store.chunks(ofFile: id, size: size) {
          if store.contains(c.id) { out.present += 1 } else { out.missing.append(c.id) }
        }
      } catch {
        out.damaged.append((id, "\(error)"))
      }
    }
    func within(_ path: String, _ inner: String?) -> Bool {
      inner.map { path == $0 || path.hasPrefix($0 + "/") } ?? true
    }
    func tree(_ id: ObjectID, inner: String?, walked: inout Set<ObjectID>) {
      guard !skipping.contains(id), walked.insert(id).inserted else { return }
      guard store.contains(id) else { return out.missing.append(id) }
      out.present += 1
      let node: TreeNode
      do { node = try reader.node(id) } catch {
        out.damaged.append((id, "\(error)"))
        return
      }
      switch node {
      case .leaf(let entries):
        for e in entries where within(e.path, inner) { file(e.oid, size: e.size) }
      case .node(_, let children):
        for (i, c) in children.enumerated() {
          let next = i + 1 < children.count ? children[i + 1].firstPath : nil
          if let inner, !TreeReader.mayHold(inner, from: c.firstPath, to: next) { continue }
          tree(c.id, inner: inner, walked: &walked)
        }
      }
    }
    for s in selections {
      switch s.pointer.kind {
      case .file:
        file(s.pointer.oid, size: s.pointer.size)
      case .dir where s.pointer.isTree:
        if s.inner == nil {
          tree(s.pointer.oid, inner: nil, walked: &walkedWhole)
        } else {
          var walked = Set<ObjectID>()
          tree(s.pointer.oid, inner: s.inner, walked: &walked)
        }
      case .dir:
        let id = s.pointer.oid
        guard store.contains(id) else {
          out.missing.append(id)
          continue
        }
        out.present += 1
        do {
          guard store.info(id)?.type == .manifest else {
            out.damaged.append((id, "object is not a manifest"))
            continue
          }
          let manifest = try Manifest.decode(try store.read(id), id: id.hex)
          for e in manifest.entries where within(e.path, s.inner) { file(e.oid, size: e.size) }
        } catch {
          out.damaged.append((id, "\(error)"))
        }
      }
    }
    out.missing.sort()
    var unique = 0
    for i in out.missing.indices where i == 0 || out.missing[i] != out.missing[unique - 1] {
      out.missing[unique] = out.missing[i]
      unique += 1
    }
    out.missing.removeLast(out.missing.count - unique)
    return out
  }
}
