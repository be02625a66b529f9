import Foundation
import MLVStore

/// A redo log for in-place patches (docs/design.md, "Checkout journal"). Before a large file
/// is patched in place, its path and target content are recorded durably; if the process
/// dies mid-patch, the next mlv command that takes the lock rewrites the file completely
/// from the store. Both versions are in the store, so no outcome loses data.
struct CheckoutJournal {
  let workspace: Workspace
  init(_ workspace: Workspace) { self.workspace = workspace }

  var path: String { workspace.stateDir + "/checkout-journal" }

  func record(_ rel: String, _ e: Manifest.Entry) throws {
    let line = "\(e.oid.hex) \(e.size) \(e.executable ? "x" : "f") \(rel)\n"
    try FS.atomicWrite(Array(line.utf8), to: path)
  }

  func clear() throws { FS.remove(path) }

  func pending() -> (rel: String, entry: Manifest.Entry)? {
    guard let bytes = try? FS.readAll(path) else { return nil }
    let text = String(decoding: bytes, as: UTF8.self)
    let f = text.dropLast().split(separator: " ", maxSplits: 3)
    guard f.count == 4, let oid = ObjectID(hex: f[0]), let size = Int64(f[1]),
      (try? RepoPath.validate(String(f[3]), context: path)) != nil
    else { return nil }
    return (String(f[3]), Manifest.Entry(path: String(f[3]), size: size, oid: oid, executable: f[2] == "x"))
  }
}

extension Workspace {
  func recoverInterruptedCheckout() throws {
    let journal = CheckoutJournal(self)
    guard FS.exists(journal.path) else { return }
    if let (rel, e) = journal.pending() {
      progress.warn("finishing an interrupted checkout of \(rel)")
      try RepoPath.prepareParents(of: rel, root: root)
      try Restorer(store: store, tmpDir: tmpDir).restore(id: e.oid, size: e.size, to: absolute(rel), executable: e.executable)
      statCache.forget(prefix: rel)
    }
    try journal.clear()
  }
}
