import Foundation
import MLVTestSupport
import Testing

@testable import MLVRemote

/// A scripted HTTP server (Python, test fixture only) that shows what S3Transport puts on
/// the wire and answers in ways S3 servers do. `/b/echo` answers with the request as it
/// arrived: `method`, `length` (Content-Length), `chunked`, `expect`, `type`
/// (Content-Type) and `body` (bytes read), one `name=value` per line. `/b/interim` sends a
/// `100 Continue` block with its own header before the final answer; `/b/slow` answers
/// after 60 s; HEAD answers a length and no body. Every answer repeats a header twice.
final class WireServer: @unchecked Sendable {
  private let server: ScriptedServer
  var port: Int { server.port }

  static let script = #"""
    import http.server, sys, time
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def log_message(self, *a): pass
        def answer(self, status, body):
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Twice", "a")
            self.send_header("X-Twice", "b")
            self.send_header("X-Mixed-Case", "v")
            self.end_headers()
            if self.command != "HEAD": self.wfile.write(body)
        def handle_any(self):
            length = self.headers.get("Content-Length")
            chunked = "chunked" in (self.headers.get("Transfer-Encoding") or "")
            body = self.rfile.read(int(length)) if length else b""
            if self.path == "/b/slow":
                time.sleep(60)
            if self.path == "/b/interim":
                self.wfile.write(b"HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n")
            lines = ["method=" + self.command, "length=" + (length or "none"), "chunked=" + str(chunked),
                     "expect=" + (self.headers.get("Expect") or "none"),
                     "type=" + (self.headers.get("Content-Type") or "none"), "body=" + str(len(body))]
            self.answer(200, "\n".join(lines).encode())
        do_GET = do_PUT = do_POST = do_DELETE = handle_any
        def do_HEAD(self):
            self.send_response(200)
            self.send_header("Content-Length", "1234")
            self.end_headers()
    http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
    """#

  init() async throws {
    server = try await ScriptedServer(script: Self.script)
  }

  func transport(timeout: TimeInterval = 60, attempts: Int = 1) -> S3Transport {
    S3Transport(
      endpoint: URL(string: "http://127.0.0.1:\(port)")!, signer: SigV4Signer(credentials: offlineCredentials, region: "us-east-1"),
      retry: RetryPolicy(maxAttempts: attempts, baseDelay: 0.01), timeout: timeout)
  }

  func stop() { server.stop() }
}

private func fields(_ response: S3Response) -> [String: String] {
  var out: [String: String] = [:]
  for line in String(decoding: response.body, as: UTF8.self).split(separator: "\n") {
    let parts = line.split(separator: "=", maxSplits: 1)
    if parts.count == 2 { out[String(parts[0])] = String(parts[1]) }
  }
  return out
}

@Suite(.serialized) struct CurlTransportTests {
  /// Bodies go with their exact length, never chunked, never after an `Expect:
  /// 100-continue` wait, and with no Content-Type but the caller's.
  @Test func bodiesGoWithTheirLengthAndNothingCurlWouldAdd() async throws {
    let server = try await WireServer()
    defer { server.stop() }
    let transport = server.transport()
    // Above curl's 1 MiB threshold for adding `Expect: 100-continue` to a body.
    let big = pseudoRandomBytes(count: 3 << 20, seed: 7)
    for method in ["PUT", "POST"] {
      let echoed = fields(try await transport.send(method: method, path: "/b/echo", body: big))
      #expect(echoed["method"] == method)
      #expect(echoed["length"] == String(big.count) && echoed["body"] == String(big.count))
      #expect(echoed["chunked"] == "False" && echoed["expect"] == "none" && echoed["type"] == "none", "\(echoed)")
    }
    let typed = fields(
      try await transport.send(method: "PUT", path: "/b/echo", headers: ["content-type": "application/xml"], body: [1]))
    #expect(typed["type"] == "application/xml")
    // A PUT without a body still says so: S3 refuses a PUT with no length.
    let empty = fields(try await transport.send(method: "PUT", path: "/b/echo"))
    #expect(empty["length"] == "0" && empty["body"] == "0")
    let deleted = fields(try await transport.send(method: "DELETE", path: "/b/echo"))
    #expect(deleted["method"] == "DELETE" && deleted["length"] == "none")
    let got = fields(try await transport.send(method: "GET", path: "/b/echo"))
    #expect(got["method"] == "GET" && got["length"] == "none")
  }

  @Test func headersAreLowercasedRepeatedOnesJoinedAndInterimOnesDropped() async throws {
    let server = try await WireServer()
    defer { server.stop() }
    let transport = server.transport()
    let plain = try await transport.send(method: "GET", path: "/b/echo")
    #expect(plain.status == 200)
    #expect(plain.header("X-Mixed-Case") == "v" && plain.headers["x-mixed-case"] == "v")
    #expect(plain.headers["x-twice"] == "a, b")
    let interim = try await transport.send(method: "PUT", path: "/b/interim", body: [1, 2, 3])
    #expect(interim.status == 200 && fields(interim)["body"] == "3")
    #expect(interim.headers["x-interim"] == nil && interim.headers["x-twice"] == "a, b", "\(interim.headers)")
    let head = try await transport.send(method: "HEAD", path: "/b/anything")
    #expect(head.status == 200 && head.headers["content-length"] == "1234" && head.body.isEmpty)
  }

  /// Requests beyond the pool's eight handles wait their turn; all are answered.
  @Test func manyConcurrentRequestsShareThePool() async throws {
    let server = try await WireServer()
    defer { server.stop() }
    let transport = server.transport()
    let lengths = try await withThrowingTaskGroup(of: String?.self) { group in
      for i in 0..<40 {
        group.addTask { fields(try await transport.send(method: "PUT", path: "/b/echo", body: Array(repeating: 1, count: i)))["body"] }
      }
      return try await group.reduce(into: [String?]()) { $0.append($1) }
    }
    #expect(Set(lengths.compactMap { $0 }) == Set((0..<40).map(String.init)))
  }

  /// A cancelled task's transfer is aborted (curl's progress callback asks about every
  /// second) and the task gets CancellationError, not a transport failure.
  @Test func cancellationAbortsATransferInFlight() async throws {
    let server = try await WireServer()
    defer { server.stop() }
    let transport = server.transport()
    let task = Task { try await transport.send(method: "GET", path: "/b/slow") }
    try await Task.sleep(nanoseconds: 300_000_000)
    task.cancel()
    await #expect(throws: CancellationError.self) { _ = try await task.value }
  }

  /// No byte for `timeout` seconds ends the request as "timed out"; nothing listening, as
  /// "connection refused" (the texts RemoteError.unreachable shows).
  @Test func idleAndRefusedConnectionsAreNamed() async throws {
    let server = try await WireServer()
    defer { server.stop() }
    do {
      _ = try await server.transport(timeout: 1).send(method: "GET", path: "/b/slow")
      Issue.record("expected a timeout")
    } catch RemoteError.unreachable(_, let underlying) {
      #expect(underlying == "timed out")
    }
    let dead = try MotoServer.freePort()
    let refused = S3Transport(
      endpoint: URL(string: "http://127.0.0.1:\(dead)")!, signer: SigV4Signer(credentials: offlineCredentials, region: "us-east-1"),
      retry: RetryPolicy(maxAttempts: 1, baseDelay: 0.01), timeout: 5)
    do {
      _ = try await refused.send(method: "GET", path: "/b/k")
      Issue.record("expected a refusal")
    } catch RemoteError.unreachable(_, let underlying) {
      #expect(underlying == "connection refused")
    }
  }
}
