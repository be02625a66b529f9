import Foundation
import Testing

@testable import MLVRegistry

/// The statement's format: deterministic bytes, a round trip, and refusal of anything that
/// is not an mlv lineage Statement v1.
@Suite struct AttestationFormatTests {
  let version = Attestation.Version(
    name: "churn", version: "v1.0.0", commit: String(repeating: "c", count: 40), path: "models/churn", kind: "dir",
    oid: String(repeating: "ab", count: 32), size: 12, files: 2)
  let subjects = [
    Attestation.Subject(name: "models/churn/a.bin", sha256: String(repeating: "1", count: 64)),
    Attestation.Subject(name: "models/churn/b.json", sha256: String(repeating: "2", count: 64)),
  ]

  @Test func statementIsDeterministicAndRoundTrips() throws {
    let lineage: [String: Any] = ["path": "models/churn", "oid": version.oid, "producedBy": ["run": "train", "params": ["lr": "0.1"]]]
    let a = try Attestation.statement(subjects: subjects, version: version, lineage: lineage)
    let b = try Attestation.statement(subjects: subjects, version: version, lineage: lineage)
    #expect(a == b && a.last == 0x0A)
    let text = String(decoding: a, as: UTF8.self)
    #expect(text.contains("\"_type\" : \"https://in-toto.io/Statement/v1\"") && !text.contains("\\/"))
    let parsed = try Attestation.parse(a, tag: "churn@v1.0.0")
    #expect(parsed.subjects == subjects && parsed.version == version)
    #expect(try Attestation.canonical(parsed.lineage) == (try Attestation.canonical(lineage)))
  }

  @Test func refusesOtherStatements() throws {
    let good = String(decoding: try Attestation.statement(subjects: subjects, version: version, lineage: [:]), as: UTF8.self)
    for bad in [
      good.replacingOccurrences(of: "Statement/v1", with: "Statement/v0"),
      good.replacingOccurrences(of: "urn:mlv:predicate:lineage:v1", with: "https://slsa.dev/provenance/v1"),
      good.replacingOccurrences(of: "\"sha256\"", with: "\"sha1\""),
      "[]", "not json",
    ] {
      #expect(throws: RegistryError.self) { try Attestation.parse(Array(bad.utf8), tag: "t") }
    }
  }

  @Test func recordNamesItsAttestation() throws {
    let r = VersionRecord(
      path: "models/churn", kind: "dir", oid: version.oid, size: 12, files: 2, run: "train", signature: nil,
      attestation: String(repeating: "d", count: 40))
    let parsed = try #require(try VersionRecord.parse(message: r.message(name: "churn", version: "v1.0.0"), tag: "churn@v1.0.0"))
    #expect(parsed == r && parsed.isSigned)
    #expect(Attestation.tagName(name: "team/churn", version: "v1.0.0") == "mlv-attestation/team/churn/v1.0.0")
  }
}
