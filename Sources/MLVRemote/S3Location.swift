/// Where in S3 a remote lives: `s3://bucket/some/prefix`.
public struct S3Location: Sendable, Hashable, CustomStringConvertible {
  public let bucket: String
  /// Key prefix without leading or trailing slash; empty for the bucket root.
  public let prefix: String

  public init(bucket: String, prefix: String) {
    self.bucket = bucket
    self.prefix = prefix.split(separator: "/").joined(separator: "/")
  }

  public var description: String {
    prefix.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(prefix)"
  }

  public static func parse(_ url: String) throws -> S3Location {
    guard url.hasPrefix("s3://") else {
      throw RemoteError.invalidLocation(url: url, reason: "expected s3://bucket[/prefix]")
    }
    let rest = url.dropFirst("s3://".count)
    let bucket = String(rest.prefix { $0 != "/" })
    let prefix = String(rest.dropFirst(bucket.count))
    try validateBucket(bucket, url: url)
    if prefix.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) {
      throw RemoteError.invalidLocation(url: url, reason: "prefix may not contain \".\" or \"..\"")
    }
    return S3Location(bucket: bucket, prefix: prefix)
  }

  /// S3's bucket naming rules (3-63 chars of lowercase letters, digits, dots and hyphens,
  /// starting and ending with a letter or digit); checked early so a typo gets a clear error
  /// rather than a signature mismatch.
  static func validateBucket(_ bucket: String, url: String) throws {
    if bucket.isEmpty { throw RemoteError.invalidLocation(url: url, reason: "missing bucket name") }
    let allowed = bucket.utf8.allSatisfy { c in
      (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2e || c == 0x2d
    }
    guard allowed, (3...63).contains(bucket.utf8.count),
      let first = bucket.utf8.first, let last = bucket.utf8.last,
      first != 0x2e, first != 0x2d, last != 0x2e, last != 0x2d
    else {
      throw RemoteError.invalidLocation(
        url: url, reason: "bucket name \"\(bucket)\" must be 3-63 lowercase letters, digits, '.' or '-'")
    }
  }

  /// The full S3 key for a remote key.
  func objectKey(_ key: String) -> String {
    prefix.isEmpty ? key : prefix + "/" + key
  }

  /// The remote key for a full S3 key, or nil when it lies outside this location.
  func remoteKey(_ objectKey: String) -> String? {
    if prefix.isEmpty { return objectKey }
    let head = prefix + "/"
    return objectKey.hasPrefix(head) ? String(objectKey.dropFirst(head.count)) : nil
  }
}
