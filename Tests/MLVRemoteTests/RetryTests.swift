import Foundation
import MLVTestSupport
import Testing

@testable import MLVRemote

/// A scripted HTTP server (Python, test fixture only) that fails on purpose, to check which
/// answers are retried. Paths: `/b/flaky` answers 503 twice then 200 "ok"; `/b/throttled`
/// answers 429 once then 200; `/b/denied` always 403 AccessDenied; `/b/broken` always 500.
/// `GET /count/<path>` tells how many requests `<path>` received.
final class FlakyServer: @unchecked Sendable {
  private let server: ScriptedServer
  var port: Int { server.port }

  static let script = #"""
    import http.server, sys, collections
    counts = collections.Counter()
    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a): pass
        def answer(self, status, body=b"", ctype="application/xml"):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD": self.wfile.write(body)
        def do_GET(self):
            if self.path.startswith("/count/"):
                return self.answer(200, str(counts[self.path[6:]]).encode(), "text/plain")
            counts[self.path] += 1
            n = counts[self.path]
            err = lambda code: ("<Error><Code>%s</Code><Message>scripted</Message></Error>" % code).encode()
            if self.path == "/b/flaky":
                return self.answer(503, err("SlowDown")) if n <= 2 else self.answer(200, b"ok", "text/plain")
            if self.path == "/b/throttled":
                return self.answer(429, err("TooManyRequests")) if n <= 1 else self.answer(200, b"ok", "text/plain")
            if self.path == "/b/denied":
                return self.answer(403, err("AccessDenied"))
            return self.answer(500, err("InternalError"))
    http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
    """#

  init() async throws {
    server = try await ScriptedServer(script: Self.script)
  }

  func count(_ path: String) async throws -> Int {
    let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/count\(path)")!)
    return Int(String(decoding: data, as: UTF8.self)) ?? -1
  }

  func stop() { server.stop() }
}

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

struct RetryTests {
  @Test func retriesServerErrorsButNotClientErrors() async throws {
    let server = try await FlakyServer()
    defer { server.stop() }
    let backend = S3Backend(
      location: S3Location(bucket: "b", prefix: ""), endpoint: URL(string: "http://127.0.0.1:\(server.port)"),
      region: "us-east-1", credentials: offlineCredentials, retry: RetryPolicy(maxAttempts: 4, baseDelay: 0.01))

    #expect(try await backend.get("flaky") == Array("ok".utf8))
    #expect(try await server.count("/b/flaky") == 3)
    #expect(try await backend.get("throttled") == Array("ok".utf8))
    #expect(try await server.count("/b/throttled") == 2)

    await #expect(throws: RemoteError.self) { try await backend.get("denied") }
    #expect(try await server.count("/b/denied") == 1)

    do {
      _ = try await backend.get("broken")
      Issue.record("expected an error")
    } catch let error as RemoteError {
      #expect(error == .http(status: 500, code: "InternalError", message: "scripted", key: "broken"))
    }
    #expect(try await server.count("/b/broken") == 4)
  }

  @Test func delaysGrowExponentiallyWithJitter() {
    let policy = RetryPolicy(maxAttempts: 5, baseDelay: 1, maxDelay: 5)
    for _ in 0..<20 {
      #expect((0.5...1).contains(policy.delay(beforeRetry: 1)))
      #expect((1...2).contains(policy.delay(beforeRetry: 2)))
      #expect((2.5...5).contains(policy.delay(beforeRetry: 4)))  // capped at maxDelay
    }
  }
}
