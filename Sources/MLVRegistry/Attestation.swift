import Foundation

/// The attestation `model register --sign` writes (docs/registry.md, "Attestations"): an
/// in-toto Statement v1 whose subjects are the artifact's files with their plain SHA-256
/// digests and whose predicate is the version (name, version, commit, pointer) and its
/// lineage, as `mlv lineage --json` gives it. The statement's exact bytes are what the SSH
/// signature covers.
///
/// In git it is a tree of two files under an annotated tag, next to the version tag:
///
///     refs/tags/mlv-attestation/NAME/vX.Y.Z  ->  tag  ->  tree
///         statement.json        the statement (JSON, keys sorted, LF)
///         statement.json.sig    `ssh-keygen -Y sign -n mlv-model` of statement.json
///
/// A tag, so it travels with `git push --tags`; a tree, because a statement of 20,000
/// files (about 2.5 MB) does not fit a tag message (mlv reads at most 64 KiB of one) and
/// an object named only inside a message would be neither pushed nor kept by gc; no '@'
/// or '#' in the name, so GTO does not take it for a registry tag. The version tag's record
/// names the tree (`attestation: <oid>`), so swapping the attestation tag is noticed.
public enum Attestation {
  public static let statementType = "https://in-toto.io/Statement/v1"
  /// mlv's predicate: a URN, since mlv has no web address of its own to name.
  public static let predicateType = "urn:mlv:predicate:lineage:v1"
  public static let statementFile = "statement.json"
  public static let signatureFile = "statement.json.sig"
  public static let tagPrefix = "mlv-attestation/"

  public static func tagName(name: String, version: String) -> String { "\(tagPrefix)\(name)/\(version)" }

  public struct Subject: Equatable, Sendable {
    public var name: String
    public var sha256: String
    public init(name: String, sha256: String) {
      self.name = name
      self.sha256 = sha256
    }
  }

  /// What the predicate says the version is; every field is re-derived from the tagged
  /// commit at verify time and must agree.
  public struct Version: Equatable, Sendable {
    public var name: String
    public var version: String
    public var commit: String
    public var path: String
    public var kind: String
    public var oid: String
    public var size: Int64
    public var files: Int

    var json: [String: Any] {
      ["name": name, "version": version, "commit": commit, "path": path, "kind": kind, "oid": oid, "size": size, "files": files]
    }
  }

  /// The statement's bytes: deterministic (sorted keys, no escaped slashes) so that the
  /// same inputs always sign the same bytes.
  public static func statement(subjects: [Subject], version: Version, lineage: [String: Any]) throws -> [UInt8] {
    let doc: [String: Any] = [
      "_type": statementType,
      "subject": subjects.map { ["name": $0.name, "digest": ["sha256": $0.sha256]] },
      "predicateType": predicateType,
      "predicate": ["version": version.json, "lineage": lineage],
    ]
    return Array(try canonical(doc).utf8) + [0x0A]
  }

  public static func canonical(_ value: Any) throws -> String {
    let data = try JSONSerialization.data(
      withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted, .fragmentsAllowed])
    return String(decoding: data, as: UTF8.self)
  }

  public struct Parsed {
    public var subjects: [Subject]
    public var version: Version
    public var lineage: [String: Any]
  }

  /// Reads a statement, refusing anything that is not an mlv lineage Statement v1.
  public static func parse(_ bytes: [UInt8], tag: String) throws -> Parsed {
    func bad(_ why: String) -> RegistryError { .badAttestation(tag: tag, reason: why) }
    guard let doc = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
      throw bad("\(statementFile) is not a JSON object")
    }
    guard doc["_type"] as? String == statementType else { throw bad("_type is not \(statementType)") }
    guard doc["predicateType"] as? String == predicateType else { throw bad("predicateType is not \(predicateType)") }
    guard let subjectList = doc["subject"] as? [[String: Any]] else { throw bad("no subject list") }
    let subjects = try subjectList.map { s -> Subject in
      guard let name = s["name"] as? String, let digest = s["digest"] as? [String: Any],
        let sha = digest["sha256"] as? String, sha.utf8.count == 64
      else { throw bad("a subject without a name and a sha256 digest") }
      return Subject(name: name, sha256: sha)
    }
    guard let predicate = doc["predicate"] as? [String: Any], let v = predicate["version"] as? [String: Any],
      let lineage = predicate["lineage"] as? [String: Any]
    else { throw bad("the predicate has no version or lineage") }
    func str(_ k: String) throws -> String {
      guard let s = v[k] as? String else { throw bad("predicate.version.\(k) is missing") }
      return s
    }
    func num(_ k: String) throws -> Int64 {
      guard let n = v[k] as? NSNumber, n.int64Value >= 0 else { throw bad("predicate.version.\(k) is missing") }
      return n.int64Value
    }
    let version = Version(
      name: try str("name"), version: try str("version"), commit: try str("commit"), path: try str("path"),
      kind: try str("kind"), oid: try str("oid"), size: try num("size"), files: Int(try num("files")))
    return Parsed(subjects: subjects, version: version, lineage: lineage)
  }
}
