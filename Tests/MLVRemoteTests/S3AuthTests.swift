import Foundation
import MLVTestSupport
import Testing

@testable import MLVRemote

/// RGW checks every signature against its users; moto only when INITIAL_NO_AUTH_ACTION_COUNT
/// is set (at 0 every request is checked). A made-up access key is then unknown, which is
/// exactly what a wrong AWS_ACCESS_KEY_ID looks like against real S3 (InvalidAccessKeyId,
/// 403); on RGW a known key with a wrong secret is refused too (SignatureDoesNotMatch).
@Suite(.s3ServerWithAuth)
struct S3AuthTests {
  @Test func unknownAccessKeyIsAccessDenied() async throws {
    let backend = try await makeS3Backend(
      create: false, credentials: AWSCredentials(accessKeyID: "AKIDNOBODYKNOWS", secretAccessKey: "x"))
    for operation in ["put", "get", "list", "exists"] {
      do {
        switch operation {
        case "put": try await backend.put("k", data: [1])
        case "get": _ = try await backend.get("k")
        case "list": _ = try await backend.list(prefix: "")
        default: _ = try await backend.exists("k")
        }
        Issue.record("\(operation): expected accessDenied")
      } catch let error as RemoteError {
        guard case .accessDenied(let remote, _) = error else {
          Issue.record("\(operation): expected accessDenied, got \(error)")
          continue
        }
        #expect(remote == backend.displayName)
        #expect(error.description.contains("access denied to s3://"))
      }
    }
  }

  @Test func wrongSecretIsAccessDeniedOnRGW() async throws {
    let server = try currentServer()
    guard server.isRGW else { return }  // moto does not check secrets of keys it knows
    let good = try await makeS3Backend()
    try await good.put("k", data: [1])
    let wrong = S3Backend(
      location: good.location, endpoint: server.endpoint, region: "us-east-1",
      credentials: AWSCredentials(accessKeyID: server.accessKey, secretAccessKey: "wrong-secret"), retry: fastRetry)
    for operation in ["put", "get", "list"] {
      do {
        switch operation {
        case "put": try await wrong.put("k2", data: [1])
        case "get": _ = try await wrong.get("k")
        default: _ = try await wrong.list(prefix: "")
        }
        Issue.record("\(operation): expected accessDenied")
      } catch let error as RemoteError {
        #expect(error.description.contains("secret access key does not match"), "\(operation): \(error)")
      }
    }
    #expect(try await good.get("k") == [1])
  }
}
