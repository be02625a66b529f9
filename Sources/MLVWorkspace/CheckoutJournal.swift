import Foundation
import MLVStore
import MLVSystem

/// A redo log for in-place patches (docs/design.md, "Checkout"). Before a large file is
/// patched in place, its path and target content are recorded durably, one journal file per
/// workspace file (two lanes may patch two files at once); if the process dies mid-patch, the
/// next mlv command that takes the lock rewrites each journaled file completely from the
/// store. Both versions are in the store, so no outcome loses data.
struct CheckoutJournal {
  let workspace: Workspace
  init(_ workspace: Workspace) { self.workspace = workspace }

  var directory: String { workspace.stateDir + "/journal" }

  func path(for rel: String) -> String { directory + "/" + ObjectID.hash(Array(rel.utf8)).hex }

  func record(_ rel: String, _ e: Manifest.Entry) throws {
    try FS.makeDirectories(directory)
    let line = "\(e.oid.hex) \(e.size) \(e.executable ? "x" : "f") \(rel)\n"
    try FS.atomicWrite(Array(line.utf8), to: path(for: rel))
  }

  func clear(_ rel: String) { FS.remove(path(for: rel)) }

  /// Files written straight to their absent paths (no temporary file and rename) are
  /// covered by one marker per directory restore: `restore-<sha256 of the data path>`
  /// holding the pointer being restored. A killed restore can leave one such file short;
  /// the next command that takes the lock finishes the restore of that pointer.
  func restoreMarker(for dataPath: String) -> String {
    directory + "/restore-" + ObjectID.hash(Array(dataPath.utf8)).hex
  }

  func recordRestore(_ dataPath: String, _ pointer: Pointer) throws {
    try FS.makeDirectories(directory)
    let line = "\(pointer.kindToken) \(pointer.oid.hex) \(pointer.size) \(pointer.files) \(dataPath)\n"
    try FS.atomicWrite(Array(line.utf8), to: restoreMarker(for: dataPath))
  }

  func clearRestore(_ dataPath: String) { FS.remove(restoreMarker(for: dataPath)) }

  /// Every interrupted directory restore: (marker, data path, pointer).
  func pendingRestores() -> [(file: String, dataPath: String, pointer: Pointer?)] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.filter { $0.hasPrefix("restore-") }.sorted().map { name in
      let file = directory + "/" + name
      guard let bytes = try? FS.readAll(file), bytes.last == 10 else { return (file, name, nil) }
      let f = String(decoding: bytes.dropLast(), as: UTF8.self).split(separator: " ", maxSplits: 4)
      guard f.count == 5, let (kind, tree) = Pointer.kind(fromToken: f[0]), let oid = ObjectID(hex: f[1]),
        let size = Int64(f[2]), let files = Int(f[3]), (try? RepoPath.validate(String(f[4]), context: file)) != nil
      else { return (file, name, nil) }
      return (file, String(f[4]), Pointer(kind: kind, oid: oid, size: size, files: files, isTree: tree))
    }
  }

  /// Every interrupted patch: (journal file, path, target).
  func pending() -> [(file: String, rel: String, entry: Manifest.Entry?)] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.filter { !$0.hasPrefix("restore-") }.sorted().map { name in
      let file = directory + "/" + name
      guard let bytes = try? FS.readAll(file), bytes.last == 10 else { return (file, name, nil) }
      let f = String(decoding: bytes.dropLast(), as: UTF8.self).split(separator: " ", maxSplits: 3)
      guard f.count == 4, let oid = ObjectID(hex: f[0]), let size = Int64(f[1]),
        (try? RepoPath.validate(String(f[3]), context: file)) != nil
      else { return (file, name, nil) }
      return (file, String(f[3]), Manifest.Entry(path: String(f[3]), size: size, oid: oid, executable: f[2] == "x"))
    }
  }
}

extension Workspace {
  func recoverInterruptedCheckout() throws {
    let journal = CheckoutJournal(self)
    for (file, rel, entry) in journal.pending() {
      if let e = entry {
        progress.warn("finishing an interrupted checkout of \(rel)")
        try RepoPath.prepareParents(of: rel, root: root)
        try Restorer(store: store, tmpDir: tmpDir).restore(id: e.oid, size: e.size, to: absolute(rel), executable: e.executable)
        statCache.forget(prefix: rel)
      } else {
        progress.warn("ignoring an unreadable checkout journal entry \(file)")
      }
      FS.remove(file)
    }
    for (file, dataPath, pointer) in journal.pendingRestores() {
      guard let pointer else {
        progress.warn("ignoring an unreadable checkout journal entry \(file)")
        FS.remove(file)
        continue
      }
      // Every file there is the old data (checked recoverable before the restore began),
      // the new data, or a new file cut short: restoring the pointer again completes it.
      progress.warn("finishing an interrupted checkout of \(dataPath)")
      var summary = CheckoutSummary()
      try restore(dataPath, pointer, into: &summary)
      try recordCheckedOut([dataPath: CheckedOutState.Entry(pointer: pointer, parts: nil)])
      statCache.save()
      FS.remove(file)
    }
  }
}
