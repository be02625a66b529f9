import Testing

@testable import MLVRegistry

@Suite struct RegistryNamesTests {
  @Test func parsesGTOTagNames() {
    #expect(RegistryNames.parse("churn@v1.2.0") == .version(name: "churn", version: "v1.2.0", deregistered: false))
    #expect(RegistryNames.parse("churn@v1.2.0!#3") == .version(name: "churn", version: "v1.2.0", deregistered: true))
    #expect(RegistryNames.parse("churn#prod#4") == .stage(name: "churn", stage: "prod", number: 4, unassigned: false))
    #expect(RegistryNames.parse("churn#prod!#5") == .stage(name: "churn", stage: "prod", number: 5, unassigned: true))
    #expect(RegistryNames.parse("team/churn-2#staging#12") == .stage(name: "team/churn-2", stage: "staging", number: 12, unassigned: false))
    #expect(RegistryNames.parse("churn@deprecated#2") == .deprecated(name: "churn"))
    #expect(RegistryNames.parse("v1.0.0") == nil)
    #expect(RegistryNames.parse("release-2024") == nil)
  }

  @Test func hostileTagNamesAreMalformedNotFatal() {
    let hostile = [
      "churn#prod", "churn@1.2.0", "churn@v01.2.0", "churn@v1.2", "-churn@v1.0.0", "churn#-x#1",
      "churn#prod#99999999999999999999", "@v1.0.0", "#prod#1", "churn@v1.0.0@v2.0.0", "ch urn@v1.0.0",
      "churn#prod#1#2", "chürn@v1.0.0", "churn@v999999999999.0.0",
    ]
    for t in hostile {
      guard case .malformed = RegistryNames.parse(t) else {
        Issue.record("\(t) parsed as \(String(describing: RegistryNames.parse(t)))")
        continue
      }
    }
  }

  @Test func namesFollowGTOsPattern() {
    for ok in ["churn", "a", "Churn2", "team/churn", "a_b-c"] { #expect(RegistryNames.isValidName(ok), "\(ok)") }
    for bad in ["", "-a", "a-", "a b", "a@b", "a#b", "a:b", "/a", "a/", String(repeating: "a", count: 201)] {
      #expect(!RegistryNames.isValidName(bad), "\(bad)")
    }
  }

  @Test func semverOrdering() throws {
    let a = try #require(RegistryNames.parseVersion("v1.10.0"))
    let b = try #require(RegistryNames.parseVersion("v1.9.3"))
    #expect(b < a)
    #expect(RegistryNames.parseVersion("v1.2.3-rc1") == nil)
  }

  @Test func recordRoundTripsAndRejectsGarbage() throws {
    let r = VersionRecord(path: "models/churn", kind: "dir", oid: String(repeating: "ab", count: 32), size: 12, files: 2, run: nil,
      signature: "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n")
    let parsed = try VersionRecord.parse(message: r.message(name: "churn", version: "v1.0.0"), tag: "churn@v1.0.0")
    #expect(parsed == r)
    #expect(try VersionRecord.parse(message: "Registering artifact churn version v1.0.0\n", tag: "t") == nil)
    #expect(throws: RegistryError.self) { try VersionRecord.parse(message: "mlv-model: 9\n", tag: "t") }
    #expect(throws: RegistryError.self) { try VersionRecord.parse(message: "mlv-model: 1\npath: x\nsize: -1\n", tag: "t") }
    #expect(throws: RegistryError.self) { try VersionRecord.parse(message: "mlv-model: 1\ngarbage\n", tag: "t") }
  }
}
