import CLibGit2
import Foundation

/// What mlv needs for runs kept off the branch (docs/experiments.md): a commit made from
/// the index without moving HEAD, and a copy of the index to put back. Pushing and fetching
/// run refs is in +Transport.
extension GitRepository {
  /// Commits the index with `parents` and moves no reference (HEAD and the branch stay):
  /// the caller points a ref of its own at the result.
  public func commitIndex(message: String, parents: [GitOID]) throws -> GitOID {
    let author = try makeSignature(.author, environment: ProcessInfo.processInfo.environment)
    defer { git_signature_free(author) }
    let committer = try makeSignature(.committer, environment: ProcessInfo.processInfo.environment)
    defer { git_signature_free(committer) }
    var treeID = git_oid()
    try withIndex { try check(git_index_write_tree(&treeID, $0), "write tree from index") }
    var tree: OpaquePointer?
    try check(git_tree_lookup(&tree, handle, &treeID), "look up tree")
    defer { git_tree_free(tree) }
    var commits: [OpaquePointer?] = []
    defer { for c in commits { git_commit_free(c) } }
    for parent in parents {
      var raw = parent.raw
      var c: OpaquePointer?
      try check(git_commit_lookup(&c, handle, &raw), "look up parent \(parent.short)")
      commits.append(c)
    }
    var cleaned = git_buf()
    defer { git_buf_dispose(&cleaned) }
    try check(git_message_prettify(&cleaned, message, 0, 0x23), "clean up commit message")
    var oid = git_oid()
    _ = try commits.withUnsafeMutableBufferPointer { buffer in
      try markingWrite {
        try check(
          git_commit_create(&oid, handle, nil, author, committer, nil, cleaned.ptr, tree, buffer.count, buffer.baseAddress),
          "create commit")
      }
    }
    return GitOID(oid)
  }

  /// The index file of this working tree (`.git/index`, or the worktree's own).
  public func indexFilePath() throws -> String {
    try withIndex { index in
      guard let p = git_index_path(index) else { throw GitError.libgit2(operation: "index path", code: -1, message: "in-memory index") }
      return String(cString: p)
    }
  }

  /// The index file's bytes (nil when there is none yet), to put back with `restoreIndex`.
  public func indexSnapshot() throws -> [UInt8]? {
    let path = try indexFilePath()
    return FileManager.default.contents(atPath: path).map { Array($0) }
  }

  /// Puts back an index saved by `indexSnapshot` (nil: removes the index), through
  /// `index.lock` as git writes it, so a concurrent git command is never overwritten.
  public func restoreIndex(_ bytes: [UInt8]?) throws {
    let path = try indexFilePath()
    try markingWrite {
      guard let bytes else {
        if unlink(path) != 0 && errno != ENOENT { throw GitError.libgit2(operation: "remove \(path)", code: -1, message: String(cString: strerror(errno))) }
        return
      }
      let lock = path + ".lock"
      let fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
      guard fd >= 0 else { throw GitError.libgit2(operation: "lock \(path)", code: -1, message: String(cString: strerror(errno))) }
      var ok = true
      bytes.withUnsafeBytes { buf in
        var off = 0
        while off < buf.count {
          let n = write(fd, buf.baseAddress! + off, buf.count - off)
          if n <= 0 { ok = false; break }
          off += n
        }
      }
      if fsync(fd) != 0 { ok = false }
      close(fd)
      guard ok, rename(lock, path) == 0 else {
        unlink(lock)
        throw GitError.libgit2(operation: "write \(path)", code: -1, message: String(cString: strerror(errno)))
      }
    }
  }

  /// Whether `name` is a configured remote of this repository.
  public func hasRemote(_ name: String) -> Bool {
    var r: OpaquePointer?
    defer { git_remote_free(r) }
    return git_remote_lookup(&r, handle, name) == 0
  }
}
