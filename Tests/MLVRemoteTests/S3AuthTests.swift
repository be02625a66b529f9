import Foundation
import MLVTestSupport
import Testing

@testable import MLVRemote

/// moto authenticates requests only when INITIAL_NO_AUTH_ACTION_COUNT is set; at 0 every
/// request is checked, and our made-up access key is unknown to its IAM, which is exactly
/// what a wrong AWS_ACCESS_KEY_ID looks like against real S3 (InvalidAccessKeyId, 403).
@Suite(.motoServerWithAuth)
struct S3AuthTests {
  @Test func unknownAccessKeyIsAccessDenied() async throws {
    let backend = try await makeS3Backend(create: false)
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
}
