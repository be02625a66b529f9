import CLibGit2

/// How a file differs, in one of git status's two columns.
public enum GitFileStatus: Sendable, Equatable {
  case new, modified, deleted, renamed, typechange
}

/// One line of `git status --porcelain -uall`.
public struct GitStatusEntry: Sendable, Equatable {
  /// Current path, relative to the working directory.
  public let path: String
  /// The path before a rename detected between HEAD and the index.
  public let oldPath: String?
  /// HEAD → index (the first porcelain column); nil when unchanged.
  public let indexStatus: GitFileStatus?
  /// Index → working directory (the second column); `.new` for untracked files.
  public let workdirStatus: GitFileStatus?
  /// Not in HEAD nor the index (porcelain `??`).
  public let isUntracked: Bool
  /// Unmerged after a conflicting merge (porcelain `UU` and friends).
  public let isConflicted: Bool
}

extension GitRepository {
  /// Changed, staged and untracked files, sorted by path; ignored files are left out.
  /// Untracked directories are listed file by file (`-uall`), and renames are detected
  /// between HEAD and the index, as `git status` does by default.
  public func status() throws -> [GitStatusEntry] {
    var opts = git_status_options()
    try check(
      git_status_options_init(&opts, UInt32(GIT_STATUS_OPTIONS_VERSION)), "init status options")
    opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
    opts.flags =
      GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue
      | GIT_STATUS_OPT_RENAMES_HEAD_TO_INDEX.rawValue
      | GIT_STATUS_OPT_SORT_CASE_SENSITIVELY.rawValue
    var list: OpaquePointer?
    try check(git_status_list_new(&list, handle, &opts), "read status")
    defer { git_status_list_free(list) }

    var entries: [GitStatusEntry] = []
    for i in 0..<git_status_list_entrycount(list) {
      guard let entry = git_status_byindex(list, i)?.pointee else { continue }
      let flags = entry.status.rawValue
      func has(_ flag: git_status_t) -> Bool { flags & flag.rawValue != 0 }
      let delta = entry.head_to_index ?? entry.index_to_workdir
      guard let delta, let newPath = delta.pointee.new_file.path else { continue }
      let path = String(cString: newPath)
      var oldPath: String?
      if has(GIT_STATUS_INDEX_RENAMED), let old = entry.head_to_index?.pointee.old_file.path {
        oldPath = String(cString: old)
      }
      let index = Self.firstStatus(in: flags, Self.indexFlags)
      let workdir = Self.firstStatus(in: flags, Self.workdirFlags)
      let conflicted = has(GIT_STATUS_CONFLICTED)
      if index == nil, workdir == nil, !conflicted { continue }
      entries.append(
        GitStatusEntry(
          path: path, oldPath: oldPath, indexStatus: index, workdirStatus: workdir,
          isUntracked: index == nil && workdir == .new, isConflicted: conflicted))
    }
    return entries.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
  }

  private static let indexFlags: [(git_status_t, GitFileStatus)] = [
    (GIT_STATUS_INDEX_NEW, .new), (GIT_STATUS_INDEX_MODIFIED, .modified),
    (GIT_STATUS_INDEX_DELETED, .deleted), (GIT_STATUS_INDEX_RENAMED, .renamed),
    (GIT_STATUS_INDEX_TYPECHANGE, .typechange),
  ]
  private static let workdirFlags: [(git_status_t, GitFileStatus)] = [
    (GIT_STATUS_WT_NEW, .new), (GIT_STATUS_WT_MODIFIED, .modified),
    (GIT_STATUS_WT_DELETED, .deleted), (GIT_STATUS_WT_RENAMED, .renamed),
    (GIT_STATUS_WT_TYPECHANGE, .typechange),
  ]

  /// The status of the first flag in `table` that is set (libgit2 sets at most one per
  /// column).
  private static func firstStatus(in flags: UInt32, _ table: [(git_status_t, GitFileStatus)])
    -> GitFileStatus?
  {
    table.first { flags & $0.0.rawValue != 0 }?.1
  }

  /// Whether .gitignore rules (and .git/info/exclude, core.excludesFile) ignore `path`,
  /// whether or not the file exists or is tracked.
  public func isIgnored(_ path: String) throws -> Bool {
    var ignored: Int32 = 0
    let rel = try relativePath(path)
    try check(git_ignore_path_is_ignored(&ignored, handle, rel), "check ignore rules for \(rel)")
    return ignored == 1
  }
}
