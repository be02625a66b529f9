import Crypto
import Foundation

/// AWS Signature Version 4 (header form), as S3 expects it.
///
/// The caller passes the request's raw (unencoded) path and query; the signer encodes them
/// with `SigV4Signer.encodePath` / `encodeQuery`, and the request must be sent with exactly
/// that encoding (S3Backend builds its URLs through the same functions). S3 does not
/// normalize paths, so neither do we: `a//b/../c` is signed as written.
public struct SigV4Signer: Sendable {
  public let credentials: AWSCredentials
  public let region: String
  public let service: String

  public init(credentials: AWSCredentials, region: String, service: String = "s3") {
    self.credentials = credentials
    self.region = region
    self.service = service
  }

  /// SHA-256 of the empty body, the payload hash of every GET/HEAD/DELETE.
  public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
  public static let unsignedPayload = "UNSIGNED-PAYLOAD"

  public static func sha256Hex<D: DataProtocol>(_ data: D) -> String {
    hex(SHA256.hash(data: data))
  }

  /// Signs a request. `headers` must include `host`; `x-amz-date` (and the session token
  /// header, when the credentials have one) are added. Returns all headers to send,
  /// including `Authorization`. `payloadHash` is the hex SHA-256 of the body or
  /// `UNSIGNED-PAYLOAD`; S3 also wants it sent as `x-amz-content-sha256`, which the caller
  /// adds to `headers` so that it is signed.
  public func sign(
    method: String, path: String, query: [(String, String)], headers: [String: String],
    payloadHash: String, date: Date
  ) -> [String: String] {
    let (amzDate, day) = Self.timestamps(date)
    var all: [String: String] = [:]
    for (name, value) in headers { all[name.lowercased()] = value }
    all["x-amz-date"] = amzDate
    if let token = credentials.sessionToken { all["x-amz-security-token"] = token }
    let canonical = canonicalRequest(
      method: method, path: path, query: query, headers: all, payloadHash: payloadHash)
    all["authorization"] = authorization(canonicalRequest: canonical, signedHeaders: Self.signedHeaders(all), amzDate: amzDate, day: day)
    return all
  }

  /// Task 1: the canonical request.
  public func canonicalRequest(
    method: String, path: String, query: [(String, String)], headers: [String: String],
    payloadHash: String
  ) -> String {
    let lowered = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
    let names = lowered.keys.sorted()
    let canonicalHeaders = names.map { "\($0):\(Self.trimHeaderValue(lowered[$0] ?? ""))\n" }.joined()
    return [
      method.uppercased(),
      Self.encodePath(path),
      Self.encodeQuery(query),
      canonicalHeaders,
      names.joined(separator: ";"),
      payloadHash,
    ].joined(separator: "\n")
  }

  /// Task 2: the string to sign.
  public func stringToSign(canonicalRequest: String, date: Date) -> String {
    let (amzDate, day) = Self.timestamps(date)
    return stringToSign(canonicalRequest: canonicalRequest, amzDate: amzDate, day: day)
  }

  /// Tasks 3 and 4: the Authorization header value for a canonical request.
  public func authorization(canonicalRequest: String, signedHeaders: String, date: Date) -> String {
    let (amzDate, day) = Self.timestamps(date)
    return authorization(canonicalRequest: canonicalRequest, signedHeaders: signedHeaders, amzDate: amzDate, day: day)
  }

  private func scope(day: String) -> String { "\(day)/\(region)/\(service)/aws4_request" }

  private func stringToSign(canonicalRequest: String, amzDate: String, day: String) -> String {
    ["AWS4-HMAC-SHA256", amzDate, scope(day: day), Self.sha256Hex(Array(canonicalRequest.utf8))]
      .joined(separator: "\n")
  }

  private func authorization(canonicalRequest: String, signedHeaders: String, amzDate: String, day: String) -> String {
    let toSign = stringToSign(canonicalRequest: canonicalRequest, amzDate: amzDate, day: day)
    // The signing key depends only on the secret, day, region and service; recomputing it
    // costs four HMACs per request, negligible next to the request itself.
    var key = SymmetricKey(data: Array(("AWS4" + credentials.secretAccessKey).utf8))
    for part in [day, region, service, "aws4_request"] {
      key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
    }
    let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Array(toSign.utf8), using: key))
    return "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(day: day)), "
      + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
  }

  static func signedHeaders(_ headers: [String: String]) -> String {
    headers.keys.map { $0.lowercased() }.sorted().joined(separator: ";")
  }

  /// Header values: leading/trailing spaces removed, inner runs of spaces collapsed.
  static func trimHeaderValue(_ value: String) -> String {
    value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
      .trimmingCharacters(in: .whitespaces)
  }

  /// `20150830T123600Z` and `20150830`, always in UTC and the Gregorian calendar.
  static func timestamps(_ date: Date) -> (amzDate: String, day: String) {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
    let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    func pad(_ v: Int?, _ width: Int) -> String {
      let s = String(v ?? 0)
      return String(repeating: "0", count: max(0, width - s.count)) + s
    }
    let day = pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2)
    return (day + "T" + pad(c.hour, 2) + pad(c.minute, 2) + pad(c.second, 2) + "Z", day)
  }

  /// URI-encodes every byte except the unreserved set `A-Z a-z 0-9 - . _ ~` (RFC 3986), with
  /// uppercase hex, as SigV4 requires. `/` is kept when `keepSlash` (object key paths).
  public static func uriEncode(_ text: String, keepSlash: Bool) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    let digits: [Character] = Array("0123456789ABCDEF")
    for byte in text.utf8 {
      if isUnreserved(byte) || (keepSlash && byte == 0x2F) {
        out.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        out.append("%")
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0xF)])
      }
    }
    return out
  }

  private static func isUnreserved(_ byte: UInt8) -> Bool {
    if byte >= 0x41 && byte <= 0x5A { return true }  // A-Z
    if byte >= 0x61 && byte <= 0x7A { return true }  // a-z
    if byte >= 0x30 && byte <= 0x39 { return true }  // 0-9
    return byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E  // - . _ ~
  }

  /// The canonical URI: each segment encoded once, slashes kept; empty path is "/".
  public static func encodePath(_ path: String) -> String {
    path.isEmpty ? "/" : uriEncode(path, keepSlash: true)
  }

  /// The canonical query string: names and values encoded, sorted by name then value.
  public static func encodeQuery(_ query: [(String, String)]) -> String {
    var pairs: [(name: String, value: String)] = []
    for (name, value) in query {
      pairs.append((uriEncode(name, keepSlash: false), uriEncode(value, keepSlash: false)))
    }
    // Encoded text is ASCII, so String ordering here is byte ordering, as SigV4 requires.
    pairs.sort { a, b in a.name == b.name ? a.value < b.value : a.name < b.name }
    var parts: [String] = []
    for pair in pairs { parts.append(pair.name + "=" + pair.value) }
    return parts.joined(separator: "&")
  }

  static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    for b in bytes {
      out.append(digits[Int(b >> 4)])
      out.append(digits[Int(b & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
  }

  static func hex<D: Digest>(_ digest: D) -> String { hex(Array(digest)) }
  static func hex(_ code: HashedAuthenticationCode<SHA256>) -> String { hex(Array(code)) }
}
