import Foundation
import MLVStore
import MLVSystem

/// The remotes this clone knows: those of `.mlv/config`, plus those remembered from
/// configs seen before in `.mlv/remotes/known.json`. The config is versioned, so checking
/// out a commit older than `mlv remote add` would otherwise forget where the data is; the
/// working tree's config wins on conflicts. The workspace owns these files; the command
/// layer only asks.
extension Workspace {
  var remotesDir: String { mlvDir + "/remotes" }
  var knownRemotesPath: String { remotesDir + "/known.json" }

  /// Where the cached copies of remote `name`'s index files live (docs/remotes.md).
  public func remoteIndexCache(_ name: String) throws -> String {
    guard RepoConfig.isValidRemoteName(name) else {
      throw WorkspaceError.invalidConfig(file: configPath, reason: "remote name '\(name)' is not allowed")
    }
    return remotesDir + "/\(name)/index"
  }

  public func knownRemotes() -> (remotes: [String: RepoConfig.Remote], defaultRemote: String?) {
    var remembered = readKnownRemotes() ?? KnownRemotes(remotes: [:], defaultRemote: nil)
    var merged = remembered.remotes.merging(config.remotes) { _, current in current }
    var defaultRemote = config.defaultRemote ?? remembered.defaultRemote
    if merged.isEmpty {
      // A fresh clone with an old commit checked out: the branches' configs know more.
      for ref in (try? git.references()) ?? [] {
        guard let bytes = try? git.readFile(".mlv/config", at: ref.target),
          let other = try? JSONDecoder().decode(RepoConfig.self, from: Data(bytes))
        else { continue }
        merged.merge(other.remotes.filter { RepoConfig.isValidRemoteName($0.key) }) { current, _ in current }
        if defaultRemote == nil { defaultRemote = other.defaultRemote }
      }
    }
    if merged != remembered.remotes || defaultRemote != remembered.defaultRemote {
      remembered = KnownRemotes(remotes: merged, defaultRemote: defaultRemote)
      writeKnownRemotes(remembered)
    }
    return (merged, defaultRemote)
  }

  /// Forgets a removed remote locally too.
  public func forgetRemote(_ name: String) {
    guard var r = readKnownRemotes() else { return }
    r.remotes[name] = nil
    if r.defaultRemote == name { r.defaultRemote = nil }
    writeKnownRemotes(r)
  }

  struct KnownRemotes: Codable {
    var remotes: [String: RepoConfig.Remote]
    var defaultRemote: String?
  }

  private func readKnownRemotes() -> KnownRemotes? {
    guard let bytes = try? FS.readAll(knownRemotesPath),
      let known = try? JSONDecoder().decode(KnownRemotes.self, from: Data(bytes))
    else { return nil }
    return KnownRemotes(remotes: known.remotes.filter { RepoConfig.isValidRemoteName($0.key) }, defaultRemote: known.defaultRemote)
  }

  /// Best effort: the file is a cache of configs seen, rebuilt from them when lost.
  private func writeKnownRemotes(_ known: KnownRemotes) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    guard let bytes = try? encoder.encode(known) else { return }
    try? FS.makeDirectories(remotesDir)
    try? FS.atomicWrite(Array(bytes), to: knownRemotesPath, durable: false)
  }
}
