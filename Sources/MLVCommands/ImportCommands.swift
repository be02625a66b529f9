import ArgumentParser
import Foundation
import MLVGit
import MLVStore
import MLVSystem
import MLVWorkspace

/// Another mlv repository read at one revision: cloned without a checkout into a scratch
/// directory, with its `.mlv/config` of that revision written next to it, and opened as a
/// workspace over *our* object store, so what it fetches from its own default remote lands
/// in our store (deduplicated against our objects) and every pointer, tree and manifest
/// check of a workspace applies to it.
struct DataSource {
  let url: String
  let dir: String
  let ws: Workspace
  let commit: GitOID

  static func open(_ url: String, rev: String?, cwd: String, storeRoot: String) throws -> DataSource {
    // A local path is made absolute; anything else goes to libgit2 as given.
    let isPath = !url.contains("://") && !url.contains("@") && FS.exists(url.hasPrefix("/") ? url : cwd + "/" + url)
    let resolved = isPath && !url.hasPrefix("/") ? cwd + "/" + url : url
    if !isPath && !url.contains("://") && !url.contains(":") {
      throw SourceError("no repository at \(url) (not a path that exists, nor a git URL)")
    }
    let dir = FS.temporaryPath(in: NSTemporaryDirectory().hasSuffix("/") ? String(NSTemporaryDirectory().dropLast()) : NSTemporaryDirectory(), prefix: "mlv-source")
    do {
      let git = try GitRepository.cloneWithoutCheckout(resolved, to: dir)
      guard let commit = try rev.map({ try git.resolveSourceRevision($0) }) ?? git.head() else {
        throw SourceError("\(url) has no commits")
      }
      guard let config = try git.readFile(".mlv/config", at: commit) else {
        throw WorkspaceError.notInitialized(root: "\(url) at \(commit.short)")
      }
      try FS.makeDirectories(dir + "/.mlv")
      try FS.atomicWrite(config, to: dir + "/.mlv/config")
      return DataSource(url: url, dir: dir, ws: try Workspace.open(worktree: dir, storeRoot: storeRoot), commit: commit)
    } catch {
      try? FileManager.default.removeItem(atPath: dir)
      throw error
    }
  }

  func close() { try? FileManager.default.removeItem(atPath: dir) }

  /// The object store to fetch into: the current repository's when inside one, else a
  /// scratch store removed afterwards (a one-off `mlv get` outside any repository).
  static func storeRoot(cwd: String) -> (root: String, scratch: Bool) {
    if let ws = try? Workspace.open(cwd: cwd) { return (ws.storeRoot, false) }
    return (FS.temporaryPath(in: String(NSTemporaryDirectory().dropLast(NSTemporaryDirectory().hasSuffix("/") ? 1 : 0)), prefix: "mlv-get-store"), true)
  }
}

/// A failure about a source repository or the output path, named in the message.
struct SourceError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

extension MLVMain {
  struct Ls: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "ls",
      abstract: "List what another repository tracks, with sizes.",
      discussion: """
        URL is any git URL or a local path. Reads the pointers at REV (default: the
        source's HEAD) without checking anything out.

        Examples:
          mlv ls git@host:team/datasets
          mlv ls ../datasets data/ --rev v3
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The source repository.") var url: String
    @Argument(help: "Only paths under this one.") var path: String?
    @Option(help: "Branch, tag or commit of the source.") var rev: String?

    func run() throws {
      let ctx = Context(global)
      try ctx.run {
        let scratch = makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let src = try DataSource.open(url, rev: rev, cwd: ctx.cwd, storeRoot: scratch)
        defer { src.close() }
        let prefix = path.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 } ?? ""
        let tracked = try src.ws.trackedPaths(at: src.commit).filter {
          prefix.isEmpty || $0 == prefix || $0.hasPrefix(prefix + "/") || prefix.hasPrefix($0 + "/")
        }
        if !prefix.isEmpty && tracked.isEmpty { throw WorkspaceError.notTracked(prefix) }
        for p in tracked {
          guard let ptr = try src.ws.readPointer(p, at: src.commit) else { continue }
          let files = ptr.kind == .dir ? "  \(Format.count(ptr.files, "file"))" : ""
          ctx.out.line("\(Format.bytes(ptr.size).padding(toLength: 9, withPad: " ", startingAt: 0))  \(p)\(ptr.kind == .dir ? "/" : "")\(files)")
        }
      }
    }
  }

  struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "get",
      abstract: "Download data another repository tracks (one-off, not tracked here).",
      discussion: """
        Writes PATH of the source at REV to OUT (default: PATH's last component in the
        current directory), fetching the objects from the source's default remote.
        Every byte is checked against its SHA-256 id. Objects are kept in this
        repository's store when run inside one, so later imports dedup against them.

        Examples:
          mlv get git@host:team/datasets data/images -o images/
          mlv get ../datasets models/model.bin --rev v3
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The source repository.") var url: String
    @Argument(help: "The tracked path in the source.") var path: String
    @Option(name: [.short, .customLong("out")], help: "Where to write it.") var out: String?
    @Option(help: "Branch, tag or commit of the source.") var rev: String?

    func run() async throws {
      let ctx = Context(global)
      try await ctx.runAsync {
        let (storeRoot, scratchStore) = DataSource.storeRoot(cwd: ctx.cwd)
        defer { if scratchStore { try? FileManager.default.removeItem(atPath: storeRoot) } }
        let src = try DataSource.open(url, rev: rev, cwd: ctx.cwd, storeRoot: storeRoot)
        defer { src.close() }
        let rel = path.hasSuffix("/") ? String(path.dropLast()) : path
        try RepoPath.validate(rel, context: path)
        let selections = try src.ws.selectData(at: src.commit, paths: [rel])
        if let f = try await DataTransfer.ensureLocal(src.ws.graph(of: selections), ws: src.ws) {
          ctx.out.line("fetched \(Format.count(f.objectsFetched, "object")) (\(Format.bytes(f.bytesFetched)))")
        }
        let name = out ?? String(rel.split(separator: "/").last ?? "data")
        let dest = name.hasPrefix("/") ? name : ctx.cwd + "/" + name
        guard !FS.exists(dest) else { throw SourceError("\(name) already exists: remove it or give -o") }
        var files = 0
        var bytes: Int64 = 0
        for s in selections {
          for e in try src.ws.selectedEntries(s) {
            // Every selected path is `rel` itself or lies under it.
            let full = e.path.isEmpty ? s.dataPath : s.dataPath + "/" + e.path
            let inner = full == rel ? "" : String(full.dropFirst(rel.count + 1))
            try write(e, to: dest, inner: inner, ws: src.ws)
            files += 1
            bytes = bytes.addingReportingOverflow(e.size).overflow ? .max : bytes + e.size
          }
        }
        ctx.out.line("\(Format.count(files, "file")) (\(Format.bytes(bytes))) written to \(name)")
      }
    }

    /// Restores one entry under `dest` (`inner` empty: `dest` is the file), verified chunk
    /// by chunk; parents are made without following symlinks.
    func write(_ e: Manifest.Entry, to dest: String, inner: String, ws: Workspace) throws {
      let parent = inner.isEmpty ? String(dest[..<(dest.lastIndex(of: "/") ?? dest.startIndex)]) : dest
      try FS.makeDirectories(parent)
      if !inner.isEmpty {
        try RepoPath.validate(inner, context: inner)
        try RepoPath.checkNoSymlinks(inner, root: dest, includingLeaf: true)
        try RepoPath.prepareParents(of: inner, root: dest)
      }
      let target = inner.isEmpty ? dest : dest + "/" + inner
      try Restorer(store: ws.store, tmpDir: parent).restore(id: e.oid, size: e.size, to: target, executable: e.executable)
    }
  }
}

private func makeTempDirectory() -> String {
  let base = NSTemporaryDirectory().hasSuffix("/") ? String(NSTemporaryDirectory().dropLast()) : NSTemporaryDirectory()
  let dir = FS.temporaryPath(in: base, prefix: "mlv-ls")
  try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  return dir
}
