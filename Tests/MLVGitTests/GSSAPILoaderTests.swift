import CGSSAPILoader
import Foundation
import Testing

/// The GSSAPI forwarding a statically linked libgit2 calls (Sources/CGSSAPILoader), against
/// the system's libgssapi_krb5 (Debian's libgit2 depends on it, so it is there wherever
/// mlv builds): each call reaches the library and comes back with its results.
@Suite struct GSSAPILoaderTests {
  static let krb5Mechanism: [UInt8] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02]

  func bytes(_ oid: mlv_gss_OID_desc) -> [UInt8] {
    guard let p = oid.elements else { return [] }
    return Array(UnsafeRawBufferPointer(start: p, count: Int(oid.length)))
  }

  @Test func callsReachTheSystemLibrary() throws {
    #expect(mlv_gssapi_available() == 1)
    var minor: mlv_gss_OM_uint32 = 0
    var mechs: UnsafeMutablePointer<mlv_gss_OID_set_desc>?
    #expect(mlv_gss_indicate_mechs(&minor, &mechs) == 0)
    let set = try #require(mechs)
    let oids = (0..<set.pointee.count).map { bytes(set.pointee.elements[$0]) }
    #expect(oids.contains(Self.krb5Mechanism), "\(oids)")
    #expect(mlv_gss_release_oid_set(&minor, &mechs) == 0)
    #expect(mechs == nil)

    // The hostbased-service OID defined here is accepted as the library's own.
    #expect(bytes(mlv_gss_nt_hostbased_service.pointee) == [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x01, 0x04])
    var service = Array("HTTP@git.example.com".utf8)
    var name: UnsafeMutableRawPointer?
    let major = service.withUnsafeMutableBytes { raw -> mlv_gss_OM_uint32 in
      var buffer = mlv_gss_buffer_desc(length: raw.count, value: raw.baseAddress)
      return mlv_gss_import_name(&minor, &buffer, mlv_gss_nt_hostbased_service, &name)
    }
    #expect(major == 0)
    #expect(name != nil)

    // No Kerberos credentials here: the context cannot start, and says why.
    var context: UnsafeMutableRawPointer?
    var output = mlv_gss_buffer_desc(length: 0, value: nil)
    let failed = mlv_gss_init_sec_context(
      &minor, nil, &context, name, nil, 0, 0, nil, nil, nil, &output, nil, nil)
    #expect(failed != 0)
    var more: mlv_gss_OM_uint32 = 0
    var text = mlv_gss_buffer_desc(length: 0, value: nil)
    #expect(mlv_gss_display_status(&minor, failed, 1, nil, &more, &text) == 0)
    #expect(text.length > 0)
    #expect(mlv_gss_release_buffer(&minor, &text) == 0)
    _ = mlv_gss_delete_sec_context(&minor, &context, nil)
    #expect(mlv_gss_release_name(&minor, &name) == 0)
    #expect(name == nil)
  }
}
