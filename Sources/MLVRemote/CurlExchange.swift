import CCurl
import Foundation
import MLVSystem

/// One HTTP request as the transport hands it to curl: already signed, URL encoded.
struct CurlRequest: Sendable {
  let method: String
  let url: String
  /// Sent as given; curl adds Host (from the URL, the value that was signed) and Content-Length.
  let headers: [(name: String, value: String)]
  let body: [UInt8]?
  /// Seconds allowed to connect, and to go without any byte moving either way.
  let timeout: TimeInterval
}

/// A transfer that ended without an HTTP answer: curl's error code and its message.
struct CurlFailure: Error, CustomStringConvertible {
  let code: Int32
  let message: String
  var description: String { "\(message) (curl error \(code))" }
}

/// Runs one request on a curl easy handle, blocking the calling thread (a CurlPool worker).
enum CurlExchange {
  static func perform(
    _ request: CurlRequest, cancelled: Locked<Bool>, handle: UnsafeMutableRawPointer, library: CurlLibrary,
    errorBuffer: UnsafeMutablePointer<CChar>
  ) -> Result<S3Response, Error> {
    if cancelled.value { return .failure(CancellationError()) }
    var lines = ["Expect:"]  // no `Expect: 100-continue` wait before a body
    if !request.headers.contains(where: { $0.name.lowercased() == "content-type" }) {
      lines.append("Content-Type:")  // none of curl's application/x-www-form-urlencoded
    }
    for (name, value) in request.headers {
      guard !(name + value).contains(where: { $0 == "\r" || $0 == "\n" }) else {
        return .failure(RemoteError.invalidResponse(detail: "refusing to send header \(name) with a line break"))
      }
      // "Name:" would remove a header; "Name;" is curl's spelling of an empty one.
      lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
    }
    var list: UnsafeMutableRawPointer?
    defer { library.free(list) }
    for line in lines {
      guard let longer = library.append(list, line) else {
        return .failure(TransportFailure(underlying: CurlFailure(code: -1, message: "out of memory for headers")))
      }
      list = longer
    }

    let state = ExchangeState(cancelled: cancelled)
    library.reset(handle)
    errorBuffer[0] = 0
    configure(handle, library, request, state: state, headers: list, errorBuffer: errorBuffer)
    let code: Int32 = withExtendedLifetime(state) {
      // PUT and POST always carry a body, empty if none was given, so curl sends
      // `Content-Length: 0` (S3 refuses a PUT without a length).
      guard let body = request.body ?? (["PUT", "POST"].contains(request.method) ? [] : nil) else {
        return library.perform(handle)
      }
      // An empty array may have no storage; curl needs an address even for 0 bytes.
      return (body.isEmpty ? [0] : body).withUnsafeBufferPointer { bytes in
        // POSTFIELDS is not copied: the bytes stay valid until perform returns.
        library.set(handle, MLV_CURLOPT_POSTFIELDS, pointer: UnsafeRawPointer(bytes.baseAddress))
        library.set(handle, MLV_CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(body.count))
        return library.perform(handle)
      }
    }
    let status = library.responseCode(handle)
    // Nothing of this request (pointers to its state, its headers) may outlive it in the handle.
    library.reset(handle)
    if code == MLV_CURLE_ABORTED_BY_CALLBACK && cancelled.value { return .failure(CancellationError()) }
    guard code == MLV_CURLE_OK else {
      let detail = String(cString: errorBuffer)
      return .failure(
        TransportFailure(underlying: CurlFailure(code: code, message: detail.isEmpty ? library.describe(code) : detail)))
    }
    return .success(S3Response(status: status, headers: state.headers, body: state.body))
  }

  private static func configure(
    _ handle: UnsafeMutableRawPointer, _ library: CurlLibrary, _ request: CurlRequest, state: ExchangeState,
    headers: UnsafeMutableRawPointer?, errorBuffer: UnsafeMutablePointer<CChar>
  ) {
    library.set(handle, MLV_CURLOPT_URL, string: request.url)
    library.set(handle, MLV_CURLOPT_PROTOCOLS, Int(MLV_CURLPROTO_HTTP_HTTPS))
    // S3 speaks HTTP/1.1; one connection per handle keeps the pool's size the connection count.
    library.set(handle, MLV_CURLOPT_HTTP_VERSION, Int(MLV_CURL_HTTP_VERSION_1_1))
    // No SIGALRM for DNS timeouts: the handles run on several threads.
    library.set(handle, MLV_CURLOPT_NOSIGNAL, 1)
    let seconds = max(1, min(request.timeout, 86_400))
    library.set(handle, MLV_CURLOPT_CONNECTTIMEOUT_MS, Int(seconds * 1000))
    // Like URLSession's request timeout: an idle limit (under 1 byte/s for that long), not
    // a bound on the whole transfer, which may take hours for a large object.
    library.set(handle, MLV_CURLOPT_LOW_SPEED_LIMIT, 1)
    library.set(handle, MLV_CURLOPT_LOW_SPEED_TIME, Int(seconds.rounded(.up)))
    library.set(handle, MLV_CURLOPT_ERRORBUFFER, pointer: UnsafeRawPointer(errorBuffer))
    library.set(handle, MLV_CURLOPT_HTTPHEADER, pointer: UnsafeRawPointer(headers))
    switch request.method {
    case "GET": library.set(handle, MLV_CURLOPT_HTTPGET, 1)
    case "HEAD": library.set(handle, MLV_CURLOPT_NOBODY, 1)
    default: library.set(handle, MLV_CURLOPT_CUSTOMREQUEST, string: request.method)
    }
    let context = UnsafeRawPointer(Unmanaged.passUnretained(state).toOpaque())
    library.set(handle, MLV_CURLOPT_WRITEDATA, pointer: context)
    library.set(handle, MLV_CURLOPT_WRITEFUNCTION, write: { data, size, count, context in
      guard let context else { return 0 }
      let (total, overflow) = size.multipliedReportingOverflow(by: count)
      guard !overflow else { return 0 }  // a short count makes curl fail the transfer
      if total > 0, let data {
        Unmanaged<ExchangeState>.fromOpaque(context).takeUnretainedValue().appendBody(
          UnsafeRawBufferPointer(start: data, count: total))
      }
      return total
    })
    library.set(handle, MLV_CURLOPT_HEADERDATA, pointer: context)
    library.set(handle, MLV_CURLOPT_HEADERFUNCTION, write: { data, size, count, context in
      guard let context else { return 0 }
      let (total, overflow) = size.multipliedReportingOverflow(by: count)
      guard !overflow else { return 0 }
      if total > 0, let data {
        Unmanaged<ExchangeState>.fromOpaque(context).takeUnretainedValue().headerLine(
          UnsafeRawBufferPointer(start: data, count: total))
      }
      return total
    })
    library.set(handle, MLV_CURLOPT_NOPROGRESS, 0)
    library.set(handle, MLV_CURLOPT_XFERINFODATA, pointer: context)
    // curl calls this at least once a second, connecting and waiting included: a nonzero
    // answer aborts the transfer (CURLE_ABORTED_BY_CALLBACK).
    library.set(handle, MLV_CURLOPT_XFERINFOFUNCTION, progress: { context, _, _, _, _ in
      guard let context else { return 0 }
      return Unmanaged<ExchangeState>.fromOpaque(context).takeUnretainedValue().cancelled.value ? 1 : 0
    })
  }
}

/// What curl's callbacks gather during one perform; touched only by the worker's thread.
private final class ExchangeState {
  let cancelled: Locked<Bool>
  var headers: [String: String] = [:]
  var body: [UInt8] = []
  init(cancelled: Locked<Bool>) { self.cancelled = cancelled }

  /// A body larger than this is not reserved up front from its Content-Length (a header
  /// is the server's word, not a size to allocate): it grows as it arrives.
  static let reserveLimit = 64 << 20

  /// Appends body bytes. The first reserves the length the response announces, so a
  /// 16 MiB range of a pack is one allocation: grown by doubling, it was five, and held
  /// one and a half times its size at the peak (a pull of 100,000 files: 161 MB of its
  /// 187 MB peak was download buffers).
  func appendBody(_ bytes: UnsafeRawBufferPointer) {
    if body.isEmpty, let n = headers["content-length"].flatMap({ Int($0) }), n > 0, n <= Self.reserveLimit {
      body.reserveCapacity(n)
    }
    body.append(contentsOf: bytes)
  }

  /// One header line, CRLF included. A status line starts a response: interim ones
  /// (100 Continue) are forgotten, so the headers are the final response's.
  func headerLine(_ bytes: UnsafeRawBufferPointer) {
    let line = String(decoding: bytes, as: UTF8.self)
    if line.hasPrefix("HTTP/") {
      headers = [:]
      return
    }
    guard let colon = line.firstIndex(of: ":") else { return }  // the blank line ending the block
    let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
    let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
    guard !name.isEmpty else { return }
    // Repeated fields combine as HTTP allows (and as HTTPURLResponse did).
    headers[name] = headers[name].map { "\($0), \(value)" } ?? value
  }
}
