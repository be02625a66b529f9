import Foundation
import MLVTestSupport
import Testing

@testable import MLVRemote

/// Credentials for tests that never reach a server that checks them.
let offlineCredentials = AWSCredentials(accessKeyID: "AKIDMLVTEST", secretAccessKey: "mlv-test-secret")
let fastRetry = RetryPolicy(maxAttempts: 3, baseDelay: 0.05)

/// The suite's S3 server: RGW when scripts/ceph-rgw.sh exported it, else moto.
func currentServer() throws -> S3TestServer {
  guard let server = S3TestServer.current else {
    throw MotoServer.Failure.didNotStart(log: "no S3 server in scope")
  }
  return server
}

/// The credentials the suite's server knows (RGW's test user; anything for moto).
func testCredentials() throws -> AWSCredentials {
  let server = try currentServer()
  return AWSCredentials(accessKeyID: server.accessKey, secretAccessKey: server.secretKey)
}

/// A backend on a new bucket of the suite's S3 server.
func makeS3Backend(
  prefix: String = "", create: Bool = true, multipartThreshold: Int64 = 64 << 20, partSize: Int = 16 << 20,
  downloadChunkSize: Int = 16 << 20, listPageSize: Int = 1000, credentials: AWSCredentials? = nil
) async throws -> S3Backend {
  let server = try currentServer()
  let bucket = "mlv-" + UUID().uuidString.lowercased().prefix(18)
  let backend = S3Backend(
    location: S3Location(bucket: String(bucket), prefix: prefix), endpoint: server.endpoint,
    region: "us-east-1", credentials: try credentials ?? testCredentials(), retry: fastRetry,
    multipartThreshold: multipartThreshold, partSize: partSize, partParallelism: 3,
    downloadChunkSize: downloadChunkSize, listPageSize: listPageSize)
  if create { try await backend.createBucket() }
  return backend
}

@Suite(.s3Server)
struct S3BackendTests {
  @Test func putGetRangeExistsDelete() async throws {
    let backend = try await makeS3Backend()
    let data = pseudoRandomBytes(count: 5_000, seed: 3)
    // Characters that must be percent-encoded in the path, and a non-ASCII one.
    let key = "packs/ab/with space+plus=eq&amp;~tilde/\u{00FC}.pack"

    #expect(try await backend.exists(key) == false)
    try await backend.put(key, data: data)
    #expect(try await backend.exists(key))
    #expect(try await backend.get(key) == data)
    #expect(try await backend.get(key, range: 10..<20) == Array(data[10..<20]))
    #expect(try await backend.get(key, range: 4_990..<9_000) == Array(data[4_990...]))
    await #expect(throws: RemoteError.invalidRange(key: key, range: 5_000..<5_010)) {
      try await backend.get(key, range: 5_000..<5_010)
    }
    #expect(try await backend.list(prefix: "packs/") == [RemoteObjectInfo(key: key, size: 5_000)])

    try await backend.delete(key)
    #expect(try await backend.exists(key) == false)
    await #expect(throws: RemoteError.notFound(key: key)) { try await backend.get(key) }
    await #expect(throws: RemoteError.notFound(key: key)) { try await backend.get(key, range: 0..<1) }
    try await backend.delete(key)  // absent: not an error

    // Empty objects survive the trip, through every read path.
    try await backend.put("empty", data: [])
    #expect(try await backend.get("empty") == [])
    let dir = try TemporaryDirectory()
    defer { dir.cleanup() }
    try await backend.getFile("empty", to: dir.path + "/empty")
    #expect(try Data(contentsOf: URL(fileURLWithPath: dir.path + "/empty")).isEmpty)
  }

  @Test func listPagesThroughContinuationTokens() async throws {
    // Three keys per page, ten matching keys: four pages.
    let backend = try await makeS3Backend(prefix: "team/repo", listPageSize: 3)
    var expected: [RemoteObjectInfo] = []
    for i in 0..<10 {
      let key = "packs/\(String(format: "%02x", i * 17))/\(i).pack"
      try await backend.put(key, data: [UInt8](repeating: UInt8(i), count: i + 1))
      expected.append(RemoteObjectInfo(key: key, size: Int64(i + 1)))
    }
    try await backend.put("index/a.idx", data: [1])
    try await backend.put("packsfoo", data: [1])

    #expect(try await backend.list(prefix: "packs/") == expected.sorted { $0.key < $1.key })
    #expect(try await backend.list(prefix: "").count == 12)
    #expect(try await backend.list(prefix: "index/") == [RemoteObjectInfo(key: "index/a.idx", size: 1)])
    #expect(try await backend.list(prefix: "nothing/").isEmpty)

    // The location prefix is applied on the way in and stripped on the way out.
    let root = S3Backend(
      location: S3Location(bucket: backend.location.bucket, prefix: ""), endpoint: try currentServer().endpoint,
      region: "us-east-1", credentials: try testCredentials(), retry: fastRetry)
    #expect(try await root.exists("team/repo/index/a.idx"))
    #expect(try await root.list(prefix: "team/repo/index/").map(\.key) == ["team/repo/index/a.idx"])
  }

  @Test func multipartUploadAndChunkedDownload() async throws {
    // RGW refuses parts under 5 MiB; moto here accepts 256 bytes.
    let part = max(8_192, try currentServer().minimumPartSize)
    let backend = try await makeS3Backend(
      multipartThreshold: Int64(part * 2), partSize: part, downloadChunkSize: part - 1)
    let data = pseudoRandomBytes(count: part * 6 + part / 8, seed: 4)  // 7 parts, the last one short
    let dir = try TemporaryDirectory()
    defer { dir.cleanup() }
    let source = try dir.write("big.bin", data)

    try await backend.putFile("blobs/big.bin", from: source)
    // S3 (and moto) give multipart objects an ETag ending in "-<part count>".
    let head = try await backend.request("HEAD", key: "blobs/big.bin")
    #expect(head.header("etag")?.hasSuffix("-7\"") == true, "etag \(head.header("etag") ?? "none")")
    #expect(try await backend.get("blobs/big.bin") == data)

    try await backend.getFile("blobs/big.bin", to: dir.path + "/out/copy.bin")
    #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir.path + "/out/copy.bin"))) == data)
    #expect(dir.contents("out") == ["copy.bin"])

    // Below the threshold: a single PUT (plain MD5 ETag, no part count).
    let small = try dir.write("small.bin", Array(data[0..<1_000]))
    try await backend.putFile("blobs/small.bin", from: small)
    let smallHead = try await backend.request("HEAD", key: "blobs/small.bin")
    #expect(smallHead.header("etag")?.contains("-") == false)
    #expect(try await backend.get("blobs/small.bin") == Array(data[0..<1_000]))
  }

  @Test func failedMultipartUploadIsAborted() async throws {
    // moto refuses parts smaller than its minimum at Complete; here the minimum is 256 bytes,
    // so 100-byte parts fail after every part was stored, and the upload must be aborted.
    let backend = try await makeS3Backend(multipartThreshold: 500, partSize: 100)
    let dir = try TemporaryDirectory()
    defer { dir.cleanup() }
    let source = try dir.write("f.bin", pseudoRandomBytes(count: 1_000, seed: 5))
    await #expect(throws: RemoteError.self) { try await backend.putFile("f.bin", from: source) }
    #expect(try await backend.exists("f.bin") == false)
    let uploads = try await backend.requestOK("GET", key: nil, query: [("uploads", "")])
    let listing = String(decoding: uploads.body, as: UTF8.self)
    #expect(!listing.contains("<UploadId>"), "uploads still open: \(listing)")
  }

  @Test func getFileOfMissingObjectCreatesNothing() async throws {
    let backend = try await makeS3Backend()
    let dir = try TemporaryDirectory()
    defer { dir.cleanup() }
    await #expect(throws: RemoteError.notFound(key: "nope")) {
      try await backend.getFile("nope", to: dir.path + "/nope")
    }
    #expect(dir.contents("").isEmpty)
  }

  @Test func missingBucketIsReportedAsSuch() async throws {
    let backend = try await makeS3Backend(create: false)
    let bucket = backend.location.bucket
    await #expect(throws: RemoteError.noSuchBucket(bucket: bucket)) { try await backend.put("k", data: [1]) }
    await #expect(throws: RemoteError.noSuchBucket(bucket: bucket)) { try await backend.get("k") }
    await #expect(throws: RemoteError.noSuchBucket(bucket: bucket)) { try await backend.list(prefix: "") }
  }

  /// The way mlv builds a backend from a remote URL: settings from the environment.
  @Test func backendFromURLAndEnvironment() async throws {
    let created = try await makeS3Backend()
    let home = try TemporaryDirectory()
    defer { home.cleanup() }
    let backend = try S3Backend(
      url: "s3://\(created.location.bucket)/datasets/v1",
      environment: [
        "AWS_ACCESS_KEY_ID": try currentServer().accessKey, "AWS_SECRET_ACCESS_KEY": try currentServer().secretKey,
        "AWS_ENDPOINT_URL": try currentServer().endpoint.absoluteString,
      ],
      homeDirectory: home.path)
    #expect(backend.displayName == "s3://\(created.location.bucket)/datasets/v1")
    #expect(backend.region == "us-east-1")
    try await backend.put("index/x.idx", data: [4, 2])
    #expect(try await created.get("datasets/v1/index/x.idx") == [4, 2])
  }

  @Test func hostileKeysNeverReachTheServer() async throws {
    let backend = try await makeS3Backend()
    for key in ["", "/abs", "a/../b", "a//b", "./x"] {
      await #expect(throws: RemoteError.self, "\(key)") { try await backend.put(key, data: [1]) }
    }
    #expect(try await backend.list(prefix: "").isEmpty)
  }
}

/// Tests that need no server, or a dead one.
struct S3BackendOfflineTests {
  @Test func unreachableEndpointFailsAfterBoundedRetries() async throws {
    let port = try MotoServer.freePort()  // nothing listens there
    let backend = S3Backend(
      location: S3Location(bucket: "bucket", prefix: ""), endpoint: URL(string: "http://127.0.0.1:\(port)"),
      region: "us-east-1", credentials: offlineCredentials, retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.05))
    let start = Date()
    do {
      _ = try await backend.get("k")
      Issue.record("expected unreachable")
    } catch let error as RemoteError {
      guard case .unreachable(let endpoint, _) = error else {
        Issue.record("expected unreachable, got \(error)")
        return
      }
      #expect(endpoint == "http://127.0.0.1:\(port)")
    }
    // Three refused connections take milliseconds alone; the bound only guards against
    // unbounded retries, and is loose because the whole suite can starve this task for
    // tens of seconds on a two-core machine.
    #expect(Date().timeIntervalSince(start) < 120)
  }

  @Test func virtualHostStyleAddressesTheBucketByHost() {
    let backend = S3Backend(
      location: S3Location(bucket: "bkt", prefix: "p"), endpoint: nil, region: "eu-west-1",
      credentials: offlineCredentials, pathStyle: false)
    #expect(backend.target("p/k/x") == ("/p/k/x", "bkt.s3.eu-west-1.amazonaws.com"))
    #expect(backend.target(nil) == ("/", "bkt.s3.eu-west-1.amazonaws.com"))
    let pathStyle = S3Backend(
      location: S3Location(bucket: "bkt", prefix: ""), endpoint: URL(string: "http://127.0.0.1:9000/base/"),
      region: "us-east-1", credentials: offlineCredentials)
    #expect(pathStyle.target("k") == ("/bkt/k", nil))
    #expect(pathStyle.transport.basePath == "/base")
    #expect(pathStyle.transport.hostHeader == "127.0.0.1:9000")
  }

  @Test func errorBodiesBecomeSpecificErrors() {
    let backend = S3Backend(
      location: S3Location(bucket: "bkt", prefix: ""), endpoint: nil, region: "us-east-1",
      credentials: offlineCredentials)
    func answer(_ status: Int, _ code: String, _ message: String = "m") -> S3Response {
      S3Response(
        status: status, headers: [:],
        body: Array("<?xml version=\"1.0\"?><Error><Code>\(code)</Code><Message>\(message)</Message></Error>".utf8))
    }
    #expect(backend.error(for: answer(404, "NoSuchKey"), key: "k") == .notFound(key: "k"))
    #expect(backend.error(for: answer(404, "NoSuchBucket"), key: "k") == .noSuchBucket(bucket: "bkt"))
    guard case .accessDenied(let remote, let detail) = backend.error(for: answer(403, "SignatureDoesNotMatch"), key: "k")
    else {
      Issue.record("expected accessDenied")
      return
    }
    #expect(remote == "s3://bkt")
    #expect(detail.contains("secret access key"))
    #expect(
      backend.error(for: answer(400, "InvalidArgument", "bad thing"), key: "k")
        == .http(status: 400, code: "InvalidArgument", message: "bad thing", key: "k"))
    #expect(
      backend.error(for: S3Response(status: 404, headers: [:], body: []), key: "k") == .notFound(key: "k"))
    let malformed = Array(
      "<Error><Code>AuthorizationHeaderMalformed</Code><Message>m</Message><Region>eu-north-1</Region></Error>".utf8)
    #expect(
      backend.error(for: S3Response(status: 400, headers: [:], body: malformed), key: "k")
        == .wrongRegion(bucket: "bkt", region: "eu-north-1"))
    #expect(
      backend.error(
        for: S3Response(status: 301, headers: ["x-amz-bucket-region": "ap-east-1"], body: []), key: "k")
        == .wrongRegion(bucket: "bkt", region: "ap-east-1"))
    #expect(
      backend.error(for: S3Response(status: 502, headers: [:], body: Array("<html>".utf8)), key: nil)
        == .http(status: 502, code: "", message: "", key: nil))
  }
}
