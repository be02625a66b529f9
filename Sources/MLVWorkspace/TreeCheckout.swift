import Foundation
import MLVStore
import MLVSystem

/// Checkout of a directory tree by its difference from the tree the workspace holds.
///
/// When the data of a tracked directory is exactly the tree it was last checked out as
/// (told by one `lstat` per file and the leaf cache or the stat cache's summary,
/// `listingIfUnchanged`), a checkout to another tree needs only what `TreeDiff` finds between the two: the changed
/// files are validated, checked recoverable, written or removed, and the leaf cache is moved
/// to the new tree (TreeScan.swift; the stat cache is left alone, as loading its file table
/// would cost more than the rest). A one-file change of a million-file dataset then costs
/// one listing plus one leaf, not two million entries. Anything less certain (partial
/// restores, modified data, format 1 pointers) takes the full path.
struct TreeDelta {
  /// The tree the workspace holds, and the one wanted.
  var base: Pointer
  var target: Pointer
  /// The workspace's files with their stats (the listing found to be `base`), sorted.
  var listing: TreeListing
  /// Entries of `base` that `target` lacks or has otherwise, and the reverse.
  var old: [Manifest.Entry]
  var new: [Manifest.Entry]
}

extension Workspace {
  /// The delta from the checked-out tree of `dataPath` to `target`, or nil when the fast
  /// path does not apply.
  func treeDelta(_ dataPath: String, to target: Pointer, checkedOut record: CheckedOutState.Entry?) throws -> TreeDelta? {
    guard target.kind == .dir, target.isTree, let record, record.parts == nil, record.pointer.kind == .dir,
      record.pointer.isTree, record.pointer != target
    else { return nil }
    guard let listing = try listingIfUnchanged(dataPath, record.pointer) else { return nil }
    let (old, new) = try TreeDiff(reader: TreeReader(store: store)).changes(from: record.pointer.oid, to: target.oid)
    return TreeDelta(base: record.pointer, target: target, listing: TreeListing(listing), old: old, new: new)
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
    var removed: [(String, FileStat)] = []
    var have: [String: (stat: FileStat, id: ObjectID)] = [:]
    for e in delta.old {
      guard let at = delta.listing.index(of: e.path) else { continue }
      let st = delta.listing.stats[at]
      have[e.path] = (st, e.oid)
      if wanted.contains(e.path) { continue }
      if gitOwned.contains(e.path) {
        warnGitOwned(dataPath, e.path, alsoInManifest: false)
        continue
      }
      unlink(absolute(cacheKey(dataPath, e.path)))
      removeEmptyParents(of: e.path, in: dataPath)
      removed.append((e.path, st))
      summary.filesRemoved += 1
    }
    var work: [Manifest.Entry] = []
    for e in delta.new {
      if gitOwned.contains(e.path) { warnGitOwned(dataPath, e.path, alsoInManifest: true) } else { work.append(e) }
    }
    summary.filesUnchanged += delta.target.files - work.count
    LeafCache.remove(stateDir, dataPath)  // it describes the base until rewritten below
    try writeFiles(dataPath, work, have: have, restoring: delta.target, recordStats: false, into: &summary)
    // The leaf cache follows: the listing without the files removed, with the stats of the
    // files written, cut again (the target's leaves say where its runs must end).
    var written: [String: FileStat] = [:]
    for e in work {
      guard let st = FileStat.of(absolute(cacheKey(dataPath, e.path))) else { return }
      written[e.path] = st
    }
    let gone = Set(removed.map { $0.0 })
    var paths: [String] = []
    var stats: [FileStat] = []
    paths.reserveCapacity(delta.listing.paths.count + written.count)
    stats.reserveCapacity(delta.listing.paths.count + written.count)
    let fresh = written.keys.filter { delta.listing.index(of: $0) == nil }.sorted { Manifest.bytesLess($0, $1) }
    var k = 0
    for (i, p) in delta.listing.paths.enumerated() {
      while k < fresh.count, Manifest.bytesLess(fresh[k], p) {
        paths.append(fresh[k])
        stats.append(written[fresh[k]]!)
        k += 1
      }
      if gone.contains(p) { continue }
      paths.append(p)
      stats.append(written[p] ?? delta.listing.stats[i])
    }
    for p in fresh[k...] {
      paths.append(p)
      stats.append(written[p]!)
    }
    // Files git owns stay as they were and are not the target's: no cache then.
    guard paths.count == delta.target.files else { return }
    var listing = TreeListing(sortedPaths: paths, stats: stats)
    let leaves = try TreeReader(store: store).leafChildren(delta.target.oid)
    saveLeafCache(dataPath, root: delta.target.oid, leaves: leaves, listing: &listing)
  }

  /// Removes the now empty directories between a removed file and the tracked directory.
  func removeEmptyParents(of inner: String, in dataPath: String) {
    var dir = Substring(inner)
    while let slash = dir.lastIndex(of: "/") {
      dir = dir[..<slash]
      guard rmdir(absolute(cacheKey(dataPath, String(dir)))) == 0 else { return }
    }
  }

  /// The listing of `dataPath` when it is exactly the tree `pointer` (by the leaf cache,
  /// else the stat cache's summary, `summaryCheck`), or nil.
  func listingIfUnchanged(_ dataPath: String, _ pointer: Pointer) throws -> [(path: String, stat: FileStat)]? {
    switch try treeState(dataPath, pointer) {
    case .unchanged(let listing)?: return listing.files()
    case .changed(let scan)? where scan.isClean: return Array(zip(scan.listing.paths, scan.listing.stats))  // touched only
    case .changed?: return nil
    case nil: break
    }
    let check = try summaryCheck(dataPath, pointer)
    return check.unchanged ? check.listing?.files() : nil
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
