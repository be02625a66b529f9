import MLVGit

/// What mlv writes into the message of a version tag, after GTO's one-line summary:
///
///     Registering artifact churn version v1.2.0
///
///     mlv-model: 1
///     path: models/churn
///     kind: dir
///     oid: <64 hex>           the pointer's oid (file id, or root tree / manifest id)
///     size: 680123456
///     files: 3
///     run: <run id>           optional: the run whose outputs include this pointer
///     attestation: <40 hex>   optional (--sign): the tree of the signed in-toto statement,
///                             under tag mlv-attestation/NAME/vX.Y.Z (Attestation.swift)
///
/// Versions signed by mlv before attestations carry an SSHSIG block here instead (over
/// `Statement`, Signing.swift); it is still read and verified, never written.
///
/// The record is a convenience for `show`; everything that matters is re-derived from the
/// tagged commit (the pointer at `path` there) and checked against it, so a rewritten
/// message cannot point `get` or `verify` at other bytes.
public struct VersionRecord: Sendable, Equatable {
  public static let formatVersion = 1
  public var path: String
  public var kind: String
  public var oid: String
  public var size: Int64
  public var files: Int
  public var run: String?
  /// The armored SSH signature of a version signed before attestations (format-1 statement).
  public var signature: String?
  /// The git tree of the signed attestation (hex), when registered with --sign.
  public var attestation: String?

  public init(
    path: String, kind: String, oid: String, size: Int64, files: Int, run: String?, signature: String?,
    attestation: String? = nil
  ) {
    self.path = path
    self.kind = kind
    self.oid = oid
    self.size = size
    self.files = files
    self.run = run
    self.signature = signature
    self.attestation = attestation
  }

  /// Signed either way: an attestation, or a signature of the older statement.
  public var isSigned: Bool { attestation != nil || signature != nil }

  public static func summary(name: String, version: String) -> String {
    "Registering artifact \(name) version \(version)"
  }

  public func message(name: String, version: String) -> String {
    var text = Self.summary(name: name, version: version) + "\n\n"
    text += "mlv-model: \(Self.formatVersion)\npath: \(path)\nkind: \(kind)\noid: \(oid)\nsize: \(size)\nfiles: \(files)\n"
    if let run { text += "run: \(run)\n" }
    if let attestation { text += "attestation: \(attestation)\n" }
    if let signature { text += "\n" + signature + (signature.hasSuffix("\n") ? "" : "\n") }
    return text
  }

  /// nil for a tag without an `mlv-model:` block (registered by GTO or by hand); throws
  /// `RegistryError.badRecord` for a block mlv cannot read.
  public static func parse(message: String, tag: String) throws -> VersionRecord? {
    guard message.utf8.count <= 64 * 1024 else { throw RegistryError.badRecord(tag: tag, reason: "message larger than 64 KiB") }
    let lines = message.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let start = lines.firstIndex(where: { $0.hasPrefix("mlv-model: ") }) else { return nil }
    guard lines[start] == "mlv-model: \(formatVersion)" else {
      throw RegistryError.badRecord(tag: tag, reason: "unsupported \(lines[start])")
    }
    var fields: [String: String] = [:]
    var i = start + 1
    while i < lines.count, !lines[i].isEmpty {
      guard let colon = lines[i].range(of: ": ") else {
        throw RegistryError.badRecord(tag: tag, reason: "line '\(lines[i].prefix(80))' is not 'key: value'")
      }
      let key = String(lines[i][..<colon.lowerBound])
      guard fields[key] == nil else { throw RegistryError.badRecord(tag: tag, reason: "duplicate \(key)") }
      fields[key] = String(lines[i][colon.upperBound...])
      i += 1
    }
    func need(_ k: String) throws -> String {
      guard let v = fields[k] else { throw RegistryError.badRecord(tag: tag, reason: "missing \(k)") }
      return v
    }
    guard let size = Int64(try need("size")), size >= 0 else { throw RegistryError.badRecord(tag: tag, reason: "bad size") }
    guard let files = Int(try need("files")), files >= 0 else { throw RegistryError.badRecord(tag: tag, reason: "bad files") }
    var signature: String?
    if let b = lines.firstIndex(of: "-----BEGIN SSH SIGNATURE-----"),
      let e = lines[b...].firstIndex(of: "-----END SSH SIGNATURE-----")
    {
      signature = lines[b...e].joined(separator: "\n") + "\n"
    }
    return VersionRecord(
      path: try need("path"), kind: try need("kind"), oid: try need("oid"), size: size, files: files,
      run: fields["run"], signature: signature, attestation: fields["attestation"])
  }
}
