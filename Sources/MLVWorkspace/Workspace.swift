import Foundation
import MLVChunking
import MLVGit
import MLVStore
import MLVSystem

/// An mlv repository: a git work tree with a `.mlv` directory (docs/design.md, "Repository layout"):
///
///     .mlv/config       committed: format version, chunker parameters, remotes
///     .mlv/.gitignore   committed: keeps everything below out of git
///     .mlv/store/       packs/, index/, tmp/ (the object store)
///     .mlv/state/       stat cache, checkout journal
///     .mlv/lock         the write lock
///
/// Opening one is cheap (no index is read until an object is looked up), so every command
/// opens the workspace afresh.
/// What the workspace needs of its object store: objects, maintenance (gc, fsck, repair)
/// and packs for remotes. `DiskStore` in production; `MemoryStore` in unit tests.
public typealias LocalStore = ObjectStore & StoreMaintenance & PackTransfer

public final class Workspace: @unchecked Sendable {
  public let root: String
  public let git: GitRepository
  public internal(set) var config: RepoConfig
  public let store: any LocalStore
  /// The directory of the object store (shared with isolated `mlv repro` work trees).
  public let storeRoot: String
  public let statCache: StatCache
  public let chunker: Chunker
  /// What `status` found through the leaf cache, for the `add` of the same `commit`.
  let treeScans = TreeScanMemo()
  public var progress: ProgressSink = SilentProgress() {
    // The stat cache is loaded before the command wires up its output.
    // File entries are read later, on first use: damage found then is reported at once.
    didSet {
      if let notice = statCache.takeDiscardNotice() { progress.warn(notice) }
      let sink = progress
      statCache.onDiscard = { sink.warn($0) }
    }
  }

  public var mlvDir: String { root + "/.mlv" }
  public var configPath: String { mlvDir + "/config" }
  public var tmpDir: String { store.temporaryDirectory }
  public var stateDir: String { mlvDir + "/state" }

  /// `storeRoot` lets a second work tree (an isolated `mlv repro`) share the main
  /// repository's object store instead of starting an empty one.
  convenience init(git: GitRepository, config: RepoConfig, storeRoot: String? = nil) throws {
    let storeRoot = storeRoot ?? git.workdir + "/.mlv/store"
    try self.init(git: git, config: config, store: try DiskStore(root: storeRoot), storeRoot: storeRoot)
  }

  /// A workspace over any store (tests use a `MemoryStore`).
  public init(git: GitRepository, config: RepoConfig, store: any LocalStore, storeRoot: String) throws {
    self.git = git
    self.root = git.workdir
    self.config = config
    self.chunker = try Chunker(config.chunking)
    self.store = store
    self.storeRoot = storeRoot
    try FS.makeDirectories(git.workdir + "/.mlv/state")
    self.statCache = StatCache(path: git.workdir + "/.mlv/state/stat-cache")
    self.statCache.rootForRecheck = git.workdir
  }

  /// Opens the repository containing `cwd`.
  public static func open(cwd: String) throws -> Workspace {
    let git = try GitRepository.discover(startingAt: cwd)
    let configPath = git.workdir + "/.mlv/config"
    guard FS.exists(configPath) else { throw WorkspaceError.notInitialized(root: git.workdir) }
    return try Workspace(git: git, config: try RepoConfig.load(configPath))
  }

  /// Opens the work tree at `path` (e.g. a `git worktree` made for `mlv repro`) using the
  /// object store at `storeRoot`.
  public static func open(worktree path: String, storeRoot: String) throws -> Workspace {
    let git = try GitRepository.discover(startingAt: path)
    let configPath = git.workdir + "/.mlv/config"
    guard FS.exists(configPath) else { throw WorkspaceError.notInitialized(root: git.workdir) }
    return try Workspace(git: git, config: try RepoConfig.load(configPath), storeRoot: storeRoot)
  }

  /// `mlv init`: writes the config, the store layout, `.mlv/.gitignore` and an example
  /// `.mlvignore`, and stages the committed ones.
  public static func initialize(cwd: String) throws -> Workspace {
    let git = try GitRepository.discover(startingAt: cwd)
    let mlv = git.workdir + "/.mlv"
    if FS.exists(mlv + "/config") { throw WorkspaceError.alreadyInitialized(root: git.workdir) }
    try FS.makeDirectories(mlv)
    try RepoConfig().save(mlv + "/config")
    try FS.atomicWrite(Array("# mlv's store and state are local; config and run records are committed.\n/*\n!/config\n!/.gitignore\n!/runs/\n".utf8), to: mlv + "/.gitignore")
    let ignorePath = git.workdir + "/" + IgnoreRules.fileName
    var staged = [".mlv/config", ".mlv/.gitignore"]
    if !FS.exists(ignorePath) {
      try FS.atomicWrite(Array(defaultIgnoreText.utf8), to: ignorePath)
      staged.append(IgnoreRules.fileName)
    }
    try git.stage(staged)
    return try Workspace(git: git, config: try RepoConfig.load(mlv + "/config"))
  }

  static let defaultIgnoreText = """
    # .mlvignore: files mlv leaves out when it adds a directory (gitignore syntax).
    # Patterns are relative to the repository root; `!` re-includes; `dir/` matches
    # directories only; `**` matches across directories.
    .DS_Store
    Thumbs.db
    *.tmp
    *.swp
    __pycache__/
    .ipynb_checkpoints/

    """

  /// Takes the repository write lock, then brings the store up to date with what other
  /// commands published while this one waited (a command that holds the lock acts on the
  /// store as it is once the lock was granted), and finishes any checkout a crash
  /// interrupted.
  public func lock(_ command: String) throws -> RepoLock {
    let lock = try RepoLock(path: mlvDir + "/lock", command: command)
    try store.refresh()
    for problem in store.loadProblems { progress.warn(problem) }
    if let (pid, locks) = git.interruptedWrite() {
      progress.warn(
        "an mlv command (pid \(pid)) was killed while writing to git and may have left "
          + locks.joined(separator: ", ") + "; mlv cannot tell that from a running git command's lock. "
          + "If no git command is running, remove it: rm " + locks.joined(separator: " "))
    }
    try recoverInterruptedCheckout()
    // Unsealed packs of a killed command: without this they would hold their space until gc.
    store.removeOrphanedTemporaryFiles()
    return lock
  }

  public func ignoreRules() -> IgnoreRules {
    let path = root + "/" + IgnoreRules.fileName
    guard let bytes = try? FS.readAll(path) else { return .empty }
    return IgnoreRules(text: String(decoding: bytes, as: UTF8.self))
  }

  public func absolute(_ relative: String) -> String { relative.isEmpty ? root : root + "/" + relative }

  /// Repository-relative form of a command-line path.
  public func relative(_ arg: String, cwd: String) throws -> String {
    let rel = try RepoPath.relativize(arg, cwd: cwd, root: root)
    let trimmed = rel.hasSuffix("/") ? String(rel.dropLast()) : rel
    if !trimmed.isEmpty { try RepoPath.validate(trimmed, context: arg) }
    return trimmed
  }

  /// Data paths of every pointer staged in git's index, sorted.
  public func trackedPaths() throws -> [String] {
    // A conflicted pointer has up to three index entries (stages 1-3): one path.
    Set(try git.indexFiles(withSuffix: Pointer.suffix).compactMap { Pointer.dataPath(forPointer: $0) }).sorted()
  }

  /// Reads and validates the workspace pointer of `dataPath`; nil when there is none.
  public func readPointer(_ dataPath: String) throws -> Pointer? {
    switch try readPointerFile(dataPath) {
    case nil: return nil
    case .pointer(let p): return p
    case .conflict(let c): throw WorkspaceError.mergeConflict(pointer: Pointer.pointerPath(forData: dataPath), conflicts: c.conflicts)
    case .gitConflictMarkers: throw WorkspaceError.mergeConflict(pointer: Pointer.pointerPath(forData: dataPath), conflicts: [])
    }
  }

  /// What the workspace pointer file of `dataPath` holds: a pointer, or an unresolved
  /// merge of one; nil when there is no such file.
  public func readPointerFile(_ dataPath: String) throws -> PointerFileContent? {
    let pointerPath = Pointer.pointerPath(forData: dataPath)
    try RepoPath.validate(dataPath, context: pointerPath)
    try RepoPath.checkNoSymlinks(pointerPath, root: root, includingLeaf: true)
    let abs = absolute(pointerPath)
    guard FS.exists(abs) else { return nil }
    let file = try POSIXFile.openForReading(abs)
    let size = try file.size()
    guard size <= Int64(ConflictPointer.maxBytes) else {
      throw WorkspaceError.invalidPointer(file: pointerPath, reason: "larger than \(Pointer.maxBytes) bytes")
    }
    let bytes = try file.read(count: Int(size), at: 0)
    if bytes.count > Pointer.maxBytes, !bytes.starts(with: Array("mlv-conflict:".utf8)), GitMarkers.split(bytes) == nil {
      throw WorkspaceError.invalidPointer(file: pointerPath, reason: "larger than \(Pointer.maxBytes) bytes")
    }
    return try PointerFileContent.parse(bytes, file: pointerPath)
  }

  /// Reads the pointer of `dataPath` as committed in `commit`.
  public func readPointer(_ dataPath: String, at commit: GitOID) throws -> Pointer? {
    let pointerPath = Pointer.pointerPath(forData: dataPath)
    try RepoPath.validate(dataPath, context: "\(pointerPath) at \(commit.hex.prefix(8))")
    guard let bytes = try git.readFile(pointerPath, at: commit) else { return nil }
    return try Pointer.decode(bytes, file: "\(pointerPath) at \(commit.hex.prefix(8))")
  }

  /// Data paths of every pointer in the tree of `commit`.
  public func trackedPaths(at commit: GitOID) throws -> [String] {
    try git.listFiles(at: commit, withSuffix: Pointer.suffix).compactMap { Pointer.dataPath(forPointer: $0) }.sorted()
  }

  public func loadManifest(_ id: ObjectID) throws -> Manifest {
    guard let info = store.info(id) else { throw StoreError.missingObject(id) }
    guard info.type == .manifest else {
      throw WorkspaceError.invalidManifest(id.hex, reason: "object is a \(info.type), not a manifest")
    }
    return try Manifest.decode(try store.read(id), id: id.hex)
  }

  /// The files a pointer describes: the entries of a directory (its tree, or for a format
  /// 1 pointer its manifest), or one entry with an empty path for a file. With `under`,
  /// only the files at or inside that path of a directory (reading only the leaves that
  /// may hold them).
  public func entries(of pointer: Pointer, under prefix: String? = nil) throws -> [Manifest.Entry] {
    switch pointer.kind {
    case .file: return [Manifest.Entry(path: "", size: pointer.size, oid: pointer.oid, executable: false)]
    case .dir where pointer.isTree:
      let reader = TreeReader(store: store)
      if let prefix { return try reader.entries(pointer.oid, under: prefix) }
      let entries = try reader.entries(pointer.oid)
      guard entries.count == pointer.files, try Sizes.sum(entries.lazy.map(\.size), "tree") == pointer.size else {
        throw WorkspaceError.invalidManifest(pointer.oid.hex, reason: "does not match its pointer's size and file count")
      }
      return entries
    case .dir:
      let m = try loadManifest(pointer.oid)
      guard m.totalSize == pointer.size, m.entries.count == pointer.files else {
        throw WorkspaceError.invalidManifest(pointer.oid.hex, reason: "does not match its pointer's size and file count")
      }
      guard let prefix else { return m.entries }
      return m.entries.filter { $0.path == prefix || $0.path.hasPrefix(prefix + "/") }
    }
  }

  /// The pointer of a directory with these entries (sorted), storing its tree through
  /// `writer`.
  func directoryPointer(_ entries: [Manifest.Entry], writer: ObjectWriter) throws -> Pointer {
    let builder = TreeBuilder(writer: writer)
    for e in entries { try builder.add(e) }
    let root = try builder.finish()
    return Pointer(kind: .dir, oid: root, size: builder.bytes, files: builder.files)
  }
}
