import Dispatch
import Foundation
import MLVStore
import MLVSystem

#if canImport(Glibc)
  import Glibc
#endif

/// Restore of a directory tree where the workspace holds no data (the directory is absent or
/// empty: a fresh clone's `mlv pull`, `rm -rf data && mlv checkout`), leaf by leaf.
///
/// Nothing is there to compare with, keep or remove, so the listing is never needed whole:
/// validation walks the tree once checking every leaf (`validateTreeStreaming`), and the
/// restore reads the leaves again in batches as its lanes need them (`LeafFeed`), writing
/// each file straight to its free path. The stats of the files written go to the leaf cache
/// of the tree (as a checkout by tree difference does), not to the stat cache, whose file
/// table for a million files cost ~185 MB to hold: memory is a batch of entries plus 33
/// bytes per file of stats, where the full listing, a scan, a work list, a path set and the
/// stat cache held 753 MB at a million files.
extension Workspace {
  /// Whether `dataPath` holds no data: absent, or an empty directory.
  func holdsNoData(_ dataPath: String) -> Bool {
    let abs = absolute(dataPath)
    var st = stat()
    guard lstat(abs, &st) == 0 else { return errno == ENOENT }
    guard st.st_mode & S_IFMT == S_IFDIR, let dir = opendir(abs) else { return false }
    defer { closedir(dir) }
    while let ent = readdir(dir) {
      let dots = withUnsafeBytes(of: ent.pointee.d_name) { name in
        name[0] == UInt8(ascii: ".") && (name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0))
      }
      if !dots { return false }
    }
    return true
  }

  /// Whether a restore of `pointer` at `dataPath` goes leaf by leaf (`restoreFresh`).
  func restoresFresh(_ dataPath: String, _ pointer: Pointer) -> Bool {
    pointer.kind == .dir && pointer.isTree && holdsNoData(dataPath)
  }

  /// `validateTarget` of a tree without keeping its entries: the same checks (structure,
  /// totals against the pointer, no path both a file and a directory, lengths, every object
  /// present with its size), one leaf at a time. An error in the entries of one leaf is
  /// reported after the walk, so a damaged tree is still named as such first.
  func validateTreeStreaming(_ dataPath: String, _ pointer: Pointer) throws {
    let pointerPath = Pointer.pointerPath(forData: dataPath)
    try RepoPath.checkLength(pointerPath, root: root, context: pointerPath)
    var nesting = NestingCheck(root: pointer.oid)
    var deferred: Error?
    let totals: (files: Int, bytes: Int64)
    do {
      totals = try TreeReader(store: store).forEachLeaf(pointer.oid) { _, entries in
        for e in entries { try nesting.add(e.path) }
        guard deferred == nil else { return }
        do { try validateEntries(dataPath, pointer, entries) } catch { deferred = error }
      }
    } catch let e as StoreError {
      throw WorkspaceError.missingData(path: dataPath, underlying: e)
    }
    guard totals.files == pointer.files, totals.bytes == pointer.size else {
      throw WorkspaceError.invalidManifest(pointer.oid.hex, reason: "does not match its pointer's size and file count")
    }
    if let deferred { throw deferred }
  }

  /// Writes the tree `pointer` into `dataPath`, which holds no data (`holdsNoData`), and
  /// records the files' stats in the leaf cache of the tree. Under the restore marker
  /// (docs/design.md, "Checkout"): a kill leaves the marker, and the next command restores
  /// the pointer again.
  func restoreFresh(_ dataPath: String, _ pointer: Pointer, into summary: inout CheckoutSummary) throws {
    try RepoPath.checkNoSymlinks(dataPath, root: root, includingLeaf: true)
    try RepoPath.prepareParents(of: dataPath, root: root)
    LeafCache.remove(stateDir, dataPath)
    let reader = TreeReader(store: store)
    let leaves: [TreeChild]
    do { leaves = try reader.leafChildren(pointer.oid) } catch let e as StoreError {
      throw WorkspaceError.missingData(path: dataPath, underlying: e)
    }
    // Where each leaf's stats start, counted from the nodes' lines (checked against each
    // leaf as it is read, and the sum against the pointer).
    var starts: [Int] = []
    starts.reserveCapacity(leaves.count)
    var files = 0
    for l in leaves {
      starts.append(files)
      let (sum, over) = files.addingReportingOverflow(l.files)
      guard !over, l.files >= 0 else { throw WorkspaceError.invalidManifest(pointer.oid.hex, reason: "file count overflows") }
      files = sum
    }
    let (statBytes, over) = files.multipliedReportingOverflow(by: LeafCache.statSize)
    guard files == pointer.files, !over else {
      throw WorkspaceError.invalidManifest(pointer.oid.hex, reason: "does not match its pointer's size and file count")
    }
    // The marker goes down before the directory is made: a kill between the two would
    // leave an empty directory that `status` reads as every file deleted.
    let journal = CheckoutJournal(self)
    try journal.recordRestore(dataPath, pointer)
    if mkdir(absolute(dataPath), 0o755) != 0, errno != EEXIST {
      throw IOError(path: absolute(dataPath), operation: .createDirectory, errno: errno)
    }
    // Files git tracks here (a teammate's `git add -f`) belong to git: never touched, and
    // then the data is not exactly the tree (no leaf cache).
    let gitOwned = try gitTrackedFiles(in: dataPath)
    var raw = [UInt8](repeating: 0, count: statBytes)
    let record = FreshRecord(leaves: leaves.count)
    progress.begin("restoring \(dataPath)", totalBytes: pointer.size)
    defer { progress.end() }
    try raw.withUnsafeMutableBytes { stats in
      try writeLeaves(dataPath, LeafFeed(reader: reader, leaves: leaves), starts: starts, gitOwned: gitOwned, stats: stats, record: record)
    }
    summary.filesWritten += record.written
    summary.bytesWritten = Sizes.saturating(summary.bytesWritten, record.bytes)
    if record.complete {
      var digests = record.digests
      try raw.withUnsafeMutableBytes { stats in
        try settleRacy(dataPath, reader: reader, leaves: leaves, starts: starts, newest: record.newest, stats: stats, digests: &digests)
      }
      let parts = leaves.indices.map { i -> LeafCache.Part in
        let from = starts[i] * LeafCache.statSize
        let leaf = LeafCache.Leaf(child: leaves[i], digest: digests[i], firstStat: starts[i])
        return .kept(leaf, stats: raw[from..<(from + leaves[i].files * LeafCache.statSize)])
      }
      LeafCache.write(stateDir, dataPath, root: pointer.oid, parts: parts, absolute: { self.absolute(self.cacheKey(dataPath, $0)) })
    }
    journal.clearRestore(dataPath)
  }

  /// The lanes of `restoreFresh` (as `writeFiles`: four, each taking a run of one
  /// directory's files at a time): each file is created at its path, and its stat (the
  /// written file's own fstat) goes to `stats` at its index in the tree.
  private func writeLeaves(
    _ dataPath: String, _ feed: LeafFeed, starts: [Int], gitOwned: Set<String>, stats: UnsafeMutableRawBufferPointer,
    record: FreshRecord
  ) throws {
    guard let base = stats.baseAddress.map(StatSlots.init) else { return }  // no files
    let restorer = Restorer(store: store, tmpDir: tmpDir)
    let sink = progress
    let errors = ErrorBox()
    DispatchQueue.concurrentPerform(iterations: Self.restoreLanes) { _ in
      while !errors.isSet {
        let item: LeafFeed.Item
        do {
          guard let next = try feed.take() else { return }
          item = next
        } catch let s as StoreError {
          return errors.set(WorkspaceError.missingData(path: dataPath, underlying: s))
        } catch { return errors.set(error) }
        var digest = StatCache.Digest(a: 0, b: 0)
        var newest = Int64.min
        var written = 0
        var bytes: Int64 = 0
        var complete = true
        for k in item.run where !errors.isSet {
          let e = item.entries[k]
          if !gitOwned.isEmpty, gitOwned.contains(e.path) {
            warnGitOwned(dataPath, e.path, alsoInManifest: true)
            complete = false
            continue
          }
          let rel = cacheKey(dataPath, e.path)
          let abs = absolute(rel)
          do {
            if k == item.run.lowerBound { try RepoPath.prepareParents(of: rel, root: root) }
            let made = try restorer.restoreInPlace(id: e.oid, size: e.size, to: abs, executable: e.executable) { sink.advance($0) }
            written += 1
            bytes = Sizes.saturating(bytes, e.size)
            guard let st = made.map({ FileStat($0) }) ?? FileStat.of(abs) else {
              complete = false
              continue
            }
            st.write(to: base.at(starts[item.leaf] + k))
            let (a, b) = StatCache.fileHash(e.path, st)
            digest.a &+= a
            digest.b &+= b
            newest = max(newest, st.mtimeNs)
          } catch let s as StoreError {
            errors.set(WorkspaceError.missingData(path: rel, underlying: s))
          } catch { errors.set(error) }
        }
        record.add(leaf: item.leaf, digest: digest, newest: newest, written: written, bytes: bytes, complete: complete)
      }
    }
    if let e = errors.error { throw e }
  }

  /// Files written in the current timestamp tick could change again without a new mtime
  /// ("racily clean", docs/design.md "Stat cache"): the tick is waited out once, those files
  /// are looked at again, and one that changed is recorded with a stat no file has. Only
  /// the leaves holding such files are read again (the last few written).
  private func settleRacy(
    _ dataPath: String, reader: TreeReader, leaves: [TreeChild], starts: [Int], newest: [Int64],
    stats: UnsafeMutableRawBufferPointer, digests: inout [StatCache.Digest]
  ) throws {
    guard let base = stats.baseAddress else { return }
    let now = FileStat.clockNs
    let racyFrom = now() - StatCache.racyWindowNs
    let racy = leaves.indices.filter { newest[$0] >= racyFrom }
    guard let latest = racy.map({ newest[$0] }).max() else { return }
    usleep(UInt32(max(0, min(latest + StatCache.racyWindowNs - now(), StatCache.racyWindowNs)) / 1000))
    for i in racy {
      guard case .leaf(let entries) = try reader.node(leaves[i].id), entries.count == leaves[i].files else {
        throw WorkspaceError.invalidManifest(leaves[i].id.hex, reason: "tree node: not the leaf its parent describes")
      }
      var d = StatCache.Digest(a: 0, b: 0)
      for (k, e) in entries.enumerated() {
        let at = base + (starts[i] + k) * LeafCache.statSize
        var st = FileStat(bytes: at)
        if st.mtimeNs >= racyFrom, FileStat.of(absolute(cacheKey(dataPath, e.path))) != st {
          st = LeafCache.unsettled
          st.write(to: at)
        }
        let (a, b) = StatCache.fileHash(e.path, st)
        d.a &+= a
        d.b &+= b
      }
      digests[i] = d
    }
  }
}

/// The stats buffer of `restoreFresh`, shared by its lanes: each writes only the slots of
/// the files it wrote, so no two touch the same bytes.
struct StatSlots: @unchecked Sendable {
  let base: UnsafeMutableRawPointer
  func at(_ file: Int) -> UnsafeMutableRawPointer { base + file * LeafCache.statSize }
}

/// Finds a path that is also a directory of another path in a sorted listing, one path at
/// a time. The paths inside `p/` follow `p` in byte order after only paths that start with
/// `p` too, so only the earlier paths that are prefixes of the current one are kept (a few,
/// however long the listing): `TreeReader.entries`' check without a set of every path.
struct NestingCheck {
  let root: ObjectID
  private var chain: [String] = []

  init(root: ObjectID) { self.root = root }

  mutating func add(_ path: String) throws {
    while let last = chain.last, !path.utf8.starts(with: last.utf8) { chain.removeLast() }
    for c in chain {
      let u = path.utf8
      let n = c.utf8.count
      guard u.count > n, u[u.index(u.startIndex, offsetBy: n)] == UInt8(ascii: "/") else { continue }
      throw WorkspaceError.invalidManifest(root.hex, reason: "\(c) is both a file and a directory")
    }
    chain.append(path)
  }
}

/// Hands the files of a tree to the restore lanes a run at a time (`Workspace.directoryRuns`
/// within each leaf), reading the leaves in batches of ~8,000 files as the lanes use them
/// up. The lane that finds the batch used up reads the next one while the others finish
/// their runs. Each leaf read is checked against what its parent's line says of it.
final class LeafFeed: @unchecked Sendable {
  struct Item {
    var leaf: Int
    var entries: [Manifest.Entry]
    var run: Range<Int>
  }

  static let batchFiles = 8192
  private let lock = NSLock()
  private let reader: TreeReader
  private let leaves: [TreeChild]
  private var nextLeaf = 0
  private var items: [Item] = []
  private var nextItem = 0

  init(reader: TreeReader, leaves: [TreeChild]) {
    self.reader = reader
    self.leaves = leaves
  }

  func take() throws -> Item? {
    lock.lock()
    defer { lock.unlock() }
    if nextItem == items.count {
      items.removeAll(keepingCapacity: true)
      nextItem = 0
      var files = 0
      while nextLeaf < leaves.count && files < Self.batchFiles {
        let child = leaves[nextLeaf]
        guard case .leaf(let entries) = try reader.node(child.id), entries.count == child.files,
          entries.first?.path == child.firstPath
        else {
          throw WorkspaceError.invalidManifest(child.id.hex, reason: "tree node: not the leaf its parent describes")
        }
        for r in Workspace.directoryRuns(entries.map(\.path), longest: Workspace.restoreRunLength) {
          items.append(Item(leaf: nextLeaf, entries: entries, run: r))
        }
        files += entries.count
        nextLeaf += 1
      }
    }
    guard nextItem < items.count else { return nil }
    defer { nextItem += 1 }
    return items[nextItem]
  }
}

/// What the lanes of `restoreFresh` found, per leaf (digest of its files' paths and stats,
/// newest mtime) and in all.
final class FreshRecord: @unchecked Sendable {
  private let lock = NSLock()
  private var _digests: [StatCache.Digest]
  private var _newest: [Int64]
  private var _written = 0
  private var _bytes: Int64 = 0
  private var _complete = true

  init(leaves: Int) {
    _digests = Array(repeating: StatCache.Digest(a: 0, b: 0), count: leaves)
    _newest = Array(repeating: Int64.min, count: leaves)
  }

  func add(leaf: Int, digest: StatCache.Digest, newest: Int64, written: Int, bytes: Int64, complete: Bool) {
    lock.withLock {
      _digests[leaf].a &+= digest.a
      _digests[leaf].b &+= digest.b
      _newest[leaf] = max(_newest[leaf], newest)
      _written += written
      _bytes = Sizes.saturating(_bytes, bytes)
      if !complete { _complete = false }
    }
  }

  var digests: [StatCache.Digest] { lock.withLock { _digests } }
  var newest: [Int64] { lock.withLock { _newest } }
  var written: Int { lock.withLock { _written } }
  var bytes: Int64 { lock.withLock { _bytes } }
  var complete: Bool { lock.withLock { _complete } }
}
