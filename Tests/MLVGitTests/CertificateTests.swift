import CDeferredCertificates
import Foundation
import Testing

@testable import MLVGit

/// libgit2's initialisation no longer parses the CA bundle (CDeferredCertificates): the
/// load is recorded, and done before the first clone. (The only clone of this test target:
/// before it, the initialisation's load must still be waiting.)
@Suite struct CertificateTests {
  @Test func theInitialisationsLoadWaitsForTheFirstClone() throws {
    LibGit2.ensureInitialized()
    // Only a libgit2 built on mbedtls calls mbedtls's parser (Debian's is).
    let mbedtls = dlopen("libmbedx509.so.1", RTLD_NOW | RTLD_NOLOAD) != nil
    let bundle = FileManager.default.fileExists(atPath: "/etc/ssl/certs/ca-certificates.crt")
    if mbedtls && bundle {
      #expect(mlv_certificates_deferred() == 1, "libgit2's initialisation parsed the CA bundle itself")
    }
    let t = try TestRepo()
    _ = try t.threeCommits()
    let dest = makeTempDir("mlvgit-clone")
    defer { try? FileManager.default.removeItem(atPath: dest) }
    _ = try GitRepository.cloneWithoutCheckout(t.dir, to: dest + "/c")
    #expect(mlv_certificates_deferred() == 0)
    // Nothing is left to load, and the parse of the bundle itself succeeded then: a second
    // call has nothing to do.
    #expect(mlv_load_deferred_certificates() == 0)
    #expect(try git(["log", "--format=%s", "-1", "origin/master"], in: dest + "/c") == "third")
  }
}
