import Foundation
import MLVStore
import MLVSystem
import MLVWorkspace

extension Registry {
  /// Writes the files of a version to `out` (created if needed): a directory artifact's
  /// files under `out`, a file artifact as `out/<its name>`. Every byte is verified against
  /// its SHA-256 id as it is restored (Restorer), so a file is either exact or not written.
  /// Entry paths were validated when the tree was read; symlinks under `out` are refused so
  /// nothing is written outside it. The objects must be local (the command fetches first).
  public func export(_ v: ModelVersion, to out: String) throws -> (files: Int, bytes: Int64) {
    let (path, pointer, _) = try pointer(of: v)
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    let restorer = Restorer(store: ws.store, tmpDir: out)
    var bytes: Int64 = 0
    let entries = try ws.entries(of: pointer)
    for e in entries {
      let rel = e.path.isEmpty ? String(path.split(separator: "/").last ?? "model") : e.path
      try RepoPath.validate(rel, context: "\(v.name)@\(v.version): \(rel)")
      try RepoPath.checkNoSymlinks(rel, root: out, includingLeaf: true)
      try RepoPath.prepareParents(of: rel, root: out)
      do {
        try restorer.restore(id: e.oid, size: e.size, to: out + "/" + rel, executable: e.executable)
      } catch let error as StoreError {
        throw WorkspaceError.missingData(path: "\(path)/\(e.path)", underlying: error)
      }
      bytes = bytes.addingReportingOverflow(e.size).overflow ? Int64.max : bytes + e.size
    }
    return (entries.count, bytes)
  }

  /// Re-reads every file of a version from the store, checking each chunk and the file
  /// against their SHA-256 ids (the bytes go to a scratch file that is removed).
  public func checkBytes(_ v: ModelVersion) throws -> (files: Int, bytes: Int64) {
    let (path, pointer, _) = try pointer(of: v)
    let restorer = Restorer(store: ws.store, tmpDir: ws.tmpDir)
    let scratch = FS.temporaryPath(in: ws.tmpDir, prefix: "verify")
    defer { FS.remove(scratch) }
    var bytes: Int64 = 0
    let entries = try ws.entries(of: pointer)
    for e in entries {
      do {
        try restorer.restore(id: e.oid, size: e.size, to: scratch, executable: false)
      } catch let error as StoreError {
        throw RegistryError.digestMismatch(path: e.path.isEmpty ? path : "\(path)/\(e.path)", detail: "\(error)")
      }
      bytes = bytes.addingReportingOverflow(e.size).overflow ? Int64.max : bytes + e.size
    }
    return (entries.count, bytes)
  }

  /// Checks the signature of `name@version` against `allowedSigners`, the record against
  /// the tagged commit, and every byte against the store. Returns the signer.
  public func verify(_ v: ModelVersion, allowedSigners: String) throws -> (signer: String, files: Int, bytes: Int64) {
    let tag = "\(v.name)@\(v.version)"
    let (_, _, record) = try pointer(of: v)
    guard let signature = record.signature else { throw RegistryError.notSigned(tag: tag) }
    var unsigned = record
    unsigned.signature = nil
    // The statement is rebuilt from the tag's commit as it is now: a tag moved to another
    // commit changes `commit:` and the signature no longer covers it.
    let statement = Statement(name: v.name, version: v.version, commit: v.commit, record: unsigned)
    let signer = try Signing.verify(
      statement.text, signature: signature, allowedSigners: allowedSigners, tag: tag, tmpDir: ws.tmpDir)
    let (files, bytes) = try checkBytes(v)
    return (signer, files, bytes)
  }
}
