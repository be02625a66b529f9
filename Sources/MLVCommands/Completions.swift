import ArgumentParser
import Foundation
import MLVGit
import MLVWorkspace

/// Shell completion of tracked paths and revisions (`mlv --generate-completion-script
/// bash|zsh|fish`, docs/cli.md). The shell runs mlv to ask; these look at the repository
/// of the current directory and quietly offer nothing outside one.
enum Completions {
  static let trackedPaths = CompletionKind.custom { _, _, prefix in paths(prefix) }
  static let revisions = CompletionKind.custom { _, _, prefix in revisions(prefix) }
  static let pathsOrRevisions = CompletionKind.custom { _, _, prefix in revisions(prefix) + paths(prefix) }

  /// Tracked paths starting with `prefix`; inside a tracked directory, its files (at most
  /// 500, so a million-file dataset does not flood the shell).
  static func paths(_ prefix: String) -> [String] {
    guard let ws = try? Workspace.open(cwd: FileManager.default.currentDirectoryPath),
      let tracked = try? ws.trackedPaths()
    else { return [] }
    if let owner = tracked.first(where: { prefix.hasPrefix($0 + "/") }), let ptr = try? ws.readPointer(owner),
      let entries = try? ws.entries(of: ptr)
    {
      return entries.lazy.map { owner + "/" + $0.path }.filter { $0.hasPrefix(prefix) }.prefix(500).map { $0 }
    }
    return tracked.filter { $0.hasPrefix(prefix) }
  }

  /// Branch and tag names, HEAD and its first ancestors, starting with `prefix`.
  static func revisions(_ prefix: String) -> [String] {
    guard let git = try? GitRepository.discover(startingAt: FileManager.default.currentDirectoryPath),
      let refs = try? git.references()
    else { return [] }
    var names = ["HEAD", "HEAD~1", "HEAD~2"]
    for (name, _) in refs {
      for p in ["refs/heads/", "refs/tags/", "refs/remotes/"] where name.hasPrefix(p) { names.append(String(name.dropFirst(p.count))) }
    }
    return names.filter { $0.hasPrefix(prefix) }
  }
}
