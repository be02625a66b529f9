import ArgumentParser
import Foundation
import MLVRemote
import MLVStore
import MLVWorkspace
import MLVSystem

/// Turns the remotes of `.mlv/config` into backends, and command-line words into a remote,
/// revisions and paths.
enum RemoteAccess {
  /// The remote `name`, or the default one (or the only one) when nil.
  static func open(_ ws: Workspace, name: String?) throws -> RemoteRepository {
    let (remotes, defaultRemote) = known(ws)
    let chosen: String
    if let name {
      chosen = name
    } else if let d = defaultRemote, remotes[d] != nil {
      chosen = d
    } else if remotes.count == 1, let only = remotes.keys.first {
      chosen = only
    } else {
      throw RemoteError.unknownRemote(name: "", known: remotes.keys.sorted())
    }
    guard let remote = remotes[chosen] else { throw RemoteError.unknownRemote(name: chosen, known: remotes.keys.sorted()) }
    return try RemoteRepository(
      name: chosen, backend: try backend(remote, root: ws.root), cacheDir: try ws.remoteIndexCache(chosen),
      tmpDir: ws.tmpDir)
  }

  static func known(_ ws: Workspace) -> (remotes: [String: RepoConfig.Remote], defaultRemote: String?) {
    ws.knownRemotes()
  }

  static func backend(_ remote: RepoConfig.Remote, root: String) throws -> RemoteBackend {
    if remote.url.hasPrefix("s3://") {
      return try S3Backend(url: remote.url, profile: remote.profile, region: remote.region, endpoint: remote.endpoint)
    }
    return LocalBackend(root: try localPath(remote.url, root: root))
  }

  /// An absolute path for a local remote; relative paths are relative to the repository
  /// root (so the config means the same in every clone and from every sub-directory).
  static func localPath(_ url: String, root: String) throws -> String {
    var path = url
    if path.hasPrefix("file://") { path = String(path.dropFirst("file://".count)) }
    if path.contains("://") {
      throw RemoteError.invalidLocation(url: url, reason: "only s3:// URLs and local paths are supported")
    }
    guard !path.isEmpty else { throw RemoteError.invalidLocation(url: url, reason: "empty path") }
    return ((path.hasPrefix("/") ? path : (root as NSString).appendingPathComponent(path)) as NSString).standardizingPath
  }

  /// What the positional words of push/fetch/pull name: an optional remote first, then
  /// revisions and paths (a path that exists or is tracked; a word that resolves to a
  /// commit otherwise). Words after `--` are always paths.
  struct Words {
    var remote: String?
    var revisions: [String] = []
    var paths: [String] = []
  }

  static func classify(_ words: [String], terminated: [String], ws: Workspace, cwd: String) throws -> Words {
    var out = Words()
    let tracked = try ws.trackedPaths()
    let remotes = known(ws).remotes
    for (i, word) in words.enumerated() {
      if i == 0 && remotes[word] != nil {
        out.remote = word
        continue
      }
      if let rel = try? ws.relative(word, cwd: cwd),
        FS.exists(ws.absolute(rel)) || tracked.contains(where: { $0 == rel || rel.hasPrefix($0 + "/") || $0.hasPrefix(rel + "/") })
      {
        out.paths.append(rel)
        continue
      }
      if (try? ws.git.resolveCommit(word)) != nil {
        out.revisions.append(word)
        continue
      }
      let names = remotes.keys.sorted()
      let hint = i == 0 ? " (remotes: " + (names.isEmpty ? "none" : names.joined(separator: ", ")) + ")" : ""
      throw ValidationError("'\(word)' is not a remote\(hint), a revision or a tracked path")
    }
    for p in terminated { out.paths.append(try ws.relative(p, cwd: cwd)) }
    return out
  }
}

/// Shows transfers through the workspace's progress sink.
final class TransferProgressBridge: TransferProgress, @unchecked Sendable {
  let sink: ProgressSink
  init(_ sink: ProgressSink) { self.sink = sink }
  func begin(_ label: String, totalBytes: Int64) { sink.begin(label, totalBytes: totalBytes) }
  func advance(_ bytes: Int64) { sink.advance(bytes) }
  func end() { sink.end() }
  func warn(_ message: String) { sink.warn(message) }
}

/// Parallel transfers: enough to hide request latency, few enough for a 2-core machine.
let defaultJobs = 8
