import CLibGit2
import Foundation

extension GitRepository {
  /// `git add` for each path: a file is (re)staged, a directory is staged recursively
  /// (respecting .gitignore, and dropping index entries whose files are gone), and a path
  /// that no longer exists is removed from the index. An explicitly named file is staged
  /// even when ignored, like `git add -f`.
  public func stage(_ paths: [String]) throws {
    try withIndex { index in
      for path in paths {
        let rel = try relativePath(path)
        let full = rel.isEmpty ? workdir : workdir + "/" + rel
        var info = stat()
        if lstat(full, &info) != 0 {
          try check(git_index_remove_bypath(index, rel), "unstage \(rel)")
          try check(git_index_remove_directory(index, rel, 0), "unstage \(rel)/")
        } else if (info.st_mode & S_IFMT) == S_IFDIR {
          try withStrArray([rel.isEmpty ? "." : rel]) { spec in
            let flags = GIT_INDEX_ADD_DEFAULT.rawValue
            try check(git_index_add_all(index, &spec, flags, nil, nil), "stage \(rel)/")
            try check(git_index_update_all(index, &spec, nil, nil), "stage \(rel)/")
          }
        } else {
          try check(git_index_add_bypath(index, rel), "stage \(rel)")
        }
      }
      try markingWrite { try check(git_index_write(index), "write index") }
    }
  }

  /// `git rm --cached -r`: stops tracking each path (a file, or every file under a
  /// directory) while leaving the files on disk. mlv uses it when a file that git tracked
  /// is handed over to mlv (replaced in git by its pointer file).
  public func removeFromIndex(_ paths: [String]) throws {
    try withIndex { index in
      for path in paths {
        let rel = try relativePath(path)
        try check(git_index_remove_bypath(index, rel), "unstage \(rel)")
        try check(git_index_remove_directory(index, rel, 0), "unstage \(rel)/")
      }
      try markingWrite { try check(git_index_write(index), "write index") }
    }
  }

  /// Whether the index has a file at `path`, i.e. git tracks it (or it is staged).
  public func isTracked(_ path: String) throws -> Bool {
    let rel = try relativePath(path)
    return try withIndex { git_index_get_bypath($0, rel, 0) != nil }
  }

  /// The staged bytes of `path` (stage 0); nil when the index has no such file.
  public func readIndexFile(_ path: String) throws -> [UInt8]? {
    let rel = try relativePath(path)
    let id: GitOID? = try withIndex { index in
      guard let entry = git_index_get_bypath(index, rel, 0) else { return nil }
      return GitOID(entry.pointee.id)
    }
    return try id.map { try readBlob($0) }
  }

  /// Commits the index with HEAD as the parent (none when HEAD is unborn) and moves HEAD's
  /// branch (or a detached HEAD) to the new commit. The message is cleaned up as the git
  /// CLI does (trailing whitespace stripped, one final newline).
  @discardableResult
  public func commit(message: String) throws -> GitOID {
    try commit(message: message, environment: ProcessInfo.processInfo.environment)
  }

  /// `commit(message:)` reading `GIT_AUTHOR_*` / `GIT_COMMITTER_*` from `environment`.
  func commit(message: String, environment: [String: String]) throws -> GitOID {
    let author = try makeSignature(.author, environment: environment)
    defer { git_signature_free(author) }
    let committer = try makeSignature(.committer, environment: environment)
    defer { git_signature_free(committer) }

    var treeID = git_oid()
    try withIndex { index in
      try check(git_index_write_tree(&treeID, index), "write tree from index")
    }
    var tree: OpaquePointer?
    try check(git_tree_lookup(&tree, handle, &treeID), "look up tree")
    defer { git_tree_free(tree) }

    var parents: [OpaquePointer?] = []
    defer { for parent in parents { git_commit_free(parent) } }
    if let headID = try head() {
      var raw = headID.raw
      var parent: OpaquePointer?
      try check(git_commit_lookup(&parent, handle, &raw), "look up HEAD commit")
      parents.append(parent)
    }

    var cleaned = git_buf()
    defer { git_buf_dispose(&cleaned) }
    try check(git_message_prettify(&cleaned, message, 0, 0x23), "clean up commit message")

    var oid = git_oid()
    _ = try parents.withUnsafeMutableBufferPointer { buffer in
      try markingWrite {
        try check(
          git_commit_create(
            &oid, handle, "HEAD", author, committer, nil, cleaned.ptr, tree, buffer.count,
            buffer.baseAddress),
          "create commit")
      }
    }
    return GitOID(oid)
  }

  // MARK: - Helpers

  /// Runs `body` with the repository's index, first re-read from disk because another
  /// process (the git CLI) may have rewritten it since libgit2 cached it.
  @discardableResult
  func withIndex<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
    var index: OpaquePointer?
    try check(git_repository_index(&index, handle), "open index")
    guard let index else {
      throw GitError.libgit2(operation: "open index", code: -1, message: "no index")
    }
    defer { git_index_free(index) }
    try check(git_index_read(index, 0), "read index")
    return try body(index)
  }
}

/// Lends `strings` to libgit2 as a `git_strarray` (C copies, freed afterwards).
func withStrArray<T>(_ strings: [String], _ body: (inout git_strarray) throws -> T) rethrows -> T {
  var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
  defer { for pointer in pointers { free(pointer) } }
  return try pointers.withUnsafeMutableBufferPointer { buffer in
    var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
    return try body(&array)
  }
}
