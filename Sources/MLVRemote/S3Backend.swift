import Foundation

/// A remote in an S3 bucket (AWS or any S3-compatible server: MinIO, moto, Ceph...).
///
/// Keys map to `<location.prefix>/<key>`. Every request is signed with SigV4 and carries the
/// SHA-256 of its body, so the server rejects a body corrupted on the way.
public final class S3Backend: RemoteBackend, @unchecked Sendable {
  // @unchecked: all stored properties are immutable and themselves thread-safe.
  public let location: S3Location
  public let region: String
  public let pathStyle: Bool
  /// Files larger than this are uploaded in parts.
  public let multipartThreshold: Int64
  public let partSize: Int
  /// Parts in flight at once; each holds `partSize` bytes in memory.
  public let partParallelism: Int
  /// Objects are downloaded in ranged GETs of this size by `getFile`.
  public let downloadChunkSize: Int
  /// `max-keys` for ListObjectsV2 (S3 caps it at 1000).
  public let listPageSize: Int
  let transport: S3Transport
  /// Upload bodies in memory at once, across all concurrent uploads (ByteBudget.swift).
  let uploadBudget: ByteBudget
  /// Download bodies in memory at once, across all concurrent ranged GETs of `getFile`.
  let downloadBudget: ByteBudget

  public init(
    location: S3Location, endpoint: URL?, region: String, credentials: AWSCredentials,
    pathStyle: Bool = true, retry: RetryPolicy = .default,
    multipartThreshold: Int64 = 64 << 20, partSize: Int = 16 << 20, partParallelism: Int = 4,
    downloadChunkSize: Int = 16 << 20, listPageSize: Int = 1000, timeout: TimeInterval = 60
  ) {
    self.location = location
    self.region = region
    self.pathStyle = pathStyle
    self.multipartThreshold = max(1, multipartThreshold)
    // 16 MiB parts cover 156 GiB within S3's 10,000-part limit; bigger files get bigger
    // parts automatically (see multipartUpload).
    self.partSize = max(1, partSize)
    self.partParallelism = max(1, partParallelism)
    self.downloadChunkSize = max(1, downloadChunkSize)
    self.listPageSize = min(1000, max(1, listPageSize))
    // Room for one whole single-request upload, or every part of one multipart upload.
    uploadBudget = ByteBudget(limit: max(self.multipartThreshold, Int64(self.partSize) * Int64(self.partParallelism)))
    // Four ranged GETs in flight: enough to fill a link, at a quarter of the memory eight
    // concurrent pack downloads took.
    downloadBudget = ByteBudget(limit: 4 * Int64(self.downloadChunkSize))
    let resolved =
      endpoint ?? URL(string: "https://s3.\(region).amazonaws.com") ?? URL(fileURLWithPath: "/")
    transport = S3Transport(
      endpoint: resolved, signer: SigV4Signer(credentials: credentials, region: region), retry: retry,
      timeout: timeout)
  }

  /// Builds a backend for `s3://bucket/prefix` from options, environment and ~/.aws files.
  public convenience init(
    url: String, profile: String? = nil, region: String? = nil, endpoint: String? = nil,
    environment: [String: String] = ProcessInfo.processInfo.environment,
    homeDirectory: String = NSHomeDirectory()
  ) throws {
    let location = try S3Location.parse(url)
    let settings = try AWSSettings.resolve(
      profile: profile, region: region, endpoint: endpoint, environment: environment,
      homeDirectory: homeDirectory)
    let threshold = try Self.byteSize(environment, "MLV_S3_MULTIPART_THRESHOLD") ?? (64 << 20)
    let part = try Self.byteSize(environment, "MLV_S3_PART_SIZE") ?? (16 << 20)
    self.init(
      location: location, endpoint: settings.endpoint, region: settings.region,
      credentials: settings.credentials, multipartThreshold: threshold, partSize: Int(part))
  }

  /// A byte count from the environment: `8388608`, `64M`/`64MiB`, `1G`/`1GiB`, `512K`/`512KiB`
  /// (binary units). Nil when unset; an error naming the variable when unreadable.
  static func byteSize(_ environment: [String: String], _ name: String) throws -> Int64? {
    guard let raw = environment[name]?.trimmingSpaces(), !raw.isEmpty else { return nil }
    var text = Substring(raw.uppercased())
    if text.hasSuffix("IB") { text = text.dropLast(2) } else if text.hasSuffix("B") { text = text.dropLast() }
    let scale: Int64
    switch text.last {
    case "K": scale = 1 << 10
    case "M": scale = 1 << 20
    case "G": scale = 1 << 30
    default: scale = 1
    }
    if scale > 1 { text = text.dropLast() }
    guard let n = Int64(text), n > 0, n <= (Int64(1) << 40) / scale else {
      throw RemoteError.invalidSetting(
        name: name, value: raw, reason: "expected a positive byte count such as 8388608, 64M or 1G (at most 1 TiB)")
    }
    return n * scale
  }

  public var displayName: String { location.description }

  // MARK: - requests

  /// Path and virtual host for an object (or the bucket itself when `objectKey` is nil).
  func target(_ objectKey: String?) -> (path: String, host: String?) {
    if pathStyle {
      return ("/\(location.bucket)" + (objectKey.map { "/" + $0 } ?? ""), nil)
    }
    return ("/" + (objectKey ?? ""), "\(location.bucket).\(transport.host)")
  }

  func request(
    _ method: String, key: String?, query: [(String, String)] = [], headers: [String: String] = [:],
    body: [UInt8]? = nil
  ) async throws -> S3Response {
    let (path, host) = target(key.map(location.objectKey))
    return try await transport.send(
      method: method, path: path, query: query, headers: headers, body: body, hostOverride: host)
  }

  /// Sends and throws the mapped error for any non-2xx answer.
  func requestOK(
    _ method: String, key: String?, query: [(String, String)] = [], headers: [String: String] = [:],
    body: [UInt8]? = nil
  ) async throws -> S3Response {
    let response = try await request(method, key: key, query: query, headers: headers, body: body)
    guard (200..<300).contains(response.status) else { throw error(for: response, key: key) }
    return response
  }

  /// Turns an error answer into the most specific RemoteError.
  func error(for response: S3Response, key: String?) -> RemoteError {
    let body = S3ErrorBody(response.body)
    let code = body?.code ?? ""
    let message = body?.message ?? ""
    // AWS names the bucket's real region in a header (redirects, HEAD) or in the body.
    let bucketRegion = response.header("x-amz-bucket-region") ?? body?.region
    if let bucketRegion, bucketRegion != region,
      ["PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException", ""].contains(code),
      [301, 400, 403].contains(response.status)
    {
      return .wrongRegion(bucket: location.bucket, region: bucketRegion)
    }
    switch code {
    case "NoSuchKey":
      return .notFound(key: key ?? "")
    case "NoSuchBucket":
      return .noSuchBucket(bucket: location.bucket)
    case "InvalidAccessKeyId":
      return .accessDenied(remote: displayName, detail: "the access key id is not known to the server")
    case "SignatureDoesNotMatch":
      return .accessDenied(remote: displayName, detail: "the secret access key does not match the access key id")
    case "AccessDenied", "InvalidToken", "ExpiredToken", "TokenRefreshRequired", "AllAccessDisabled":
      return .accessDenied(remote: displayName, detail: message.isEmpty ? code : "\(code): \(message)")
    default:
      break
    }
    if body == nil {
      // HEAD answers carry no body; fall back on the status alone.
      if response.status == 404 {
        return key.map { .notFound(key: $0) } ?? .noSuchBucket(bucket: location.bucket)
      }
      if response.status == 403 {
        return .accessDenied(remote: displayName, detail: "403 forbidden")
      }
    }
    return .http(status: response.status, code: code, message: message, key: key)
  }

  // MARK: - RemoteBackend

  public func put(_ key: String, data: [UInt8]) async throws {
    try RemoteKey.validate(key)
    _ = try await requestOK(
      "PUT", key: key, headers: ["content-type": "application/octet-stream"], body: data)
  }

  public func get(_ key: String) async throws -> [UInt8] {
    try RemoteKey.validate(key)
    return try await requestOK("GET", key: key).body
  }

  public func get(_ key: String, range: Range<Int64>) async throws -> [UInt8] {
    try RemoteKey.validate(key)
    if range.isEmpty { return [] }
    if range.lowerBound < 0 { throw RemoteError.invalidRange(key: key, range: range) }
    let response = try await request(
      "GET", key: key, headers: ["range": "bytes=\(range.lowerBound)-\(range.upperBound - 1)"])
    switch response.status {
    case 206:
      return response.body
    case 200:
      // A server that ignores Range sends everything; cut the slice out ourselves.
      let start = Int(range.lowerBound)
      if start >= response.body.count { throw RemoteError.invalidRange(key: key, range: range) }
      return Array(response.body[start..<min(response.body.count, Int(range.upperBound))])
    case 416:
      throw RemoteError.invalidRange(key: key, range: range)
    default:
      throw error(for: response, key: key)
    }
  }

  public func exists(_ key: String) async throws -> Bool {
    try RemoteKey.validate(key)
    let response = try await request("HEAD", key: key)
    if (200..<300).contains(response.status) { return true }
    if response.status == 404 { return false }
    throw error(for: response, key: key)
  }

  public func delete(_ key: String) async throws {
    try RemoteKey.validate(key)
    let response = try await request("DELETE", key: key)
    if (200..<300).contains(response.status) { return }
    let mapped = error(for: response, key: key)
    if case .notFound = mapped { return }
    throw mapped
  }

  public func list(prefix: String) async throws -> [RemoteObjectInfo] {
    try RemoteKey.validatePrefix(prefix)
    let fullPrefix = location.prefix.isEmpty ? prefix : location.prefix + "/" + prefix
    var results: [RemoteObjectInfo] = []
    var token: String?
    repeat {
      var query = [("list-type", "2"), ("prefix", fullPrefix), ("max-keys", String(listPageSize))]
      if let token { query.append(("continuation-token", token)) }
      let response = try await requestOK("GET", key: nil, query: query)
      guard let document = S3XMLDocument.parse(response.body, recordElement: "Contents"),
        document.rootName == "ListBucketResult"
      else {
        throw RemoteError.invalidResponse(detail: "ListObjectsV2 answer is not a ListBucketResult")
      }
      for record in document.records {
        guard let objectKey = record["Key"], let key = location.remoteKey(objectKey) else { continue }
        guard let size = record["Size"].flatMap(Int64.init) else {
          throw RemoteError.invalidResponse(detail: "ListObjectsV2 entry \(objectKey) has no valid Size")
        }
        results.append(RemoteObjectInfo(key: key, size: size))
      }
      let truncated = document.values["IsTruncated"] == "true"
      token = truncated ? document.values["NextContinuationToken"] : nil
      if truncated && (token ?? "").isEmpty {
        throw RemoteError.invalidResponse(detail: "ListObjectsV2 is truncated but has no continuation token")
      }
    } while token != nil
    return results
  }

  /// Creates the bucket (for tests and `mlv remote init`-style setup). An existing bucket
  /// owned by the caller is not an error.
  public func createBucket() async throws {
    var body: [UInt8]?
    if region != "us-east-1" {
      body = Array(
        ("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
          + "<LocationConstraint>\(region)</LocationConstraint></CreateBucketConfiguration>").utf8)
    }
    let response = try await request("PUT", key: nil, body: body)
    if (200..<300).contains(response.status) { return }
    if S3ErrorBody(response.body)?.code == "BucketAlreadyOwnedByYou" { return }
    throw error(for: response, key: nil)
  }
}
