import CLibGit2
import Foundation

/// What `git log` shows about one commit.
public struct GitCommitInfo: Sendable, Equatable {
  public let oid: GitOID
  /// In order; the first is the mainline parent. Empty for a root commit.
  public let parents: [GitOID]
  /// The first paragraph of the message, joined into one line.
  public let summary: String
  /// The full message, as stored (normally ending in a newline).
  public let message: String
  public let authorName: String
  public let authorEmail: String
  /// Committer time.
  public let time: Date
}

extension GitRepository {
  /// Resolves anything `git rev-parse` accepts to a commit: branch, tag (annotated tags are
  /// peeled), full or unambiguous short hash, `HEAD~1`, `master^`, `@{-1}`...
  public func resolveCommit(_ rev: String) throws -> GitOID {
    var object: OpaquePointer?
    let rc = git_revparse_single(&object, handle, rev)
    if rc == GIT_ENOTFOUND.rawValue || rc == GIT_EAMBIGUOUS.rawValue
      || rc == GIT_EINVALIDSPEC.rawValue
    {
      if rev.hasPrefix("HEAD"), try isHeadUnborn() { throw GitError.unbornHead }
      throw GitError.revisionNotFound(rev)
    }
    try check(rc, "resolve revision \(rev)")
    defer { git_object_free(object) }
    var commit: OpaquePointer?
    // Peeling fails for a tag that points at a tree or blob: not a commit, so not found.
    guard git_object_peel(&commit, object, GIT_OBJECT_COMMIT) == 0, let commit else {
      throw GitError.revisionNotFound(rev)
    }
    defer { git_object_free(commit) }
    return GitOID(git_object_id(commit))
  }

  public func commitInfo(_ oid: GitOID) throws -> GitCommitInfo {
    try withCommit(oid) { commit in
      let parents = (0..<git_commit_parentcount(commit)).map {
        GitOID(git_commit_parent_id(commit, $0))
      }
      let author = git_commit_author(commit)
      return GitCommitInfo(
        oid: oid,
        parents: parents,
        summary: git_commit_summary(commit).map { String(cString: $0) } ?? "",
        message: git_commit_message(commit).map { String(cString: $0) } ?? "",
        authorName: author.flatMap { $0.pointee.name }.map { String(cString: $0) } ?? "",
        authorEmail: author.flatMap { $0.pointee.email }.map { String(cString: $0) } ?? "",
        time: Date(timeIntervalSince1970: TimeInterval(git_commit_time(commit))))
    }
  }

  /// The bytes of the file at `path` in `commit`; nil when no file is there (absent, or a
  /// directory or submodule).
  public func readFile(_ path: String, at commit: GitOID) throws -> [UInt8]? {
    guard let entry = try treeEntry(path, at: commit), entry.isBlob else { return nil }
    return try readBlob(entry.id)
  }

  /// The id of what `path` names in `commit`: a blob for a file, a tree for a directory
  /// (the empty path names the root tree); nil when absent. Equal ids mean equal content,
  /// so comparing them tells cheaply whether a file or directory changed between commits.
  public func blobID(_ path: String, at commit: GitOID) throws -> GitOID? {
    try treeEntry(path, at: commit)?.id
  }

  /// Every file path in `commit` (recursively) ending in `suffix`, sorted bytewise; an
  /// empty suffix lists all files. Submodules are not entered.
  public func listFiles(at commit: GitOID, withSuffix suffix: String = "") throws -> [String] {
    final class Collector {
      let suffix: String
      var paths: [String] = []
      init(suffix: String) { self.suffix = suffix }
    }
    let collector = Collector(suffix: suffix)
    let callback: git_treewalk_cb = { root, entry, payload in
      guard let root, let entry, let payload else { return 0 }
      guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return 0 }
      let box = Unmanaged<Collector>.fromOpaque(payload).takeUnretainedValue()
      let path = String(cString: root) + String(cString: git_tree_entry_name(entry))
      if path.hasSuffix(box.suffix) { box.paths.append(path) }
      return 0
    }
    try withTree(of: commit) { tree in
      try withExtendedLifetime(collector) {
        let payload = Unmanaged.passUnretained(collector).toOpaque()
        try check(
          git_tree_walk(tree, GIT_TREEWALK_PRE, callback, payload), "walk tree of \(commit)")
      }
    }
    return collector.paths.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
  }

  /// Commits reached from `from` by following first parents, newest first. With `path`,
  /// only the commits where what `path` names (file or subtree) differs from the first
  /// parent's: added, changed or removed. `limit` caps the number returned.
  public func log(from start: GitOID, touching path: String? = nil, limit: Int? = nil) throws
    -> [GitCommitInfo]
  {
    let rel = try path.map { try relativePath($0) }
    var result: [GitCommitInfo] = []
    var current: GitOID? = start
    // The entry at `rel` in `current`, carried over from the previous step's parent lookup.
    var currentEntry: GitOID?? = nil
    while let oid = current {
      if let limit, result.count >= limit { break }
      let info = try commitInfo(oid)
      let parent = info.parents.first
      if let rel {
        let mine = try currentEntry ?? treeEntry(rel, at: oid)?.id
        let theirs = try parent.flatMap { try treeEntry(rel, at: $0)?.id }
        if mine != theirs { result.append(info) }
        currentEntry = .some(theirs)
      } else {
        result.append(info)
      }
      current = parent
    }
    return result
  }

  // MARK: - Helpers

  @discardableResult
  func withCommit<T>(_ oid: GitOID, _ body: (OpaquePointer) throws -> T) throws -> T {
    var raw = oid.raw
    var commit: OpaquePointer?
    let rc = git_commit_lookup(&commit, handle, &raw)
    if rc == GIT_ENOTFOUND.rawValue { throw GitError.revisionNotFound(oid.hex) }
    try check(rc, "look up commit \(oid)")
    guard let commit else { throw GitError.revisionNotFound(oid.hex) }
    defer { git_commit_free(commit) }
    return try body(commit)
  }

  func withTree<T>(of commitID: GitOID, _ body: (OpaquePointer) throws -> T) throws -> T {
    try withCommit(commitID) { commit in
      var tree: OpaquePointer?
      try check(git_commit_tree(&tree, commit), "read tree of \(commitID)")
      guard let tree else { throw GitError.revisionNotFound(commitID.hex) }
      defer { git_tree_free(tree) }
      return try body(tree)
    }
  }

  /// What `path` names in the tree of `commit`; the empty path names the root tree.
  func treeEntry(_ path: String, at commit: GitOID) throws -> (id: GitOID, isBlob: Bool)? {
    let rel = try relativePath(path)
    if rel.isEmpty {
      return try withCommit(commit) { (GitOID(git_commit_tree_id($0)), false) }
    }
    return try withTree(of: commit) { tree in
      var entry: OpaquePointer?
      let rc = git_tree_entry_bypath(&entry, tree, rel)
      if rc == GIT_ENOTFOUND.rawValue { return nil }
      try check(rc, "look up \(rel) in \(commit)")
      guard let entry else { return nil }
      defer { git_tree_entry_free(entry) }
      return (GitOID(git_tree_entry_id(entry)), git_tree_entry_type(entry) == GIT_OBJECT_BLOB)
    }
  }

  func readBlob(_ oid: GitOID) throws -> [UInt8] {
    var raw = oid.raw
    var blob: OpaquePointer?
    try check(git_blob_lookup(&blob, handle, &raw), "read blob \(oid)")
    defer { git_blob_free(blob) }
    let size = Int(git_blob_rawsize(blob))
    guard size > 0, let bytes = git_blob_rawcontent(blob) else { return [] }
    return [UInt8](UnsafeRawBufferPointer(start: bytes, count: size))
  }
}
