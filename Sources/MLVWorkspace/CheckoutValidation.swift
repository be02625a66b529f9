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
  /// `paths` filters like `checkout`'s. The restore reuses the checked entries (returned by
  /// pointer), so the manifest is decoded once as before; what validation adds is one index
  /// lookup per file, ~3% of the CPU of a 20,000-file checkout (perf, bench `images`).
  @discardableResult
  func validateCheckout(
    at commit: GitOID?, paths: [String], force: Bool, deltas: [String: TreeDelta] = [:]
  ) throws -> [Pointer: [Manifest.Entry]] {
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
    // Without a revision these are the targets. With one, git replaces (or removes) a
    // pointer that is as HEAD has it, and keeps one with local changes (or refuses): only
    // those are targets too.
    let head = commit == nil ? nil : try git.head()
    for p in try trackedPaths() where matches(p, paths) && !replaced.contains(p) {
      guard let ptr = try readPointer(p) else { continue }
      if let head, try readPointer(p, at: head) == ptr { continue }
      pointers.append((p, ptr))
    }
    var checked = Set<String>()
    var validated: [Pointer: [Manifest.Entry]] = [:]
    for (p, ptr) in pointers where checked.insert("\(p)\n\(ptr.oid.hex)").inserted {
      if let d = deltas[p], d.target == ptr {
        try validateDelta(p, d)
        continue
      }
      validated[ptr] = try validateTarget(p, ptr)
    }
    return validated
  }

  /// Validates one target (see `validateCheckout`) and returns its entries, or nil for a
  /// tree that will be restored into no data (`restoresFresh`): that one is validated leaf
  /// by leaf and restored so, and a million entries are never held.
  @discardableResult
  func validateTarget(_ dataPath: String, _ pointer: Pointer) throws -> [Manifest.Entry]? {
    if restoresFresh(dataPath, pointer) {
      try validateTreeStreaming(dataPath, pointer)
      return nil
    }
    let pointerPath = Pointer.pointerPath(forData: dataPath)
    try RepoPath.checkLength(pointerPath, root: root, context: pointerPath)
    let entries: [Manifest.Entry]
    do { entries = try self.entries(of: pointer) } catch let e as StoreError {
      throw WorkspaceError.missingData(path: dataPath, underlying: e)
    }
    try validateEntries(dataPath, pointer, entries)
    return entries
  }

  /// The per-file part of `validateTarget`: lengths under this root, and objects in the
  /// store with the sizes the entries give.
  func validateEntries(_ dataPath: String, _ pointer: Pointer, _ entries: [Manifest.Entry]) throws {
    let pointerPath = Pointer.pointerPath(forData: dataPath)
    // root/dataPath/inner, counted without building 20,000 strings.
    let base = root.utf8.count + 1 + dataPath.utf8.count + 1
    for e in entries {
      if base + e.path.utf8.count > RepoPath.maxPathBytes + (e.path.isEmpty ? 1 : 0) {
        try RepoPath.checkLength(cacheKey(dataPath, e.path), root: root, context: pointerPath)
      }
      guard e.size > 0 else { continue }
      guard let info = store.info(e.oid) else {
        throw WorkspaceError.missingData(path: cacheKey(dataPath, e.path), underlying: .missingObject(e.oid))
      }
      let problem: String
      switch info.type {
      case .fileList: continue
      case .chunk where Int64(info.rawLength) == e.size: continue
      case .chunk: problem = "its object \(e.oid.hex.prefix(12)) holds \(info.rawLength) bytes, not \(e.size)"
      case .manifest, .tree: problem = "its object \(e.oid.hex.prefix(12)) is a \(info.type), not file content"
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
