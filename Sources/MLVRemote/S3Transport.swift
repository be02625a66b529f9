import CCurl
import Foundation

/// One HTTP answer, headers keyed in lowercase.
struct S3Response: Sendable {
  let status: Int
  let headers: [String: String]
  let body: [UInt8]

  func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// A failure with no HTTP answer (refused, reset, timed out): the retryable kind.
struct TransportFailure: Error {
  let underlying: Error
}

/// Sends signed requests to one endpoint: URL building, signing, and the retry loop. Knows
/// nothing about S3 operations; S3Backend composes requests and interprets answers.
final class S3Transport: @unchecked Sendable {
  // @unchecked: every stored property is immutable; CurlPool is thread-safe.
  let scheme: String
  let host: String
  let port: Int?
  let basePath: String
  let signer: SigV4Signer
  let retry: RetryPolicy
  let timeout: TimeInterval
  /// Eight transfers at a time at most, on reused connections (CurlPool).
  private let pool = CurlPool(maxWorkers: 8)

  init(endpoint: URL, signer: SigV4Signer, retry: RetryPolicy, timeout: TimeInterval) {
    scheme = endpoint.scheme ?? "https"
    host = endpoint.host ?? ""
    let defaultPort = scheme == "https" ? 443 : 80
    port = endpoint.port.flatMap { $0 == defaultPort ? nil : $0 }
    var path = endpoint.path
    while path.hasSuffix("/") { path.removeLast() }
    basePath = path
    self.signer = signer
    self.retry = retry
    self.timeout = timeout
  }

  deinit {
    pool.close()
  }

  var hostHeader: String { port.map { "\(host):\($0)" } ?? host }
  var endpointText: String { "\(scheme)://\(hostHeader)\(basePath)" }

  /// Sends `method` on `path` (unencoded, starting with "/"), retrying per the policy.
  /// Returns any HTTP answer, error statuses included, once it is final (not retryable, or
  /// retries exhausted); throws `RemoteError.unreachable` when no answer came at all.
  func send(
    method: String, path: String, query: [(String, String)] = [], headers: [String: String] = [:],
    body: [UInt8]? = nil, hostOverride: String? = nil
  ) async throws -> S3Response {
    let payloadHash = body.map { SigV4Signer.sha256Hex($0) } ?? SigV4Signer.emptyPayloadHash
    var attempt = 1
    while true {
      do {
        let response = try await sendOnce(
          method: method, path: path, query: query, headers: headers, body: body,
          payloadHash: payloadHash, hostOverride: hostOverride)
        if attempt < retry.maxAttempts && shouldRetry(response) {
          try await pause(beforeRetry: attempt)
          attempt += 1
          continue
        }
        return response
      } catch let failure as TransportFailure {
        if attempt >= retry.maxAttempts {
          throw RemoteError.unreachable(endpoint: endpointText, underlying: Self.describe(failure.underlying))
        }
        try await pause(beforeRetry: attempt)
        attempt += 1
      }
    }
  }

  private func shouldRetry(_ response: S3Response) -> Bool {
    if RetryPolicy.isRetryable(status: response.status) { return true }
    // S3 answers 400 RequestTimeout when the upload of a body stalled: worth another try.
    if response.status == 400, S3ErrorBody(response.body)?.code == "RequestTimeout" { return true }
    return false
  }

  private func pause(beforeRetry retryNumber: Int) async throws {
    let seconds = retry.delay(beforeRetry: retryNumber)
    try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
  }

  private func sendOnce(
    method: String, path: String, query: [(String, String)], headers: [String: String],
    body: [UInt8]?, payloadHash: String, hostOverride: String?
  ) async throws -> S3Response {
    let fullPath = basePath + path
    let hostName = hostOverride ?? host
    let hostValue = port.map { "\(hostName):\($0)" } ?? hostName
    var toSign = headers
    toSign["host"] = hostValue
    toSign["x-amz-content-sha256"] = payloadHash
    let signed = signer.sign(
      method: method, path: fullPath, query: query, headers: toSign, payloadHash: payloadHash, date: Date())
    let queryText = query.isEmpty ? "" : "?" + SigV4Signer.encodeQuery(query)
    let urlText = "\(scheme)://\(hostValue)\(SigV4Signer.encodePath(fullPath))\(queryText)"
    guard URL(string: urlText) != nil else {
      throw RemoteError.invalidResponse(detail: "cannot form a url from \(urlText)")
    }
    // libcurl is opened on the first request; without it only S3 commands fail, saying so.
    let library = try CurlLibrary.shared.get()
    // curl sets Host from the URL: the value signed above.
    let request = CurlRequest(
      method: method, url: urlText, headers: signed.filter { $0.key != "host" }.map { (name: $0.key, value: $0.value) },
      body: body, timeout: timeout)
    return try await pool.send(request, with: library)
  }

  static func describe(_ error: Error) -> String {
    if let failure = error as? CurlFailure {
      switch failure.code {
      case MLV_CURLE_COULDNT_CONNECT: return "connection refused"
      case MLV_CURLE_OPERATION_TIMEDOUT: return "timed out"
      case MLV_CURLE_GOT_NOTHING, MLV_CURLE_SEND_ERROR, MLV_CURLE_RECV_ERROR, MLV_CURLE_PARTIAL_FILE,
        MLV_CURLE_HTTP2, MLV_CURLE_HTTP2_STREAM:
        return "connection lost"
      case MLV_CURLE_COULDNT_RESOLVE_HOST, MLV_CURLE_COULDNT_RESOLVE_PROXY: return "unknown host"
      default: return failure.message
      }
    }
    return "\(error)"
  }
}
