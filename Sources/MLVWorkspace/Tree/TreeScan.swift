import Foundation
import MLVStore
import MLVSystem

/// A tracked directory against the tree its leaf cache (`LeafCache`) holds, read one run of
/// files at a time: runs whose paths and stats still have the cached leaf's digest are that
/// leaf, untouched; only the files of the other runs are compared one by one (against the
/// entries and stats of the leaves they replaced), and only those whose stat changed are
/// hashed. After a one-file edit of a million files: one listing, one sort, one leaf read,
/// one file hashed, instead of a million stat cache lookups and a rebuilt tree.
struct TreeScan {
  var dataPath: String
  /// The tree the data was (the leaf cache's root, which is the pointer's).
  var base: ObjectID
  var listing: TreeListing
  /// Per run of `listing`: the cached leaf it still is (with its digest and where its
  /// recorded stats are), or nil.
  var reused: [LeafCache.Leaf?]
  /// Content ids of the files of changed runs, by listing index.
  var ids: [Int: ObjectID] = [:]
  /// The listing indices whose content must be hashed (not known from their old leaf).
  var hashed: [Int] = []
  /// The old entry at each path of a changed run that had one, by listing index.
  var before: [Int: Manifest.Entry] = [:]
  /// Whether the content of the `hashed` files went into the store (the scan of `add`, not
  /// of `status`).
  var stored = false
  var added: [String] = []
  var modified: [String] = []
  var deleted: [String] = []

  var isClean: Bool { added.isEmpty && modified.isEmpty && deleted.isEmpty }

  /// The files of changed runs as entries (sizes, ids and modes as they are now).
  var changedEntries: [Manifest.Entry] {
    reused.indices.filter { reused[$0] == nil }.flatMap { r in
      listing.runs[r].map { i in
        Manifest.Entry(path: listing.path(i), size: listing.stats[i].size, oid: ids[i]!, executable: listing.stats[i].executable)
      }
    }
  }
}

/// The leaves of a tree's cache that the runs of a scan still are: `saveLeafCache` copies
/// them into the next tree's cache.
struct LeafReuse {
  /// The tree of the cache the runs were matched against.
  var base: ObjectID
  /// Per run: the cached leaf it is, or nil.
  var leaves: [LeafCache.Leaf?]
}

/// What `Workspace.treeState` found.
enum TreeState {
  /// The data is exactly the tree its leaf cache holds: the cache, whose recorded stats are
  /// then the files' stats (the listing that told so is not kept: a million files' worth).
  case unchanged(LeafCache)
  case changed(TreeScan)
}

/// Scans `status` made that the `add` of the same `commit` may reuse (a second listing of
/// a million files would double the commit's cost). Only between `begin` and `end`, so a
/// later command of the same process always looks at the data again.
final class TreeScanMemo: @unchecked Sendable {
  private let lock = NSLock()
  private var active = false
  private var scans: [String: TreeScan] = [:]

  func begin() { lock.withLock { active = true } }
  func end() {
    lock.withLock {
      active = false
      scans = [:]
    }
  }
  func put(_ s: TreeScan) { lock.withLock { if active { scans[s.dataPath] = s } } }
  func get(_ dataPath: String, base: ObjectID) -> TreeScan? {
    lock.withLock { scans[dataPath].flatMap { $0.base == base ? $0 : nil } }
  }
  func take(_ dataPath: String, base: ObjectID) -> TreeScan? {
    lock.withLock {
      guard let s = scans[dataPath], s.base == base else { return nil }
      scans[dataPath] = nil
      return s
    }
  }
}

extension Workspace {
  /// The data of `dataPath` against `pointer`'s tree through the leaf cache, or nil when
  /// the cache does not hold that tree (or the data has links or special files, which the
  /// full scan reports): the callers then take the full path. `writer` stores the content
  /// of the files hashed (for `add`).
  func treeState(_ dataPath: String, _ pointer: Pointer, writer: ObjectWriter? = nil) throws -> TreeState? {
    guard pointer.kind == .dir, pointer.isTree, let cache = LeafCache.load(stateDir, dataPath), cache.root == pointer.oid,
      cache.files == pointer.files
    else { return nil }
    try RepoPath.checkNoSymlinks(dataPath, root: root, includingLeaf: true)
    var st = stat()
    guard lstat(absolute(dataPath), &st) == 0, st.st_mode & S_IFMT == S_IFDIR else { return nil }
    // Only this path, which runs on every `status` of unchanged data, keeps directory
    // listings: the others read the directories they are about to change.
    let listings = ListingCache(stateDir: stateDir, dataPath: dataPath)
    let walked = try DirectoryWalker(root: root, ignore: ignoreRules(), listings: listings).list(dataPath)
    listings.save()
    guard walked.skippedLinks.isEmpty, walked.skippedOther.isEmpty else { return nil }
    // The digest is a sum over files, made as they were listed: the unchanged case needs no
    // sorting and no path strings.
    if walked.count == cache.files, walked.digest == cache.digest {
      return .unchanged(cache)
    }
    var scan = TreeScan(dataPath: dataPath, base: cache.root, listing: TreeListing(walked), reused: [])
    try compareRuns(&scan, cache)
    try hashChanged(&scan, writer: writer)
    return .changed(scan)
  }

  /// Matches each run with the cached leaf starting at the same path, and compares the
  /// files of the runs that differ with the entries and stats of the leaves they replace.
  private func compareRuns(_ scan: inout TreeScan, _ cache: LeafCache) throws {
    let l = scan.listing
    var matched = [Bool](repeating: false, count: cache.leaves.count)
    var j = 0
    scan.reused = l.runs.map { r -> LeafCache.Leaf? in
      let first = l.path(r.lowerBound)
      while j < cache.leaves.count, Manifest.bytesLess(cache.leaves[j].child.firstPath, first) { j += 1 }
      guard j < cache.leaves.count, cache.leaves[j].child.firstPath == first, cache.leaves[j].child.files == r.count,
        cache.leaves[j].digest == l.digest(r)
      else { return nil }
      matched[j] = true
      return cache.leaves[j]
    }
    // A file of a changed run was in a leaf no run kept (a kept leaf holds exactly its run).
    var old: [String: (entry: Manifest.Entry, stat: FileStat)] = [:]
    let reader = TreeReader(store: store)
    for (k, leaf) in cache.leaves.enumerated() where !matched[k] {
      guard case .leaf(let entries) = try reader.node(leaf.child.id) else {
        throw WorkspaceError.invalidManifest(leaf.child.id.hex, reason: "tree node: a node where a leaf belongs")
      }
      let stats = cache.stats(ofLeaf: k).flatMap { $0.count == entries.count ? $0 : nil }
      for (n, e) in entries.enumerated() { old[e.path] = (e, stats?[n] ?? LeafCache.unsettled) }
    }
    var before: [Int: Manifest.Entry] = [:]
    for r in scan.reused.indices where scan.reused[r] == nil {
      for i in l.runs[r] {
        let (path, st) = (l.path(i), l.stats[i])
        let o = old.removeValue(forKey: path)
        if let o { before[i] = o.entry }
        if let o, o.stat == st, st != LeafCache.unsettled, st.size > 0 || o.entry.oid == .empty {
          scan.ids[i] = o.entry.oid
        } else if st.size == 0 {
          scan.ids[i] = .empty
        } else {
          scan.hashed.append(i)
        }
      }
    }
    scan.deleted = old.keys.sorted { Manifest.bytesLess($0, $1) }
    scan.before = before
  }

  /// Hashes the files `compareRuns` could not know (storing their content through `writer`
  /// when given), then sorts the changed runs' files into added and modified. A file whose
  /// stat changes while it is read is read again, as `ingestSettled` does, but nothing goes
  /// to the stat cache: these paths must not load its file table.
  func hashChanged(_ scan: inout TreeScan, writer: ObjectWriter?) throws {
    let w = writer ?? store.makeWriter()
    let ingester = Ingester(chunker: chunker, writer: w, store: writer != nil)
    for i in scan.hashed {
      let rel = cacheKey(scan.dataPath, scan.listing.path(i))
      var before = scan.listing.stats[i]
      var settled = false
      for _ in 0..<Self.readAttempts {
        let id = try ingester.ingest(path: absolute(rel)).id
        let after = FileStat.of(absolute(rel))
        scan.ids[i] = id
        if after == before || writer == nil {
          settled = after == before
          break
        }
        before = after ?? before
      }
      if !settled && writer != nil { throw WorkspaceError.changedWhileReading(rel) }
      // A file that moved under the read is recorded as unsettled: the next look hashes it again.
      scan.listing.stats[i] = settled ? before : LeafCache.unsettled
    }
    scan.stored = writer != nil
    scan.added = []
    scan.modified = []
    for r in scan.reused.indices where scan.reused[r] == nil {
      for i in scan.listing.runs[r] {
        if let o = scan.before[i] {
          if o.oid != scan.ids[i] || o.executable != scan.listing.stats[i].executable { scan.modified.append(scan.listing.path(i)) }
        } else {
          scan.added.append(scan.listing.path(i))
        }
      }
    }
  }

  /// The pointer of the scanned data, storing its new tree objects through `writer` (kept
  /// leaves are stored already, and so must be the content of the other files: `hashChanged`
  /// with a writer).
  func buildTree(_ scan: TreeScan, writer: ObjectWriter) throws -> (pointer: Pointer, leaves: [TreeChild]) {
    let builder = TreeBuilder(writer: writer)
    let l = scan.listing
    for (r, run) in l.runs.enumerated() {
      if let kept = scan.reused[r] {
        try builder.addLeaf(kept.child, lastPath: l.path(run.upperBound - 1))
      } else {
        for i in run {
          try builder.add(Manifest.Entry(path: l.path(i), size: l.stats[i].size, oid: scan.ids[i]!, executable: l.stats[i].executable))
        }
      }
    }
    let root = try builder.finish()
    return (Pointer(kind: .dir, oid: root, size: builder.bytes, files: builder.files), builder.leaves)
  }

  /// `add`'s share: the pointer of `dataPath`, whose current pointer is `current`, from the
  /// leaf cache (or from the scan `status` just made in the same `commit`), storing what is
  /// new through `writer`; nil when the leaf cache does not apply. `changed` are the entries
  /// of the runs that changed (the only ones `verifySizes` needs to check); `listing` and
  /// `leaves` are for `saveLeafCache` once the pointer is written.
  func treeAdd(_ dataPath: String, current: Pointer, writer: ObjectWriter) throws -> (
    pointer: Pointer, changed: [Manifest.Entry], leaves: [TreeChild], listing: TreeListing?, reusing: LeafReuse?
  )? {
    var scan: TreeScan
    if let memo = treeScans.take(dataPath, base: current.oid) {
      scan = memo
    } else {
      switch try treeState(dataPath, current, writer: writer) {
      case nil: return nil
      case .unchanged?: return (current, [], [], nil, nil)
      case .changed(let s)?: scan = s
      }
    }
    // Ids taken from the old leaves must name stored content, like the stat cache's hits.
    let hashed = Set(scan.hashed)
    let missing = scan.ids.filter { $0.value != .empty && !hashed.contains($0.key) && !store.contains($0.value) }.map(\.key)
    if !scan.stored || !missing.isEmpty {
      scan.hashed = (scan.stored ? [] : scan.hashed) + missing
      try hashChanged(&scan, writer: writer)
    }
    let (pointer, leaves) = try buildTree(scan, writer: writer)
    return (pointer, scan.changedEntries, leaves, scan.listing, LeafReuse(base: scan.base, leaves: scan.reused))
  }

  /// Writes the leaf cache of `dataPath` as tree `root`, when `leaves` are exactly the runs
  /// of `listing`; otherwise removes it (it would describe another tree). With `reusing`,
  /// runs that are leaves of the cache being replaced copy its digest and recorded stats
  /// (their files are as recorded: that is how they were matched), so a commit after a
  /// one-file edit hashes one leaf's paths, not a million.
  func saveLeafCache(_ dataPath: String, root: ObjectID, leaves: [TreeChild], listing: TreeListing, reusing: LeafReuse? = nil) {
    let runs = listing.runs
    guard leaves.count == runs.count,
      zip(leaves, runs).allSatisfy({ pair in pair.0.files == pair.1.count && pair.0.firstPath == listing.path(pair.1.lowerBound) })
    else { return LeafCache.remove(stateDir, dataPath) }
    // The cache the runs were matched against, if it is still there as it was.
    var old: (leaves: [ObjectID: LeafCache.Leaf], raw: [UInt8])?
    if let reusing, reusing.leaves.count == runs.count, let cache = LeafCache.load(stateDir, dataPath), cache.root == reusing.base,
      let raw = cache.rawStats()
    {
      old = (Dictionary(cache.leaves.map { ($0.child.id, $0) }, uniquingKeysWith: { a, _ in a }), raw)
    }
    var parts: [LeafCache.Part] = []
    parts.reserveCapacity(runs.count)
    for (r, run) in runs.enumerated() {
      if let old, let matched = reusing?.leaves[r], matched.child.id == leaves[r].id, let leaf = old.leaves[matched.child.id],
        leaf.digest == matched.digest, leaf.child.files == run.count
      {
        let from = leaf.firstStat * LeafCache.statSize
        let to = from + run.count * LeafCache.statSize
        if from >= 0, to <= old.raw.count {
          parts.append(.kept(leaf, stats: old.raw[from..<to]))
          continue
        }
      }
      parts.append(.run(leaves[r], listing, run))
    }
    LeafCache.write(stateDir, dataPath, root: root, parts: parts, absolute: { self.absolute(self.cacheKey(dataPath, $0)) })
  }

  /// The pointer of a directory with these entries (sorted), storing its tree through
  /// `writer`, and the tree's leaves (for the leaf cache).
  func directoryPointerAndLeaves(_ entries: [Manifest.Entry], writer: ObjectWriter) throws -> (Pointer, [TreeChild]) {
    let builder = TreeBuilder(writer: writer)
    for e in entries { try builder.add(e) }
    let root = try builder.finish()
    return (Pointer(kind: .dir, oid: root, size: builder.bytes, files: builder.files), builder.leaves)
  }
}
