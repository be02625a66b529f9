import Foundation
import MLVGit
import MLVStore
import MLVWorkspace

extension Registry {
  /// How the signed lineage compared with the repository's run records.
  public enum LineageCheck: Equatable, Sendable {
    case matches
    /// The runs it names are not in this repository (runs travel with `mlv exp push`,
    /// not with tags): nothing to compare against, which is said, not failed.
    case notChecked(String)
  }

  public struct Verified {
    public var signer: String
    public var files: Int
    public var bytes: Int64
    public var lineage: LineageCheck
    /// False for a version signed before attestations (a statement of the root id only).
    public var attested: Bool
  }

  /// The subject name of a file of the artifact at `path`: repository-relative.
  static func subjectName(_ path: String, _ rel: String) -> String { rel.isEmpty ? path : path + "/" + rel }

  /// Hashes every file, signs the in-toto statement and tags it (Attestation.swift);
  /// returns the attestation tree for the version's record. The objects must be local.
  func attest(
    name: String, version: String, commit: GitOID, pointer: Pointer, record: VersionRecord, lineage: [String: Any],
    key: String
  ) throws -> (tree: GitOID, tag: String) {
    let tag = Attestation.tagName(name: name, version: version)
    guard GitRepository.isValidTagName(tag) else { throw RegistryError.invalidName(name) }
    if try ws.git.tag(tag) != nil { throw RegistryError.attestationExists(tag: tag) }
    let entries = try ws.entries(of: pointer)
    let digests = try digests(entries, path: record.path)
    let subjects = zip(entries, digests).map { Attestation.Subject(name: Self.subjectName(record.path, $0.path), sha256: $1) }
      .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    let statement = try Attestation.statement(
      subjects: subjects, version: attestedVersion(name, version, commit, record), lineage: lineage)
    let signature = try Signing.sign(statement, key: key, tmpDir: ws.tmpDir)
    let tree = try ws.git.writeFlatTree([
      (Attestation.statementFile, statement), (Attestation.signatureFile, Array(signature.utf8)),
    ])
    try ws.git.createTag(tag, object: tree, message: "Attestation of \(name)@\(version): in-toto Statement, SSH-signed\n")
    return (tree, tag)
  }

  func attestedVersion(_ name: String, _ version: String, _ commit: GitOID, _ r: VersionRecord) -> Attestation.Version {
    Attestation.Version(
      name: name, version: version, commit: commit.hex, path: r.path, kind: r.kind, oid: r.oid, size: r.size, files: r.files)
  }

  /// Every file's SHA-256 out of the store; a file the store cannot give back exactly is
  /// `digestMismatch` naming it (exit 4).
  func digests(_ entries: [Manifest.Entry], path: String, chunks: FileDigests.ChunkCheck = .eachChunk) throws -> [String] {
    do { return try FileDigests.sha256(entries, store: ws.store, chunks: chunks) } catch let f as FileDigests.Failure {
      throw RegistryError.digestMismatch(path: Self.subjectName(path, f.path), detail: "\(f.underlying)")
    }
  }

  /// Checks `name@version` against `allowedSigners`: the attestation tag against the
  /// version's record, the signature with ssh-keygen, the signed version against the tag's
  /// commit and pointer (a moved or doctored tag fails), the subjects against the files,
  /// every file's SHA-256 against its subject, and last the lineage with `lineage`.
  public func verify(
    _ v: ModelVersion, allowedSigners: String, lineage check: ([String: Any]) throws -> LineageCheck
  ) throws -> Verified {
    let tag = "\(v.name)@\(v.version)"
    let (path, pointer, record) = try pointer(of: v)
    guard let treeHex = record.attestation else {
      guard record.signature != nil else { throw RegistryError.notSigned(tag: tag) }
      let (signer, files, bytes) = try verifyStatement(v, record: record, allowedSigners: allowedSigners)
      return Verified(signer: signer, files: files, bytes: bytes, lineage: .notChecked("signed before attestations"), attested: false)
    }
    let attTag = Attestation.tagName(name: v.name, version: v.version)
    guard let tree = try ws.git.taggedTree(attTag) else {
      throw RegistryError.rewrittenTag(tag: tag, reason: "its attestation tag \(attTag) is missing or leads to no tree")
    }
    guard tree.hex == treeHex else {
      throw RegistryError.rewrittenTag(tag: tag, reason: "\(attTag) leads to tree \(tree.short), the version's record names \(treeHex.prefix(7))")
    }
    guard let statement = try ws.git.readFile(Attestation.statementFile, inTree: tree),
      let signature = try ws.git.readFile(Attestation.signatureFile, inTree: tree)
    else { throw RegistryError.badAttestation(tag: tag, reason: "\(attTag) lacks \(Attestation.statementFile) or its .sig") }
    let signer = try Signing.verify(
      statement, signature: String(decoding: signature, as: UTF8.self), allowedSigners: allowedSigners, tag: tag,
      tmpDir: ws.tmpDir)
    let parsed = try Attestation.parse(statement, tag: tag)
    let now = attestedVersion(v.name, v.version, v.commit, record)
    if parsed.version != now {
      let why =
        parsed.version.commit != now.commit
        ? "it points at commit \(v.commit.short), the signed statement names \(parsed.version.commit.prefix(7))"
        : parsed.version.name != now.name || parsed.version.version != now.version
          ? "the signed statement is for \(parsed.version.name)@\(parsed.version.version)"
          : "the pointer of \(path) there is \(now.oid.prefix(12)), the signed statement names \(parsed.version.oid.prefix(12))"
      throw RegistryError.rewrittenTag(tag: tag, reason: why)
    }
    let entries = try ws.entries(of: pointer)
    let names = entries.map { Self.subjectName(path, $0.path) }
    var signed: [String: String] = [:]
    for s in parsed.subjects { signed[s.name] = s.sha256 }
    guard signed.count == parsed.subjects.count, signed.count == names.count, names.allSatisfy({ signed[$0] != nil }) else {
      throw RegistryError.badAttestation(tag: tag, reason: "its subjects are not the files of \(path)")
    }
    // Every digest is compared with its signed subject just below, which checks every byte:
    // the chunks need not be hashed one by one as well.
    let digests = try digests(entries, path: path, chunks: .trustWholeFileDigest)
    for (n, d) in zip(names, digests) where signed[n] != d {
      throw RegistryError.digestMismatch(path: n, detail: "SHA-256 \(d.prefix(16)), signed \((signed[n] ?? "").prefix(16))")
    }
    let bytes = entries.reduce(Int64(0)) { $0.addingReportingOverflow($1.size).overflow ? Int64.max : $0 + $1.size }
    return Verified(signer: signer, files: entries.count, bytes: bytes, lineage: try check(parsed.lineage), attested: true)
  }
}
