/// Key validation shared by every backend, so that a key accepted by one is accepted by all.
enum RemoteKey {
  /// Prefix of the temporary files the local backend writes before renaming; keys may not
  /// use it so that a listing never confuses a half-written file with an object.
  static let temporaryPrefix = ".mlv-tmp-"

  static func validate(_ key: String) throws {
    if key.isEmpty { throw RemoteError.invalidKey(key: key, reason: "empty key") }
    if key.hasPrefix("/") { throw RemoteError.invalidKey(key: key, reason: "absolute key") }
    if key.utf8.contains(0) { throw RemoteError.invalidKey(key: key, reason: "contains a nul byte") }
    if key.contains("\\") { throw RemoteError.invalidKey(key: key, reason: "contains a backslash") }
    if key.utf8.count > 1024 { throw RemoteError.invalidKey(key: key, reason: "longer than 1024 bytes") }
    for component in key.split(separator: "/", omittingEmptySubsequences: false) {
      if component.isEmpty { throw RemoteError.invalidKey(key: key, reason: "empty path component") }
      if component == "." || component == ".." {
        throw RemoteError.invalidKey(key: key, reason: "contains \"\(component)\"")
      }
      if component.hasPrefix(temporaryPrefix) {
        throw RemoteError.invalidKey(key: key, reason: "reserved name \(component)")
      }
    }
  }

  /// A listing prefix may be empty or end with "/", but must not climb out of the root.
  static func validatePrefix(_ prefix: String) throws {
    if prefix.isEmpty { return }
    if prefix.hasPrefix("/") { throw RemoteError.invalidKey(key: prefix, reason: "absolute prefix") }
    for component in prefix.split(separator: "/", omittingEmptySubsequences: true)
    where component == "." || component == ".." {
      throw RemoteError.invalidKey(key: prefix, reason: "contains \"\(component)\"")
    }
  }
}
