import Foundation

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

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
  // @unchecked: every stored property is immutable; URLSession is thread-safe.
  let scheme: String
  let host: String
  let port: Int?
  let basePath: String
  let signer: SigV4Signer
  let retry: RetryPolicy
  let session: URLSession

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
    let configuration = URLSessionConfiguration.ephemeral
    configuration.timeoutIntervalForRequest = timeout
    configuration.httpMaximumConnectionsPerHost = 8
    configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
    session = URLSession(configuration: configuration)
  }

  deinit {
    session.finishTasksAndInvalidate()
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
    guard let url = URL(string: urlText) else {
      throw RemoteError.invalidResponse(detail: "cannot form a url from \(urlText)")
    }
    var request = URLRequest(url: url)
    request.httpMethod = method
    // The session would set Host itself; we signed the same value.
    for (name, value) in signed where name != "host" {
      request.setValue(value, forHTTPHeaderField: name)
    }
    if let body { request.httpBody = Data(body) }
    return try await perform(request)
  }

  private func perform(_ request: URLRequest) async throws -> S3Response {
    let box = TaskBox()
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<S3Response, Error>) in
        let task = session.dataTask(with: request) { data, response, error in
          if let error {
            if (error as? URLError)?.code == .cancelled {
              continuation.resume(throwing: CancellationError())
            } else {
              continuation.resume(throwing: TransportFailure(underlying: error))
            }
            return
          }
          guard let http = response as? HTTPURLResponse else {
            continuation.resume(throwing: TransportFailure(underlying: URLError(.badServerResponse)))
            return
          }
          var headers: [String: String] = [:]
          for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
          }
          continuation.resume(
            returning: S3Response(status: http.statusCode, headers: headers, body: data.map { [UInt8]($0) } ?? []))
        }
        box.set(task)
        task.resume()
      }
    } onCancel: {
      box.cancel()
    }
  }

  static func describe(_ error: Error) -> String {
    if let urlError = error as? URLError {
      switch urlError.code {
      case .cannotConnectToHost: return "connection refused"
      case .timedOut: return "timed out"
      case .networkConnectionLost: return "connection lost"
      case .cannotFindHost, .dnsLookupFailed: return "unknown host"
      default: return urlError.localizedDescription
      }
    }
    return "\(error)"
  }
}

/// Hands the running task to the cancellation handler, which may run on another thread.
private final class TaskBox: @unchecked Sendable {
  private let lock = NSLock()
  private var task: URLSessionTask?
  private var cancelled = false

  func set(_ task: URLSessionTask) {
    lock.lock()
    self.task = task
    let alreadyCancelled = cancelled
    lock.unlock()
    if alreadyCancelled { task.cancel() }
  }

  func cancel() {
    lock.lock()
    cancelled = true
    let task = self.task
    lock.unlock()
    task?.cancel()
  }
}
