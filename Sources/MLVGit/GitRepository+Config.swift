import CLibGit2

extension GitRepository {
  /// The value of `key` in the repository's effective configuration (local, global and
  /// system, as git reads it); nil when unset.
  public func configValue(_ key: String) throws -> String? {
    var config: OpaquePointer?
    try check(git_repository_config_snapshot(&config, handle), "read git config")
    defer { git_config_free(config) }
    var value: UnsafePointer<CChar>?
    let rc = git_config_get_string(&value, config, key)
    if rc == GIT_ENOTFOUND.rawValue { return nil }
    try check(rc, "read git config \(key)")
    return value.map { String(cString: $0) }
  }

  /// Sets `key` in the repository's own `.git/config` (like `git config KEY VALUE`).
  public func setConfig(_ key: String, _ value: String) throws {
    try withLocalConfig { try check(git_config_set_string($0, key, value), "set git config \(key)") }
  }

  /// Removes `key` from `.git/config`; nothing happens when it is not set.
  public func unsetConfig(_ key: String) throws {
    try withLocalConfig { config in
      let rc = git_config_delete_entry(config, key)
      if rc != GIT_ENOTFOUND.rawValue { try check(rc, "unset git config \(key)") }
    }
  }

  private func withLocalConfig(_ body: (OpaquePointer?) throws -> Void) throws {
    var all: OpaquePointer?
    try check(git_repository_config(&all, handle), "open git config")
    defer { git_config_free(all) }
    var local: OpaquePointer?
    try check(git_config_open_level(&local, all, GIT_CONFIG_LEVEL_LOCAL), "open .git/config")
    defer { git_config_free(local) }
    try body(local)
  }
}
