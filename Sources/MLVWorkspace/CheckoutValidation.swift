import MLVGit
import MLVStore

extension Workspace {
  /// Checks everything a checkout will need before it changes anything (HEAD, pointers or
  /// data), so a hostile or incomplete commit is refused whole instead of leaving HEAD moved
  /// and data half written: every pointer parses (`readPointer` validates its path), every
  /// manifest is in the store and parses (paths, sizes and their sum), its totals match the
  /// pointer, every path fits the filesystem's limits under this root, and every file's
  /// object is in the store with the size the pointer or manifest gives. Chunks inside
  /// file lists are checked when restored; reading every file list here would cost one
  /// read per large file.
  ///
  /// `paths` filters like `checkout`'s. Costs one index lookup per file and a decode per
  /// manifest (the decode is repeated by the restore: ~2 ms per 20,000-file manifest).
  func validateCheckout(at commit: GitOID?, paths: [String], force: Bool) throws {
    var pointers: [(String, Pointer)] = []
    var replaced = Set<String>()
    if let commit {
      for p in try trackedPaths(at: commit) where matches(p, paths) {
        if let ptr = try readPointer(p, at: commit) { pointers.append((p, ptr)) }
        // A forced git checkout writes the commit's pointer over a local one, so a
        // damaged local pointer there must not block the checkout that repairs it.
        if force { replaced.insert(p) }
      }
    }
    // Without a revision these are the targets; with one, git keeps a pointer that has
    // local changes (or refuses), so those are targets too.
    let head = commit == nil ? nil : try git.head()
    for p in try trackedPaths() where matches(p, paths) && !replaced.contains(p) {
      guard let ptr = try readPointer(p) else { continue }
      // A pointer equal to HEAD's is replaced by the revision's: only a locally changed
      // one survives a checkout of a revision and must be restorable.
      if let head, try readPointer(p, at: head) == ptr, try trackedPaths(at: commit!).contains(p) { continue }
      pointers.append((p, ptr))
    }
    var checked = Set<String>()
    for (p, ptr) in pointers where checked.insert("\(p)\n\(ptr.oid.hex)").inserted {
      try validateTarget(p, ptr)
    }
  }

  func validateTarget(_ dataPath: String, _ pointer: Pointer) throws {
    let pointerPath = Pointer.pointerPath(forData: dataPath)
    try RepoPath.checkLength(pointerPath, root: root, context: pointerPath)
    let entries: [Manifest.Entry]
    do { entries = try self.entries(of: pointer) } catch let e as StoreError {
      throw WorkspaceError.missingData(path: dataPath, underlying: e)
    }
    for e in entries {
      let rel = cacheKey(dataPath, e.path)
      try RepoPath.checkLength(rel, root: root, context: pointerPath)
      guard e.size > 0 else { continue }
      guard let info = store.info(e.oid) else {
        throw WorkspaceError.missingData(path: rel, underlying: .missingObject(e.oid))
      }
      let problem: String
      switch info.type {
      case .fileList: continue
      case .chunk where Int64(info.rawLength) == e.size: continue
      case .chunk: problem = "its object \(e.oid.hex.prefix(12)) holds \(info.rawLength) bytes, not \(e.size)"
      case .manifest: problem = "its object \(e.oid.hex.prefix(12)) is a manifest, not file content"
      }
      if pointer.kind == .file { throw WorkspaceError.invalidPointer(file: pointerPath, reason: problem) }
      throw WorkspaceError.invalidManifest(pointer.oid.hex, reason: "\(e.path): \(problem)")
    }
  }
}

extension Workspace {
  /// Files git's index tracks at `dataPath` or inside it, as paths inside it ("" for the
  /// path itself). `mlv add` refuses such a directory, but a teammate's `git add -f
  /// data/README.md` puts one there; checkout must never delete or overwrite it (git would
  /// then report it deleted or modified, and its only copy may be in git).
  func gitTrackedFiles(in dataPath: String) throws -> Set<String> {
    var out = Set<String>()
    if try git.isTracked(dataPath) { out.insert("") }
    for p in try git.indexFiles(withPrefix: dataPath + "/") { out.insert(String(p.dropFirst(dataPath.count + 1))) }
    return out
  }

  func warnGitOwned(_ dataPath: String, _ inner: String, alsoInManifest: Bool) {
    let rel = cacheKey(dataPath, inner)
    let why = alsoInManifest ? "git and \(Pointer.pointerPath(forData: dataPath)) both track it; git's copy is kept" : "git tracks it"
    progress.warn(
      "leaving \(rel) alone: \(why) inside the mlv-tracked \(dataPath) (move it out, or run "
        + "`git rm --cached \(rel)` and `mlv add \(dataPath)` to hand it to mlv)")
  }
}
