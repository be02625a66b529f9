import Foundation
import Testing

/// The S3 server a suite talks to: Ceph's RADOS Gateway when `scripts/ceph-rgw.sh start`
/// exported its MLV_TEST_S3_* variables (scripts/test.sh and .ci/run do), otherwise a moto
/// server started for the suite.
///
/// RGW is the real thing: it checks every signature against its users, enforces S3's
/// 5 MiB minimum part size, and has the quirks of a deployed server (16.2 answers a
/// multipart completion with an empty ETag). moto is the fallback for a quick `swift test`
/// without Ceph, and stays where only it can serve (a server that accepts unsigned
/// requests, docs/remotes.md "S3 servers mlv is tested against").
public struct S3TestServer: Sendable {
  @TaskLocal public static var current: S3TestServer?

  public let endpoint: URL
  public let accessKey: String
  public let secretKey: String
  /// "Ceph RGW 16.2.15" or "moto".
  public let label: String
  public let isRGW: Bool
  /// The smallest part (but the last) the server accepts in a multipart upload.
  public var minimumPartSize: Int { isRGW ? 5 << 20 : 256 }

  public init(endpoint: URL, accessKey: String, secretKey: String, label: String, isRGW: Bool) {
    self.endpoint = endpoint
    self.accessKey = accessKey
    self.secretKey = secretKey
    self.label = label
    self.isRGW = isRGW
  }

  /// The RGW described by MLV_TEST_S3_ENDPOINT / _ACCESS_KEY / _SECRET_KEY, if set.
  public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> S3TestServer? {
    guard let text = env["MLV_TEST_S3_ENDPOINT"], !text.isEmpty, let url = URL(string: text),
      let key = env["MLV_TEST_S3_ACCESS_KEY"], let secret = env["MLV_TEST_S3_SECRET_KEY"]
    else { return nil }
    return S3TestServer(
      endpoint: url, accessKey: key, secretKey: secret, label: env["MLV_TEST_S3_SERVER"] ?? "Ceph RGW",
      isRGW: true)
  }

  /// The environment an `mlv` child needs to reach this server with these credentials.
  public func environment(secret: String? = nil, accessKey key: String? = nil) -> [String: String] {
    ["AWS_ACCESS_KEY_ID": key ?? accessKey, "AWS_SECRET_ACCESS_KEY": secret ?? secretKey,
     "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint.absoluteString]
  }

  /// A new uniquely named bucket, created with a signed request (curl's SigV4), so the
  /// same call works on RGW, which refuses anonymous writes, and on moto.
  public func makeBucket(prefix: String = "mlv") throws -> String {
    let bucket = "\(prefix)-\(UUID().uuidString.lowercased().prefix(18))"
    let r = try request("PUT", "/\(bucket)")
    guard r.status == 200 else {
      throw MotoServer.Failure.didNotStart(log: "creating bucket \(bucket) on \(label) failed: \(r.status) \(r.body)")
    }
    return bucket
  }

  /// One request signed with SigV4 by curl, independent of mlv's own S3 client (a witness):
  /// `pathAndQuery` is e.g. `/bucket/key?uploads=` (curl signs a query only in `name=value`
  /// form, with `/` written `%2F`). Returns the status, the headers (names in
  /// lowercase) and the body.
  public func request(_ method: String, _ pathAndQuery: String) throws -> (status: Int, headers: [String: String], body: String) {
    let curl = Process()
    curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    curl.arguments = [
      "curl", "-sS", "-i"] + (method == "HEAD" ? ["-I"] : ["-X", method]) + ["--aws-sigv4", "aws:amz:us-east-1:s3", "--user", "\(accessKey):\(secretKey)",
      // RGW refuses curl's default of signing the payload hash without sending it.
      "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", endpoint.absoluteString + pathAndQuery,
    ]
    let out = Pipe()
    let err = Pipe()
    curl.standardOutput = out
    curl.standardError = err
    try curl.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    curl.waitUntilExit()
    guard curl.terminationStatus == 0 else {
      throw MotoServer.Failure.didNotStart(log: "curl \(method) \(pathAndQuery) on \(label) failed: \(message)")
    }
    // Headers end at the first blank line (CRLF CRLF); a 100 Continue block may come first.
    var rest = Substring(text)
    var status = 0
    var headers: [String: String] = [:]
    repeat {
      let end = rest.range(of: "\r\n\r\n") ?? (rest.endIndex..<rest.endIndex)
      let lines = rest[..<end.lowerBound].components(separatedBy: "\r\n")
      status = lines.first.flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Int($0) } } ?? 0
      headers = [:]
      for line in lines.dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      }
      rest = rest[end.upperBound...]
    } while status == 100
    return (status, headers, String(rest))
  }
}

/// Runs a suite against RGW when the environment names one, else against a fresh moto.
public struct S3ServerScope: SuiteTrait, TestScoping {
  /// The moto configuration used when there is no RGW.
  public let motoEnvironment: [String: String]
  public var isRecursive: Bool { false }

  public func provideScope(
    for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
  ) async throws {
    if let rgw = S3TestServer.fromEnvironment() {
      try await S3TestServer.$current.withValue(rgw) { try await function() }
      return
    }
    let moto = try await MotoServer.start(environment: motoEnvironment)
    defer { moto.stop() }
    // moto accepts any key unless it authenticates (INITIAL_NO_AUTH_ACTION_COUNT=0).
    let server = S3TestServer(
      endpoint: moto.endpoint, accessKey: "AKIDMLVTEST", secretKey: "mlv-test-secret", label: "moto", isRGW: false)
    try await MotoServer.$current.withValue(moto) {
      try await S3TestServer.$current.withValue(server) { try await function() }
    }
  }
}

extension Trait where Self == S3ServerScope {
  /// RGW, or moto with small multipart parts allowed.
  public static var s3Server: S3ServerScope { S3ServerScope(motoEnvironment: ["S3_UPLOAD_PART_MIN_SIZE": "256"]) }
  /// RGW (which always checks signatures), or moto that authenticates every request.
  public static var s3ServerWithAuth: S3ServerScope {
    S3ServerScope(motoEnvironment: ["INITIAL_NO_AUTH_ACTION_COUNT": "0"])
  }
}
