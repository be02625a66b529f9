import CLibGit2

/// One file that differs between two commits (`git diff --name-status --no-renames`).
public struct GitFileChange: Sendable, Equatable {
  public let path: String
  /// `.new`, `.modified`, `.deleted` or `.typechange` (renames show as delete + new).
  public let status: GitFileStatus
  /// The blob before; nil when the file was added.
  public let oldBlob: GitOID?
  /// The blob after; nil when the file was deleted.
  public let newBlob: GitOID?
}

extension GitRepository {
  /// Files that differ between the trees of `old` (nil: the empty tree, so everything in
  /// `new` is added) and `new`, sorted by path. Comparing tree and blob ids, this reads no
  /// file contents: `mlv diff` uses it to find the pointer files worth opening.
  public func changedFiles(from old: GitOID?, to new: GitOID) throws -> [GitFileChange] {
    try withOptionalTree(of: old) { oldTree in
      try withTree(of: new) { newTree in
        var diff: OpaquePointer?
        try check(
          git_diff_tree_to_tree(&diff, handle, oldTree, newTree, nil),
          "diff \(old?.hex ?? "empty tree") \(new)")
        defer { git_diff_free(diff) }
        var changes: [GitFileChange] = []
        for i in 0..<git_diff_num_deltas(diff) {
          guard let delta = git_diff_get_delta(diff, i)?.pointee else { continue }
          let status: GitFileStatus
          switch delta.status {
          case GIT_DELTA_ADDED: status = .new
          case GIT_DELTA_DELETED: status = .deleted
          case GIT_DELTA_TYPECHANGE: status = .typechange
          case GIT_DELTA_MODIFIED: status = .modified
          default: continue  // renames and copies are not detected without a find pass
          }
          let file = status == .deleted ? delta.old_file : delta.new_file
          guard let path = file.path else { continue }
          changes.append(
            GitFileChange(
              path: String(cString: path), status: status,
              oldBlob: Self.nonZero(delta.old_file.id), newBlob: Self.nonZero(delta.new_file.id)))
        }
        return changes.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
      }
    }
  }

  private func withOptionalTree<T>(of commit: GitOID?, _ body: (OpaquePointer?) throws -> T)
    throws -> T
  {
    guard let commit else { return try body(nil) }
    return try withTree(of: commit) { try body($0) }
  }

  /// libgit2 marks the missing side of an added or deleted file with the all-zero id.
  private static func nonZero(_ oid: git_oid) -> GitOID? {
    var copy = oid
    return git_oid_is_zero(&copy) == 1 ? nil : GitOID(oid)
  }
}
