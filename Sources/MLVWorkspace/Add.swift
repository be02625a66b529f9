import Foundation
import MLVStore
import MLVSystem

/// What `mlv add` did for one path.
public struct AddResult: Sendable {
  public var path: String
  public var pointer: Pointer
  public var changed: Bool
  public var skippedLinks: [String]
}

extension Workspace {
  /// Before the first objects of the current format are written into a format 1
  /// repository: `.mlv/config` says format 2 (and is staged, to be committed with the
  /// pointers), so an older mlv refuses the repository rather than misreading it.
  func upgradeFormatForWriting() throws {
    guard config.format < RepoConfig.currentFormat else { return }
    var upgraded = config
    upgraded.format = RepoConfig.currentFormat
    try upgraded.save(configPath)
    try git.stage([".mlv/config"])
    config = upgraded
    progress.warn(
      "upgraded .mlv/config to format \(RepoConfig.currentFormat) (directory trees, zstd packs); commit it — "
        + "mlv before this version cannot read the repository any more")
  }

  /// Chunks and stores `dataPaths` (repository-relative), writes their pointer files,
  /// git-ignores the data and stages pointers and `.gitignore` files.
  ///
  /// Order matters for crash safety: all objects (chunks, file lists, manifests) are made
  /// durable by one `flush` before any pointer is written, so a pointer never refers to an
  /// object that is not in the store (docs/design.md, "Write ordering").
  ///
  /// Only data the user changed is recorded: a path whose pointer git changed under data
  /// that was not checked out again (`notCheckedOut`, `diverged`) is refused by name unless
  /// `force`, and so is an unresolved merge of a pointer. A directory restored only in
  /// part keeps the entries of the files that were never checked out.
  public func add(_ dataPaths: [String], force: Bool = false) throws -> (results: [AddResult], newBytes: Int64, storedBytes: Int64) {
    let tracked = try trackedPaths()
    for p in dataPaths { try checkAddable(p, tracked: tracked) }
    try upgradeFormatForWriting()
    let checkedOut = loadCheckedOut()
    var stale: [String] = []
    var keep: [String: (parts: Set<String>, entries: [Manifest.Entry])] = [:]
    for p in dataPaths where tracked.contains(p) {
      var learned: [String: CheckedOutState.Entry?] = [:]
      let s: DataStatus
      do { s = try status(of: p, checkedOut: checkedOut.entries[p], learned: &learned) } catch let e as WorkspaceError {
        if case .mergeConflict = e, force { continue }
        throw e
      }
      switch s.state {
      case .conflict where !force:
        throw WorkspaceError.mergeConflict(pointer: Pointer.pointerPath(forData: p), conflicts: s.conflicts)
      case .notCheckedOut where !force, .diverged where !force: stale.append(p)
      default: break
      }
      // Files of a partly restored directory that were never checked out stay as they are.
      if let record = checkedOut.entries[p], let parts = record.parts, record.pointer == s.pointer, let ptr = s.pointer,
        ptr.kind == .dir
      {
        let never = try entries(of: ptr).filter { !Self.covers(parts, $0.path) }
        keep[p] = (parts, never)
      }
    }
    if !stale.isEmpty { throw WorkspaceError.notCheckedOut(stale) }
    let writer = store.makeWriter()
    var prepared: [(String, Pointer, [String], AddedFiles)] = []
    // Leaf caches to write once the pointers are (TreeScan.swift).
    var leafCaches: [(path: String, root: ObjectID, leaves: [TreeChild], listing: TreeListing, reusing: LeafReuse?)] = []
    for p in dataPaths {
      // Data checked out whole as a tree the leaf cache holds: only the changed runs of
      // files are looked at (TreeScan.swift).
      if keep[p] == nil, let current = try? readPointer(p), let fast = try treeAdd(p, current: current, writer: writer) {
        prepared.append((p, fast.pointer, [], .entries(fast.changed)))
        if let listing = fast.listing { leafCaches.append((p, fast.pointer.oid, fast.leaves, listing, fast.reusing)) }
        continue
      }
      // A directory added whole: listed, hashed and built in tree order (AddDirectory.swift).
      if keep[p] == nil, let added = try addDirectory(p, writer: writer) {
        warnSkipped(p, links: added.skippedLinks, other: added.skippedOther)
        // So the first `status` after `add` + `git commit` need not rebuild the tree.
        statCache.recordManifestID(added.pointer.oid, for: p, listing: added.listing)
        leafCaches.append((p, added.pointer.oid, added.leaves, added.listing, nil))
        prepared.append((p, added.pointer, added.skippedLinks, .checked))
        continue
      }
      guard let scanned = try scan(p, storeObjects: true, writer: writer, label: "adding \(p)") else {
        throw WorkspaceError.noSuchPath(p)
      }
      warnSkipped(p, links: scanned.skippedLinks, other: scanned.skippedOther)
      let pointer: Pointer
      var entries = scanned.manifestEntries
      if let kept = keep[p], scanned.kind == .dir {
        let present = Set(entries.map(\.path))
        entries += kept.entries.filter { !present.contains($0.path) }
      }
      switch scanned.kind {
      case .file:
        let (st, id) = scanned.files[""]!
        pointer = Pointer(kind: .file, oid: id, size: st.size, files: 1)
      case .dir:
        // Sorted, as the tree needs them (paths are unique: one entry per listed file, plus
        // kept entries of other paths).
        entries = TreeListing.byteOrder(entries.map(\.path)).map { entries[$0] }
        let leaves: [TreeChild]
        (pointer, leaves) = try directoryPointerAndLeaves(entries, writer: writer)
        // So the first `status` after `add` + `git commit` need not rebuild the tree.
        if keep[p] == nil {
          statCache.recordManifestID(pointer.oid, for: p, files: scanned.files)
          let listing = TreeListing(sortedPaths: entries.map(\.path), stats: entries.map { scanned.files[$0.path]!.stat })
          leafCaches.append((p, pointer.oid, leaves, listing, nil))
        } else {
          LeafCache.remove(stateDir, p)
        }
      }
      prepared.append((p, pointer, scanned.skippedLinks, .entries(entries)))
    }
    try writer.flush()
    var previousPointers: [String: Pointer] = [:]
    // Entries kept from the pointer for files never checked out are not checked here: their
    // objects may live only on a remote, and they are the pointer's own, not measured.
    for (p, pointer, _, files) in prepared {
      previousPointers[p] = try? readPointer(p)
      let kept = Set(keep[p]?.entries.map(\.path) ?? [])
      if case .entries(let entries) = files, !kept.isEmpty {
        try verifySizes(p, .entries(entries.filter { !kept.contains($0.path) }), previous: previousPointers[p], new: pointer)
      } else {
        try verifySizes(p, files, previous: previousPointers[p], new: pointer)
      }
    }
    var results: [AddResult] = []
    var toStage: [String] = []
    var records: [String: CheckedOutState.Entry?] = [:]
    for (p, pointer, links, files) in prepared {
      let previous = previousPointers[p]
      let pointerPath = Pointer.pointerPath(forData: p)
      if previous != pointer { try FS.atomicWrite(pointer.encode(), to: absolute(pointerPath)) }
      toStage.append(pointerPath)
      if let ignoreFile = try GitIgnoreFile.ensureIgnored(p, root: root) { toStage.append(ignoreFile) }
      results.append(AddResult(path: p, pointer: pointer, changed: previous != pointer, skippedLinks: links))
      // The data is now this pointer's; a partial directory stays partial.
      var parts: Set<String>?
      if let kept = keep[p], case .entries(let entries) = files {
        parts = kept.parts.union(Set(entries.map(\.path)).subtracting(kept.entries.map(\.path)))
      }
      records[p] = CheckedOutState.Entry(pointer: pointer, parts: parts)
    }
    try git.stage(Array(Set(toStage)).sorted())
    try recordCheckedOut(records)
    for c in leafCaches { saveLeafCache(c.path, root: c.root, leaves: c.leaves, listing: c.listing, reusing: c.reusing) }
    statCache.save()
    let stats = writer.newBytes
    return (results, stats.raw, stats.stored)
  }

  /// The last line of defence against a lying stat cache (docs/design.md, "Stat cache"):
  /// every size about to be recorded must be the size of the object recorded with it.
  /// Nothing is new when the pointer is unchanged (the re-add of every `mlv commit`), so
  /// nothing is checked then. Otherwise each file costs an index lookup, plus a read of
  /// the file list of each file of more than one chunk (for the 20,000-file bench dataset,
  /// ~0.06 s of CPU; diffing against the previous manifest instead costs more, its decode).
  /// A directory added whole has its cache hits checked as they are taken instead
  /// (`addDirectory`), so nothing holds its ids until here.
  func verifySizes(_ dataPath: String, _ files: AddedFiles, previous: Pointer?, new: Pointer) throws {
    guard previous != new, case .entries(let entries) = files else { return }
    for e in entries where e.size > 0 {
      try checkRecordedSize(dataPath, { e.path }, size: e.size, oid: e.oid, info: store.info(e.oid))
    }
  }

  /// Throws unless `oid`, which the store's index describes as `info` (nil: not stored),
  /// holds `size` bytes. On a mismatch the file's cache entry is dropped, so running the
  /// command again hashes it afresh.
  func checkRecordedSize(
    _ dataPath: String, _ path: () -> String, size: Int64, oid: ObjectID, info: (type: ObjectType, rawLength: Int)?
  ) throws {
    var actual: Int64? = nil
    var matches = false
    if let info {
      switch info.type {
      case .chunk:
        actual = Int64(info.rawLength)
        matches = actual == size
      case .fileList: matches = (try? store.chunks(ofFile: oid, size: size)) != nil
      case .manifest, .tree: break
      }
    }
    guard !matches else { return }
    let rel = cacheKey(dataPath, path())
    statCache.forget(prefix: rel)
    statCache.forgetSummary(for: dataPath)
    statCache.save()
    throw WorkspaceError.sizeMismatch(path: rel, recorded: size, object: oid, actual: actual)
  }

  func warnSkipped(_ dataPath: String, links: [String], other: [String]) {
    for link in links {
      progress.warn("skipping symbolic link \(dataPath)/\(link) (mlv does not follow links)")
    }
    for name in other {
      progress.warn("skipping \(dataPath)/\(name) (not a regular file, or a name mlv cannot track: not UTF-8, control characters, or a name such as .GIT that some filesystems read as .git or .mlv)")
    }
  }

  func checkAddable(_ p: String, tracked: [String]) throws {
    guard !p.isEmpty else {
      throw WorkspaceError.forbiddenPath(".", reason: "cannot add the whole repository; add its data directories")
    }
    try RepoPath.validate(p, context: p)
    if p.hasSuffix(Pointer.suffix) {
      throw WorkspaceError.forbiddenPath(p, reason: "is a pointer file; add the data it describes")
    }
    if p == IgnoreRules.fileName || p.hasSuffix("/.gitignore") || p == ".gitignore" {
      throw WorkspaceError.forbiddenPath(p, reason: "is a control file that belongs in git")
    }
    for t in tracked where p.hasPrefix(t + "/") { throw WorkspaceError.insideTrackedDirectory(p, tracked: t) }
    if let inner = tracked.first(where: { $0.hasPrefix(p + "/") }) {
      throw WorkspaceError.forbiddenPath(p, reason: "contains the tracked path \(inner); add a directory that does not overlap")
    }
    if try git.readIndexFile(p) != nil {
      throw WorkspaceError.forbiddenPath(p, reason: "is tracked by git; run `git rm --cached \(p)` first")
    }
    if try git.indexFiles(withPrefix: p + "/").first(where: { !$0.hasSuffix(Pointer.suffix) }) != nil {
      throw WorkspaceError.forbiddenPath(p, reason: "contains files tracked by git; run `git rm -r --cached \(p)` first")
    }
  }
}

/// The files an add records for one path, checked against the store before any pointer
/// is written (`verifySizes`).
enum AddedFiles {
  case entries([Manifest.Entry])
  /// A directory added whole, each file checked as its id was taken (`addDirectory`).
  case checked
}

/// Keeps tracked data out of git: `/name` in the `.gitignore` beside it, as DVC does, so the
/// rule travels with the directory and reads naturally.
enum GitIgnoreFile {
  /// Adds the rule if missing; returns the `.gitignore` path (repository-relative) when it
  /// was changed.
  static func ensureIgnored(_ dataPath: String, root: String) throws -> String? {
    let parts = dataPath.split(separator: "/")
    let dir = parts.dropLast().joined(separator: "/")
    let name = String(parts.last!)
    let rel = dir.isEmpty ? ".gitignore" : dir + "/.gitignore"
    let abs = root + "/" + rel
    let rule = "/" + escape(name)
    var text = (try? FS.readAll(abs)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    if text.split(separator: "\n").contains(where: { $0 == rule }) { return nil }
    if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
    text += rule + "\n"
    try FS.atomicWrite(Array(text.utf8), to: abs)
    return rel
  }

  /// Removes the rule `ensureIgnored` wrote (and the .gitignore when nothing else is left in
  /// it); returns the `.gitignore` path when it was changed.
  static func removeIgnore(_ dataPath: String, root: String) throws -> String? {
    let parts = dataPath.split(separator: "/")
    let dir = parts.dropLast().joined(separator: "/")
    let rel = dir.isEmpty ? ".gitignore" : dir + "/.gitignore"
    let abs = root + "/" + rel
    let rule = "/" + escape(String(parts.last ?? ""))
    guard let bytes = try? FS.readAll(abs) else { return nil }
    let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    let kept = lines.filter { $0 != Substring(rule) }
    guard kept.count != lines.count else { return nil }
    let text = kept.joined(separator: "\n")
    if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
      FS.remove(abs)
    } else {
      try FS.atomicWrite(Array(text.utf8), to: abs)
    }
    return rel
  }

  /// Escapes glob characters and a leading `#` or `!` so the rule matches the name literally.
  static func escape(_ name: String) -> String {
    var out = ""
    for (i, c) in name.enumerated() {
      if "*?[\\".contains(c) || (i == 0 && (c == "#" || c == "!")) { out.append("\\") }
      out.append(c)
    }
    if out.hasSuffix(" ") { out = String(out.dropLast()) + "\\ " }
    return out
  }
}
