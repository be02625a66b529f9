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

  /// Re-reads every file of a version from the store, checking each chunk and each file
  /// against their ids, streamed out of the packs (FileDigests: nothing is written).
  public func checkBytes(_ v: ModelVersion) throws -> (files: Int, bytes: Int64) {
    let (path, pointer, _) = try pointer(of: v)
    let entries = try ws.entries(of: pointer)
    _ = try digests(entries, path: path)
    let bytes = entries.reduce(Int64(0)) { $0.addingReportingOverflow($1.size).overflow ? Int64.max : $0 + $1.size }
    return (entries.count, bytes)
  }

  /// A version signed before attestations: the format-1 statement is rebuilt from the tag's
  /// commit as it is now (a tag moved to another commit changes `commit:` and the signature
  /// no longer covers it), then every byte is checked. Returns the signer.
  func verifyStatement(_ v: ModelVersion, record: VersionRecord, allowedSigners: String) throws
    -> (signer: String, files: Int, bytes: Int64)
  {
    let tag = "\(v.name)@\(v.version)"
    guard let signature = record.signature else { throw RegistryError.notSigned(tag: tag) }
    var unsigned = record
    unsigned.signature = nil
    let statement = Statement(name: v.name, version: v.version, commit: v.commit, record: unsigned)
    let signer = try Signing.verify(
      Array(statement.text.utf8), signature: signature, allowedSigners: allowedSigners, tag: tag, tmpDir: ws.tmpDir)
    let (files, bytes) = try checkBytes(v)
    return (signer, files, bytes)
  }
}
