import Foundation
import MLVStore
import MLVSystem

/// Checkout of a directory tree by its difference from the tree the workspace holds.
///
/// When the data of a tracked directory is exactly the tree it was last checked out as
/// (told by one `lstat` per file and the leaf cache or the stat cache's summary,
/// `heldTree`), a checkout to another tree needs only what `TreeDiff` finds between the two: the changed
/// files are validated, checked recoverable, written or removed, and the leaf cache is moved
/// to the new tree (TreeScan.swift; the stat cache is left alone, as loading its file table
/// would cost more than the rest). A one-file change of a million-file dataset then costs
/// one listing plus one leaf, not two million entries. Anything less certain (partial
/// restores, modified data, format 1 pointers) takes the full path.
struct TreeDelta {
  /// How the workspace's files are known to be exactly `base`.
  enum Held {
    /// By the leaf cache, whose recorded stats are the files' stats: the delta needs the
    /// stats of the few leaves it replaces, and the cache of the target copies the rest.
    /// Read when the delta is made, before HEAD moves or a file is touched.
    case cache(ReplacedLeaves)
    /// By a listing (the stat cache's summary, or touched files the leaf cache found
    /// unchanged): the files with their stats, sorted.
    case listing(TreeListing)
  }

  /// The tree the workspace holds, and the one wanted.
  var base: Pointer
  var target: Pointer
  var held: Held
  /// Entries of `base` that `target` lacks or has otherwise, and the reverse.
  var old: [Manifest.Entry]
  var new: [Manifest.Entry]
}

/// The leaves of a cached base tree that `target` does not keep, with the entries' stats.
struct ReplacedLeaves {
  /// The target's leaves, in order.
  var targetLeaves: [TreeChild]
  /// The cached base leaves the target keeps, by id.
  var kept: [ObjectID: LeafCache.Leaf]
  /// The recorded stat of each file of the other base leaves, by path.
  var stats: [String: FileStat]
  /// Every recorded stat as stored (`LeafCache.rawStats`), read before the restore
  /// removes the cache; nil if unreadable (then no cache is written).
  var raw: [UInt8]?
}

extension Workspace {
  /// The delta from the checked-out tree of `dataPath` to `target`, or nil when the fast
  /// path does not apply.
  func treeDelta(_ dataPath: String, to target: Pointer, checkedOut record: CheckedOutState.Entry?) throws -> TreeDelta? {
    guard target.kind == .dir, target.isTree, let record, record.parts == nil, record.pointer.kind == .dir,
      record.pointer.isTree, record.pointer != target
    else { return nil }
    guard let held = try heldTree(dataPath, record.pointer, target: target) else { return nil }
    let (old, new) = try TreeDiff(reader: TreeReader(store: store)).changes(from: record.pointer.oid, to: target.oid)
    return TreeDelta(base: record.pointer, target: target, held: held, old: old, new: new)
  }

  /// The delta's share of `validateTarget`: the files the target adds or changes.
  func validateDelta(_ dataPath: String, _ delta: TreeDelta) throws {
    try validateEntries(dataPath, delta.target, delta.new)
  }

  /// The delta's share of `ensureRecoverable`: the files it overwrites or removes are in
  /// the store (they are the base tree's, which was stored or restored from the store).
  func unrecoverableFiles(_ dataPath: String, _ delta: TreeDelta) throws -> [String] {
    let gitOwned = try gitTrackedFiles(in: dataPath)
    return delta.old.compactMap { e in
      e.oid != .empty && !store.contains(e.oid) && !gitOwned.contains(e.path) ? cacheKey(dataPath, e.path) : nil
    }
  }

  /// Makes the data of `dataPath` the delta's target by writing and removing only the
  /// files that differ, then moves the leaf cache to the target tree.
  func restore(_ dataPath: String, _ delta: TreeDelta, into summary: inout CheckoutSummary) throws {
    try RepoPath.checkNoSymlinks(dataPath, root: root, includingLeaf: true)
    let gitOwned = try gitTrackedFiles(in: dataPath)
    let wanted = Set(delta.new.map(\.path))
    // The stats of the files the delta may overwrite or remove: every such file is in a
    // leaf of the base that the target does not keep (a kept leaf holds the same entries).
    let statOf: (String) -> FileStat?
    switch delta.held {
    case .cache(let replaced): statOf = { replaced.stats[$0] }
    case .listing(let listing): statOf = { listing.index(of: $0).map { listing.stats[$0] } }
    }
    var removed = Set<String>()
    var have: [String: (stat: FileStat, id: ObjectID)] = [:]
    for e in delta.old {
      guard let st = statOf(e.path) else { continue }
      have[e.path] = (st, e.oid)
      if wanted.contains(e.path) { continue }
      if gitOwned.contains(e.path) {
        warnGitOwned(dataPath, e.path, alsoInManifest: false)
        continue
      }
      unlink(absolute(cacheKey(dataPath, e.path)))
      removeEmptyParents(of: e.path, in: dataPath)
      removed.insert(e.path)
      summary.filesRemoved += 1
    }
    var work: [Manifest.Entry] = []
    for e in delta.new {
      if gitOwned.contains(e.path) { warnGitOwned(dataPath, e.path, alsoInManifest: true) } else { work.append(e) }
    }
    summary.filesUnchanged += delta.target.files - work.count
    LeafCache.remove(stateDir, dataPath)  // it describes the base until rewritten below
    try writeFiles(dataPath, work, have: have, restoring: delta.target, recordStats: false, into: &summary)
    // The leaf cache follows, with the stats of the files written.
    var written: [String: FileStat] = [:]
    for e in work {
      guard let st = FileStat.of(absolute(cacheKey(dataPath, e.path))) else { return }
      written[e.path] = st
    }
    switch delta.held {
    case .cache(let replaced):
      try moveLeafCache(dataPath, replaced, to: delta.target, written: written)
    case .listing(let listing):
      try moveLeafCache(dataPath, listing, removed: removed, to: delta.target, written: written)
    }
  }


  /// Reads the base leaves `target` does not keep (their entries from the store, their stats
  /// from the cache): for a one-file change, one leaf of ~500 files.
  func replacedLeaves(of cache: LeafCache, keptBy target: Pointer) throws -> ReplacedLeaves {
    let reader = TreeReader(store: store)
    let targetLeaves = try reader.leafChildren(target.oid)
    let targetIDs = Set(targetLeaves.map(\.id))
    var out = ReplacedLeaves(targetLeaves: targetLeaves, kept: [:], stats: [:], raw: cache.rawStats())
    for (k, leaf) in cache.leaves.enumerated() {
      if targetIDs.contains(leaf.child.id) {
        out.kept[leaf.child.id] = leaf
        continue
      }
      guard case .leaf(let entries) = try reader.node(leaf.child.id) else {
        throw WorkspaceError.invalidManifest(leaf.child.id.hex, reason: "tree node: a node where a leaf belongs")
      }
      // The restore removes and overwrites files by these stats: when the cache cannot give
      // them, each file is looked at (a file that is not there has none, and is not removed).
      let recorded = cache.stats(ofLeaf: k).flatMap { $0.count == entries.count ? $0 : nil }
      for (n, e) in entries.enumerated() {
        out.stats[e.path] = recorded?[n] ?? FileStat.of(absolute(cacheKey(cache.dataPath, e.path)))
      }
    }
    return out
  }

  /// The leaf cache of `target` from the cache of the base it replaces: leaves both trees
  /// share are copied (digest and stats), the others listed from the target's leaves with
  /// each file's stat (written now, or recorded for the base). No path of a kept leaf is
  /// handled, and nothing is sorted. A file with no stat (one git owns, left in place) means
  /// the data is not the target: no cache.
  func moveLeafCache(
    _ dataPath: String, _ replaced: ReplacedLeaves, to target: Pointer, written: [String: FileStat]
  ) throws {
    let reader = TreeReader(store: store)
    guard let raw = replaced.raw else { return }
    var parts: [LeafCache.Part] = []
    for child in replaced.targetLeaves {
      if let leaf = replaced.kept[child.id] {
        let from = leaf.firstStat * LeafCache.statSize
        let to = from + leaf.child.files * LeafCache.statSize
        guard from >= 0, to <= raw.count else { return }
        parts.append(.kept(leaf, stats: raw[from..<to]))
        continue
      }
      guard case .leaf(let entries) = try reader.node(child.id) else {
        throw WorkspaceError.invalidManifest(child.id.hex, reason: "tree node: a node where a leaf belongs")
      }
      var stats: [FileStat] = []
      stats.reserveCapacity(entries.count)
      for e in entries {
        guard let st = written[e.path] ?? replaced.stats[e.path] else { return }
        stats.append(st)
      }
      parts.append(.listed(child, paths: entries.map(\.path), stats: stats))
    }
    LeafCache.write(stateDir, dataPath, root: target.oid, parts: parts, absolute: { self.absolute(self.cacheKey(dataPath, $0)) })
  }

  /// The leaf cache of `target` from a sorted listing of the base: the listing without the
  /// files removed, with the stats of the files written, cut again (the target's leaves
  /// say where its runs must end).
  func moveLeafCache(
    _ dataPath: String, _ listing: TreeListing, removed: Set<String>, to target: Pointer, written: [String: FileStat]
  ) throws {
    var paths: [String] = []
    var stats: [FileStat] = []
    paths.reserveCapacity(listing.count + written.count)
    stats.reserveCapacity(listing.count + written.count)
    let fresh = written.keys.filter { listing.index(of: $0) == nil }.sorted { Manifest.bytesLess($0, $1) }
    var k = 0
    for i in 0..<listing.count {
      let p = listing.path(i)
      while k < fresh.count, Manifest.bytesLess(fresh[k], p) {
        paths.append(fresh[k])
        stats.append(written[fresh[k]]!)
        k += 1
      }
      if removed.contains(p) { continue }
      paths.append(p)
      stats.append(written[p] ?? listing.stats[i])
    }
    for p in fresh[k...] {
      paths.append(p)
      stats.append(written[p]!)
    }
    // Files git owns stay as they were and are not the target's: no cache then.
    guard paths.count == target.files else { return }
    let leaves = try TreeReader(store: store).leafChildren(target.oid)
    saveLeafCache(dataPath, root: target.oid, leaves: leaves, listing: TreeListing(sortedPaths: paths, stats: stats))
  }

  /// Removes the now empty directories between a removed file and the tracked directory.
  func removeEmptyParents(of inner: String, in dataPath: String) {
    var dir = Substring(inner)
    while let slash = dir.lastIndex(of: "/") {
      dir = dir[..<slash]
      guard rmdir(absolute(cacheKey(dataPath, String(dir)))) == 0 else { return }
    }
  }

  /// How the data of `dataPath` is known to be exactly the tree `pointer` (by the leaf
  /// cache, else the stat cache's summary, `summaryCheck`), for a checkout to `target`;
  /// nil when it is not.
  func heldTree(_ dataPath: String, _ pointer: Pointer, target: Pointer) throws -> TreeDelta.Held? {
    switch try treeState(dataPath, pointer) {
    case .unchanged(let cache)?: return .cache(try replacedLeaves(of: cache, keptBy: target))
    case .changed(let scan)? where scan.isClean: return .listing(scan.listing)  // touched only
    case .changed?: return nil
    case nil: break
    }
    let check = try summaryCheck(dataPath, pointer)
    guard check.unchanged, let listing = check.listing else { return nil }
    return .listing(TreeListing(listing))
  }

  /// Whether the directory `dataPath` is exactly the tree `pointer` by its stat-cache
  /// summary, with the listing made to tell (nil when there was nothing to list against:
  /// no summary naming `pointer`, or not a directory). A caller that goes on to scan
  /// passes the listing to `scan`, so a summary miss does not list the directory twice.
  func summaryCheck(_ dataPath: String, _ pointer: Pointer) throws -> (unchanged: Bool, listing: DirectoryWalker.Listing?) {
    guard pointer.kind == .dir, pointer.isTree, statCache.hasSummary(for: dataPath, naming: pointer.oid) else {
      return (false, nil)
    }
    try RepoPath.checkNoSymlinks(dataPath, root: root, includingLeaf: true)
    var st = stat()
    guard lstat(absolute(dataPath), &st) == 0, st.st_mode & S_IFMT == S_IFDIR else { return (false, nil) }
    let listing = try DirectoryWalker(root: root, ignore: ignoreRules()).list(dataPath)
    let unchanged = listing.skippedLinks.isEmpty && listing.skippedOther.isEmpty
      && statCache.manifestID(for: dataPath, listing: listing) == pointer.oid
    return (unchanged, listing)
  }

  /// The subtrees (nodes and leaves) of the trees the workspace holds for `selections`,
  /// where a checkout to the selected tree can go by tree difference: the leaf cache names
  /// the checked-out tree, which is another. Objects of subtrees both trees share are then
  /// never read, so making the target local need not walk them (a million-file tree's
  /// 2,000 leaves and million file ids). Reads nodes only; best effort (empty on doubt).
  public func keptSubtrees(for selections: [DataSelection]) -> Set<ObjectID> {
    let checkedOut = loadCheckedOut()
    var out = Set<ObjectID>()
    for sel in selections where sel.inner == nil && sel.pointer.kind == .dir && sel.pointer.isTree {
      guard let record = checkedOut.entries[sel.dataPath], record.parts == nil, record.pointer.isTree,
        record.pointer != sel.pointer, let cache = LeafCache.load(stateDir, sel.dataPath), cache.root == record.pointer.oid
      else { continue }
      var ids = Set<ObjectID>()
      func collect(_ id: ObjectID) throws {
        guard ids.insert(id).inserted, case .node(let height, let children) = try TreeReader(store: store).node(id) else { return }
        for c in children {
          if height == 1 { ids.insert(c.id) } else { try collect(c.id) }
        }
      }
      if (try? collect(record.pointer.oid)) != nil { out.formUnion(ids) }
    }
    return out
  }
}
