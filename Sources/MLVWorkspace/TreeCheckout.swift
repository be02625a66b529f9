import Foundation
import MLVStore
import MLVSystem

/// Checkout of a directory tree by its difference from the tree the workspace holds.
///
/// When the data of a tracked directory is exactly the tree it was last checked out as
/// (told by one `lstat` per file and the stat cache's summary, `unchangedBySummary`), a
/// checkout to another tree needs only what `TreeDiff` finds between the two: the changed
/// files are validated, checked recoverable, written or removed, and the summary is moved
/// to the new tree by its digest's arithmetic. A one-file change of a million-file dataset
/// then costs one listing plus one leaf, not two million entries. Anything less certain
/// (partial restores, modified data, format 1 pointers) takes the full path.
struct TreeDelta {
  /// The tree the workspace holds, and the one wanted.
  var base: Pointer
  var target: Pointer
  /// The workspace's files with their stats (the listing the summary was checked against).
  var stats: [String: FileStat]
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
    var stats: [String: FileStat] = [:]
    stats.reserveCapacity(listing.count)
    for f in listing { stats[f.path] = f.stat }
    return TreeDelta(base: record.pointer, target: target, stats: stats, old: old, new: new)
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
  /// files that differ, then moves the directory's summary to the target tree.
  func restore(_ dataPath: String, _ delta: TreeDelta, into summary: inout CheckoutSummary) throws {
    try RepoPath.checkNoSymlinks(dataPath, root: root, includingLeaf: true)
    let gitOwned = try gitTrackedFiles(in: dataPath)
    let wanted = Set(delta.new.map(\.path))
    var removed: [(String, FileStat)] = []
    var have: [String: (stat: FileStat, id: ObjectID)] = [:]
    for e in delta.old {
      guard let st = delta.stats[e.path] else { continue }
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
    try writeFiles(dataPath, work, have: have, restoring: delta.target, into: &summary)
    // The summary follows by arithmetic: out go the stats of every file removed or
    // rewritten, in come those of the files written.
    var out = removed
    var added: [(String, FileStat)] = []
    for e in work {
      if let st = delta.stats[e.path] { out.append((e.path, st)) }
      guard let st = FileStat.of(absolute(cacheKey(dataPath, e.path))) else {
        statCache.forgetSummary(for: dataPath)
        return
      }
      added.append((e.path, st))
    }
    statCache.moveSummary(for: dataPath, from: delta.base.oid, to: delta.target.oid, removing: out, adding: added)
  }

  /// Removes the now empty directories between a removed file and the tracked directory.
  func removeEmptyParents(of inner: String, in dataPath: String) {
    var dir = Substring(inner)
    while let slash = dir.lastIndex(of: "/") {
      dir = dir[..<slash]
      guard rmdir(absolute(cacheKey(dataPath, String(dir)))) == 0 else { return }
    }
  }

  /// The listing of `dataPath` when it is exactly the tree `pointer` (see
  /// `unchangedBySummary`), or nil.
  func listingIfUnchanged(_ dataPath: String, _ pointer: Pointer) throws -> [(path: String, stat: FileStat)]? {
    let check = try summaryCheck(dataPath, pointer)
    return check.unchanged ? check.listing?.files : nil
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
      && statCache.manifestID(for: dataPath, listing: listing.files) == pointer.oid
    return (unchanged, listing)
  }
}
