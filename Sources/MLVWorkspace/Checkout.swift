import Dispatch
import Foundation
import MLVGit
import MLVStore
import MLVSystem

#if canImport(Glibc)
  import Glibc
#endif

public struct CheckoutSummary: Sendable {
  public var commit: GitOID?
  public var filesWritten = 0
  public var bytesWritten: Int64 = 0
  public var filesRemoved = 0
  public var filesUnchanged = 0
  /// Tracked paths whose data was removed because no pointer names them any more.
  public var pathsRemoved: [String] = []

  public init() {}
}

extension Workspace {
  /// `mlv checkout [REV] [-- PATHS]`.
  ///
  /// With a revision and no paths: git checks out code, params and pointers (refusing to
  /// overwrite uncommitted code, like git), then the data of every pointer is restored.
  /// With paths: only those pointers are taken from REV (HEAD does not move). Without a
  /// revision: data is restored to match the current pointers.
  ///
  /// Safety rule: a workspace file is only overwritten or removed when its current content
  /// is in the store (so nothing is lost); otherwise the checkout refuses and names the
  /// files, unless `force`. Only files whose content differs are written.
  public func checkout(revision: String?, paths: [String], force: Bool) throws -> CheckoutSummary {
    var summary = CheckoutSummary()
    let commit = try revision.map { try git.resolveCommit($0) }
    // A path inside a tracked directory restores only that file or sub-directory, from
    // the revision's pointer or the current one; no pointer is written and HEAD stays.
    let (whole, inner) = try splitSelections(paths, at: commit)
    for sel in inner {
      let s = try restoreSelection(sel, force: force, recordParts: commit == nil)
      summary.filesWritten += s.filesWritten
      summary.bytesWritten = Sizes.saturating(summary.bytesWritten, s.bytesWritten)
      summary.filesUnchanged += s.filesUnchanged
    }
    if !paths.isEmpty && whole.isEmpty { return summary }
    let before = try trackedPaths()
    let checkedOut = loadCheckedOut()
    var records: [String: CheckedOutState.Entry?] = [:]
    var targets: [String: Pointer] = [:]
    var validated: [Pointer: [Manifest.Entry]] = [:]  // what validation read, for the restore
    var deltas: [String: TreeDelta] = [:]  // directories restored by their tree's difference
    if let commit, !whole.isEmpty {
      for p in try trackedPaths(at: commit) where matches(p, whole) {
        if let ptr = try readPointer(p, at: commit) { targets[p] = ptr }
      }
      guard !targets.isEmpty else { throw WorkspaceError.notTracked(whole.joined(separator: ", ")) }
      for (p, ptr) in targets { validated[ptr] = try validateTarget(p, ptr) }
      if !force { try ensureRecoverable(Array(targets.keys)) }
      for (p, ptr) in targets {
        try FS.atomicWrite(ptr.encode(), to: absolute(Pointer.pointerPath(forData: p)))
      }
      try git.stage(targets.keys.map { Pointer.pointerPath(forData: $0) }.sorted())
    } else {
      // Data at paths tracked before *or* by the target may be overwritten or removed, and
      // so may data still checked out for a path no pointer names any more (after a plain
      // `git checkout` of a revision that does not track it).
      let target = try commit.map { try trackedPaths(at: $0) } ?? []
      deltas = try treeDeltas(at: commit, paths: whole, checkedOut: checkedOut)
      validated = try validateCheckout(at: commit, paths: whole, force: force, deltas: deltas)
      let affected = Set(before + target).filter { matches($0, whole) }.sorted()
      if !force { try ensureRecoverable(affected, deltas: deltas) }
      if let rev = revision { summary.commit = try git.checkout(rev, force: force) }
      let now = try trackedPaths()
      for p in now where matches(p, whole) {
        if let ptr = try readPointer(p) { targets[p] = ptr }
      }
      // Data of a path no pointer names any more goes only when its content is in the
      // store; otherwise it stays (and is no longer mlv's), with a warning.
      for p in Set(before + checkedOut.entries.keys).sorted() where targets[p] == nil && !now.contains(p) && matches(p, whole) {
        records[p] = .some(nil)
        if !force, let lost = try? unrecoverableFiles(p), !lost.isEmpty {
          progress.warn("left \(p) in place: no pointer names it any more, and \(Wording.files(lost)) not in the store")
          continue
        }
        summary.filesRemoved += try removeData(p)
        summary.pathsRemoved.append(p)
      }
    }
    for (p, ptr) in targets.sorted(by: { $0.key < $1.key }) {
      if let d = deltas[p], d.target == ptr {
        try restore(p, d, into: &summary)
      } else {
        try restore(p, ptr, into: &summary, validated: validated)
      }
      records[p] = CheckedOutState.Entry(pointer: ptr, parts: nil)
    }
    statCache.save()
    try recordCheckedOut(records)
    return summary
  }

  /// Restores the data of every pointer that changed since its data was last checked out
  /// (the git hooks' restore, docs/git.md): cheap when nothing changed — one comparison
  /// per tracked path, no scan of the data. Never throws for one path: a path that cannot
  /// be restored (changed data that is not in the store, a missing object, an unresolved
  /// merge) is returned with the reason, and the others are restored.
  public func restoreOutOfDate() throws -> (summary: CheckoutSummary, skipped: [(path: String, reason: String)]) {
    var summary = CheckoutSummary()
    var skipped: [(String, String)] = []
    let checkedOut = loadCheckedOut()
    var records: [String: CheckedOutState.Entry?] = [:]
    let tracked = try trackedPaths()
    for p in tracked {
      do {
        guard let content = try readPointerFile(p) else { continue }
        guard case .pointer(let ptr) = content else {
          skipped.append((p, "its pointer has an unresolved merge"))
          continue
        }
        if checkedOut.entries[p]?.pointer == ptr { continue }
        if let d = try treeDelta(p, to: ptr, checkedOut: checkedOut.entries[p]) {
          try validateDelta(p, d)
          let lost = try unrecoverableFiles(p, d)
          if !lost.isEmpty { throw WorkspaceError.uncommittedChanges(lost.sorted()) }
          try restore(p, d, into: &summary)
        } else {
          try validateTarget(p, ptr)
          try ensureRecoverable([p])
          try restore(p, ptr, into: &summary)
        }
        records[p] = CheckedOutState.Entry(pointer: ptr, parts: nil)
      } catch {
        skipped.append((p, "\(error)"))
      }
    }
    let now = Set(tracked)
    for p in checkedOut.entries.keys where !now.contains(p) {
      records[p] = .some(nil)
      do {
        let lost = try unrecoverableFiles(p)
        guard lost.isEmpty else {
          skipped.append((p, "no pointer names it any more, and \(Wording.files(lost)) not in the store; left in place"))
          continue
        }
        summary.filesRemoved += try removeData(p)
        summary.pathsRemoved.append(p)
      } catch {
        skipped.append((p, "\(error)"))
      }
    }
    statCache.save()
    try recordCheckedOut(records)
    return (summary, skipped)
  }

  /// Whether any tracked pointer differs from what its data was last checked out as (or
  /// data is still checked out for a path no pointer names): the git hooks' fast path, one
  /// read of each pointer file and no scan of the data.
  public func hasOutOfDatePointers() throws -> Bool {
    let checkedOut = loadCheckedOut()
    let tracked = try trackedPaths()
    if Set(checkedOut.entries.keys).subtracting(tracked).isEmpty == false { return true }
    for p in tracked {
      guard case .pointer(let ptr)? = try? readPointerFile(p) else { continue }
      if checkedOut.entries[p]?.pointer != ptr { return true }
    }
    return false
  }

  /// The pointers `restoreOutOfDate` would restore (for fetching their objects first).
  public func outOfDateSelections() throws -> [DataSelection] {
    let checkedOut = loadCheckedOut()
    return try trackedPaths().compactMap { p in
      guard case .pointer(let ptr)? = try? readPointerFile(p), checkedOut.entries[p]?.pointer != ptr else { return nil }
      return DataSelection(dataPath: p, pointer: ptr)
    }
  }

  /// The tree deltas (`TreeDelta`) of the directories a checkout of `commit` (or of the
  /// current pointers) restores: only where git will put the commit's pointer in place,
  /// that is where the workspace pointer is HEAD's.
  func treeDeltas(at commit: GitOID?, paths: [String], checkedOut: CheckedOutState) throws -> [String: TreeDelta] {
    var out: [String: TreeDelta] = [:]
    let head = commit == nil ? nil : try git.head()
    for p in try commit.map({ try trackedPaths(at: $0) }) ?? trackedPaths() where matches(p, paths) {
      guard let record = checkedOut.entries[p] else { continue }
      let target: Pointer?
      if let commit {
        guard let head, let local = try? readPointer(p), try readPointer(p, at: head) == local else { continue }
        target = try readPointer(p, at: commit)
      } else {
        target = try? readPointer(p)
      }
      guard let target, let d = try treeDelta(p, to: target, checkedOut: record) else { continue }
      out[p] = d
    }
    return out
  }

  /// Splits checkout paths into whole tracked paths (or directories holding them) and
  /// selections inside a tracked directory.
  func splitSelections(_ paths: [String], at commit: GitOID?) throws -> (whole: [String], inner: [DataSelection]) {
    guard !paths.isEmpty else { return ([], []) }
    let tracked = try commit.map { try trackedPaths(at: $0) } ?? trackedPaths()
    var whole: [String] = []
    var inner: [DataSelection] = []
    for f in paths {
      if let owner = tracked.first(where: { f.hasPrefix($0 + "/") }) {
        guard let ptr = try commit.map({ try readPointer(owner, at: $0) }) ?? readPointer(owner), ptr.kind == .dir else {
          throw WorkspaceError.notTracked(f)
        }
        inner.append(DataSelection(dataPath: owner, pointer: ptr, inner: String(f.dropFirst(owner.count + 1))))
      } else {
        whole.append(f)
      }
    }
    return (whole, inner)
  }

  /// Throws `uncommittedChanges` naming every file under `paths` whose content is not in
  /// the store.
  func ensureRecoverable(_ paths: [String], deltas: [String: TreeDelta] = [:]) throws {
    let lost = try paths.flatMap { p in try deltas[p].map { try unrecoverableFiles(p, $0) } ?? unrecoverableFiles(p) }
    if !lost.isEmpty { throw WorkspaceError.uncommittedChanges(lost.sorted()) }
  }

  /// Files of the data at `path` whose content is not in the store (and not git's).
  func unrecoverableFiles(_ path: String) throws -> [String] {
    guard let scanned = try scan(path, storeObjects: false, label: "checking \(path)") else { return [] }
    let gitOwned = try gitTrackedFiles(in: path)
    return scanned.files.compactMap { inner, value in
      value.id != .empty && !store.contains(value.id) && !gitOwned.contains(inner) ? cacheKey(path, inner) : nil
    }
  }

  /// Makes the workspace data of `dataPath` equal to `pointer`.
  func restore(
    _ dataPath: String, _ pointer: Pointer, into summary: inout CheckoutSummary, validated: [Pointer: [Manifest.Entry]] = [:]
  ) throws {
    // Into no data, a tree is restored leaf by leaf (FreshRestore.swift); validation then
    // kept no entries for it.
    if validated[pointer] == nil, restoresFresh(dataPath, pointer) {
      return try restoreFresh(dataPath, pointer, into: &summary)
    }
    let entries: [Manifest.Entry]
    do { entries = try validated[pointer] ?? self.entries(of: pointer) } catch let e as StoreError {
      throw WorkspaceError.missingData(path: dataPath, underlying: e)
    }
    // The files written here go to the stat cache, not the leaf cache: a leaf cache left
    // naming this tree with the old files' stats would make the next status hash them all.
    LeafCache.remove(stateDir, dataPath)
    let current = try scan(dataPath, storeObjects: false, label: "checking \(dataPath)")
    if let current, current.kind != pointer.kind {
      summary.filesRemoved += try removeData(dataPath)
      return try restore(dataPath, pointer, into: &summary, validated: validated)
    }
    try RepoPath.checkNoSymlinks(dataPath, root: root, includingLeaf: true)
    try RepoPath.prepareParents(of: dataPath, root: root)
    // The restore marker goes down before the directory is made: a kill between the two
    // would leave an empty directory that `status` reads as every file deleted.
    let making = pointer.kind == .dir && current == nil
    if making { try CheckoutJournal(self).recordRestore(dataPath, pointer) }
    if making, mkdir(absolute(dataPath), 0o755) != 0, errno != EEXIST {
      throw IOError(path: absolute(dataPath), operation: .createDirectory, errno: errno)
    }
    let have = current?.files ?? [:]
    // Files git tracks here (a teammate's `git add -f`) belong to git: never touched.
    let gitOwned = try gitTrackedFiles(in: dataPath)
    var work: [Manifest.Entry] = []
    for e in entries {
      if gitOwned.contains(e.path) {
        warnGitOwned(dataPath, e.path, alsoInManifest: true)
      } else if let (st, id) = have[e.path], id == e.oid, st.executable == e.executable || pointer.kind == .file {
        summary.filesUnchanged += 1
      } else {
        work.append(e)
      }
    }
    let wanted = Set(entries.map(\.path))
    for extra in have.keys where !wanted.contains(extra) {
      if gitOwned.contains(extra) {
        warnGitOwned(dataPath, extra, alsoInManifest: false)
        continue
      }
      unlink(absolute(cacheKey(dataPath, extra)))
      summary.filesRemoved += 1
    }
    if pointer.kind == .dir { removeEmptyDirectories(absolute(dataPath), keepRoot: true) }
    try writeFiles(dataPath, work, have: have, restoring: making ? nil : pointer, into: &summary)
    if making { CheckoutJournal(self).clearRestore(dataPath) }
  }

  /// Writes `work` (files of `dataPath`) on both cores; `have` is what the workspace holds
  /// at those paths now, for patching large files in place. `recordStats: false` leaves the
  /// stat cache alone (the caller records the files' stats in the leaf cache instead).
  func writeFiles(
    _ dataPath: String, _ work: [Manifest.Entry], have: [String: (stat: FileStat, id: ObjectID)],
    restoring: Pointer?, recordStats: Bool = true, into summary: inout CheckoutSummary
  ) throws {
    let total = try Sizes.sum(work.lazy.map(\.size), Pointer.pointerPath(forData: dataPath))
    guard !work.isEmpty else { return }
    // Files whose path is free are written in place, without a temporary file and a
    // rename; the marker lets the next command finish a restore killed midway.
    let direct = work.contains { have[$0.path] == nil }
    if direct, let pointer = restoring { try CheckoutJournal(self).recordRestore(dataPath, pointer) }
    progress.begin("restoring \(dataPath)", totalBytes: total)
    defer { progress.end() }
    let restorer = Restorer(store: store, tmpDir: tmpDir)
    let sink = progress
    let errors = ErrorBox()
    let next = Counter()
    let bytes = ByteCounter()
    // File creation waits in the kernel (directory locks, inode allocation) more than it
    // computes: four lanes keep both cores busy where two left them half idle. Each lane
    // takes a run of files of one directory at a time: lanes creating files in the same
    // directory queue on its lock, which made a 100,000-file restore 3x slower than tar.
    let lanes = min(work.count, Self.restoreLanes)
    let items = work
    let runs = Self.directoryRuns(items.map(\.path), longest: Self.restoreRunLength)
    DispatchQueue.concurrentPerform(iterations: lanes) { _ in
      while !errors.isSet, let r = next.take(below: runs.count) {
        for k in runs[r] where !errors.isSet {
          let e = items[k]
          let rel = cacheKey(dataPath, e.path)
          do {
            // One directory: its parents are checked and made once, for its first file.
            if k == runs[r].lowerBound { try RepoPath.prepareParents(of: rel, root: root) }
            let n = try restoreFile(
              rel, e, previous: have[e.path], restorer: restorer, recordStats: recordStats, parentsReady: true, sink: sink)
            bytes.add(n)
          } catch let s as StoreError {
            errors.set(WorkspaceError.missingData(path: rel, underlying: s))
          } catch { errors.set(error) }
        }
      }
    }
    if let e = errors.error { throw e }
    if direct { CheckoutJournal(self).clearRestore(dataPath) }
    summary.filesWritten += work.count
    summary.bytesWritten = Sizes.saturating(summary.bytesWritten, bytes.value)
  }

  /// Writes one file; large files whose chunks mostly line up with the current content are
  /// patched in place under the checkout journal, everything else is replaced atomically.
  func restoreFile(
    _ rel: String, _ e: Manifest.Entry, previous: (stat: FileStat, id: ObjectID)?, restorer: Restorer,
    recordStats: Bool = true, parentsReady: Bool = false, sink: ProgressSink
  ) throws -> Int64 {
    if !parentsReady { try RepoPath.prepareParents(of: rel, root: root) }
    let abs = absolute(rel)
    var written = e.size
    if let prev = previous, e.size > Int64(Ingester.smallFileLimit), prev.id != .empty, store.contains(prev.id) {
      let old = try store.chunks(ofFile: prev.id, size: prev.stat.size)
      let new = try store.chunks(ofFile: e.oid, size: e.size)
      let plan = Restorer.PatchPlan(current: old, target: new)
      if plan.cost <= e.size / 2 {
        try CheckoutJournal(self).record(rel, e)
        written = try restorer.patch(path: abs, target: new, plan: plan) { sink.advance($0) }
        CheckoutJournal(self).clear(rel)
        if e.executable != prev.stat.executable { chmod(abs, e.executable ? 0o755 : 0o644) }
      } else {
        // Chunks moved (e.g. an insertion): build a new file from the current one's
        // chunks plus the store's, then swap it in atomically.
        written = try restorer.restore(
          id: e.oid, size: e.size, to: abs, executable: e.executable, reusing: old,
          unchanged: { FileStat.of(abs) == prev.stat }
        ) { sink.advance($0) }
      }
      if recordStats, let st = FileStat.of(abs) { statCache.record(rel, st, e.oid) }
      return written
    }
    if previous == nil {
      // The new file's own fstat, taken as it was written: no second lookup by path.
      let made = try restorer.restoreInPlace(id: e.oid, size: e.size, to: abs, executable: e.executable) { sink.advance($0) }
      if recordStats, let st = made.map({ FileStat($0) }) ?? FileStat.of(abs) { statCache.record(rel, st, e.oid) }
      return written
    }
    try restorer.restore(id: e.oid, size: e.size, to: abs, executable: e.executable) { sink.advance($0) }
    if recordStats, let st = FileStat.of(abs) { statCache.record(rel, st, e.oid) }
    return written
  }

  static let restoreLanes = 4
  /// At most this many files of one directory go to one lane at a time, so a flat
  /// directory of 100,000 files is still spread over the lanes.
  static let restoreRunLength = 256

  /// Ranges of `paths` (in order) whose files share a parent directory, none longer than
  /// `longest`.
  static func directoryRuns(_ paths: [String], longest: Int) -> [Range<Int>] {
    var runs: [Range<Int>] = []
    var start = 0
    var parent: Substring? = nil
    for (k, p) in paths.enumerated() {
      let dir = p.lastIndex(of: "/").map { p[..<$0] } ?? ""
      if k > start && (dir != parent || k - start >= longest) {
        runs.append(start..<k)
        start = k
      }
      parent = dir
    }
    if start < paths.count { runs.append(start..<paths.count) }
    return runs
  }

  /// Deletes the workspace data of a tracked path (its content is in the store).
  func removeData(_ dataPath: String) throws -> Int {
    try RepoPath.checkNoSymlinks(dataPath, root: root, includingLeaf: true)
    guard let scanned = try scan(dataPath, storeObjects: false) else { return 0 }
    let gitOwned = try gitTrackedFiles(in: dataPath)
    var removed = 0
    for inner in scanned.files.keys {
      if gitOwned.contains(inner) {
        warnGitOwned(dataPath, inner, alsoInManifest: false)
      } else {
        unlink(absolute(cacheKey(dataPath, inner)))
        removed += 1
      }
    }
    if scanned.kind == .dir { removeEmptyDirectories(absolute(dataPath), keepRoot: false) }
    statCache.forget(prefix: dataPath)
    LeafCache.remove(stateDir, dataPath)
    return removed
  }

  /// Removes empty directories below `dir` (and `dir` itself unless `keepRoot`).
  func removeEmptyDirectories(_ dir: String, keepRoot: Bool) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
    for name in names {
      let sub = dir + "/" + name
      var st = stat()
      if lstat(sub, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { removeEmptyDirectories(sub, keepRoot: false) }
    }
    if !keepRoot { rmdir(dir) }
  }
}

final class ByteCounter: @unchecked Sendable {
  private var total: Int64 = 0
  private let lock = NSLock()
  func add(_ n: Int64) { lock.withLock { total = Sizes.saturating(total, n) } }
  var value: Int64 { lock.withLock { total } }
}
