import ArgumentParser
import Foundation
import MLVRemote
import MLVStore
import MLVWorkspace

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
      name: chosen, backend: try backend(remote, root: ws.root), cacheDir: ws.mlvDir + "/remotes/\(chosen)/index",
      tmpDir: ws.tmpDir)
  }

  /// The remotes of `.mlv/config`, plus those remembered from configs seen before. The
  /// config is versioned, so checking out a commit older than `mlv remote add` would
  /// otherwise forget where the data is; the working tree's config wins on conflicts.
  static func known(_ ws: Workspace) -> (remotes: [String: RepoConfig.Remote], defaultRemote: String?) {
    let path = ws.mlvDir + "/remotes/known.json"
    var remembered = (try? FS.readAll(path)).flatMap { try? JSONDecoder().decode(Remembered.self, from: Data($0)) }
      ?? Remembered(remotes: [:], defaultRemote: nil)
    var merged = remembered.remotes.merging(ws.config.remotes) { _, current in current }
    var defaultRemote = ws.config.defaultRemote ?? remembered.defaultRemote
    if merged.isEmpty {
      // A fresh clone with an old commit checked out: the branches' configs know more.
      for ref in (try? ws.git.references()) ?? [] {
        guard let bytes = try? ws.git.readFile(".mlv/config", at: ref.target),
          let config = try? JSONDecoder().decode(RepoConfig.self, from: Data(bytes))
        else { continue }
        merged.merge(config.remotes) { current, _ in current }
        if defaultRemote == nil { defaultRemote = config.defaultRemote }
      }
    }
    if merged != remembered.remotes || defaultRemote != remembered.defaultRemote {
      remembered = Remembered(remotes: merged, defaultRemote: defaultRemote)
      if let bytes = try? JSONEncoder().encode(remembered) {
        try? FS.makeDirectories(ws.mlvDir + "/remotes")
        try? FS.atomicWrite(Array(bytes), to: path, durable: false)
      }
    }
    return (merged, defaultRemote)
  }

  struct Remembered: Codable {
    var remotes: [String: RepoConfig.Remote]
    var defaultRemote: String?
  }

  /// Forgets a removed remote locally too.
  static func forget(_ ws: Workspace, _ name: String) {
    let path = ws.mlvDir + "/remotes/known.json"
    guard var r = (try? FS.readAll(path)).flatMap({ try? JSONDecoder().decode(Remembered.self, from: Data($0)) }) else { return }
    r.remotes[name] = nil
    if r.defaultRemote == name { r.defaultRemote = nil }
    if let bytes = try? JSONEncoder().encode(r) { try? FS.atomicWrite(Array(bytes), to: path, durable: false) }
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

extension Context {
  /// `run` for async commands: the same error messages and exit codes.
  func runAsync(_ body: () async throws -> Void) async throws {
    do { try await body() } catch let e as ExitCode { throw e } catch let e as CleanExit { throw e } catch let e as ValidationError {
      throw e
    } catch {
      FileHandle.standardError.write(Data("mlv: error: \(error)\n".utf8))
      switch error {
      case RemoteError.corruptObject, RemoteError.missingObjects, RemoteError.corruptIndex: throw ExitCode(4)
      default: throw ExitCode(Self.exitCode(for: error))
      }
    }
  }
}

/// Parallel transfers: enough to hide request latency, few enough for a 2-core machine.
let defaultJobs = 8
