/// Every failure of the remote layer, with enough context to act on it.
public enum RemoteError: Error, CustomStringConvertible, Equatable {
  /// The object does not exist.
  case notFound(key: String)
  /// The credentials were rejected (unknown key id, wrong secret, or no permission).
  case accessDenied(remote: String, detail: String)
  case noSuchBucket(bucket: String)
  /// The bucket lives in another region than the one requests were signed for.
  case wrongRegion(bucket: String, region: String)
  /// No HTTP answer at all after every retry (connection refused, DNS, timeout).
  case unreachable(endpoint: String, underlying: String)
  /// Any other error answer from the server, with S3's error code and message when it sent them.
  case http(status: Int, code: String, message: String, key: String?)
  /// A key that could escape the remote's root or name nothing.
  case invalidKey(key: String, reason: String)
  case invalidRange(key: String, range: Range<Int64>)
  case invalidLocation(url: String, reason: String)
  /// No credentials in the environment or the shared credentials file.
  case missingCredentials(detail: String)
  /// A shared library S3 transfers need (libcurl) could not be opened: why, per file tried,
  /// and the Debian package that provides it.
  case libraryUnavailable(library: String, detail: String, package: String)
  /// A response we could not make sense of (malformed XML, missing ETag...).
  case invalidResponse(detail: String)
  /// A local file-system failure (the local backend, or the file given to putFile/getFile).
  case io(path: String, detail: String)
  /// A remote served bytes that do not hash to the object's id (or a damaged pack/index).
  case corruptObject(remote: String, key: String, id: String, reason: String)
  case corruptIndex(remote: String, key: String, reason: String)
  /// Objects a transfer needs that the remote does not have.
  case missingObjects(remote: String, count: Int, examples: [String])
  /// A remote name that is not configured (or none configured at all).
  case unknownRemote(name: String, known: [String])
  /// An environment setting (MLV_S3_PART_SIZE...) that cannot be used.
  case invalidSetting(name: String, value: String, reason: String)
  /// Another process holds a conflicting lock on the remote (gc against push).
  case locked(remote: String, holders: [String])

  public var description: String {
    switch self {
    case .notFound(let key):
      return "object not found: \(key)"
    case .accessDenied(let remote, let detail):
      return "access denied to \(remote): \(detail) (check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the profile in ~/.aws/credentials)"
    case .noSuchBucket(let bucket):
      return "bucket does not exist: \(bucket)"
    case .wrongRegion(let bucket, let region):
      return "bucket \(bucket) is in region \(region); set AWS_REGION=\(region) or the remote's region"
    case .unreachable(let endpoint, let underlying):
      return "cannot reach \(endpoint): \(underlying)"
    case .http(let status, let code, let message, let key):
      var text = "server answered \(status)"
      if !code.isEmpty { text += " \(code)" }
      if !message.isEmpty { text += ": \(message)" }
      if let key { text += " (key \(key))" }
      return text
    case .invalidKey(let key, let reason):
      return "invalid remote key \"\(key)\": \(reason)"
    case .invalidRange(let key, let range):
      return "range \(range.lowerBound)..<\(range.upperBound) is outside object \(key)"
    case .invalidLocation(let url, let reason):
      return "invalid remote location \"\(url)\": \(reason)"
    case .missingCredentials(let detail):
      return "no aws credentials found: \(detail)"
    case .libraryUnavailable(let library, let detail, let package):
      return "S3 remotes need \(library), which could not be loaded (\(detail)); install it with `apt-get install \(package)`"
    case .invalidResponse(let detail):
      return "unexpected response from server: \(detail)"
    case .io(let path, let detail):
      return "\(path): \(detail)"
    case .corruptObject(let remote, let key, let id, let reason):
      return "remote \(remote) served a corrupt object \(id) in \(key): \(reason); nothing of it was stored"
    case .corruptIndex(let remote, let key, let reason):
      return "remote \(remote) has a damaged index \(key): \(reason)"
    case .missingObjects(let remote, let count, let examples):
      return "remote \(remote) lacks \(count) needed objects"
        + (examples.isEmpty ? "" : " (needed by " + examples.prefix(5).joined(separator: ", ") + ")")
    case .invalidSetting(let name, let value, let reason):
      return "\(name)=\(value): \(reason)"
    case .locked(let remote, let holders):
      return "\(remote) is locked by \(holders.joined(separator: ", ")); try again when it finishes "
        + "(locks older than 6 hours are ignored as stale; `mlv remote unlock` removes those of killed processes)"
    case .unknownRemote(let name, let known):
      if name.isEmpty {
        return known.isEmpty
          ? "no remote configured; add one with `mlv remote add NAME URL`"
          : "several remotes (\(known.joined(separator: ", "))) and no default; name one or run `mlv remote default NAME`"
      }
      return "no remote named \(name)" + (known.isEmpty ? "" : " (known: \(known.joined(separator: ", ")))")
    }
  }
}
