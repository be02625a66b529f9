import CLibGit2

extension GitRepository {
  /// `git checkout <rev>`: updates the working directory and the index to the commit `rev`
  /// names, then points HEAD at it, attached when `rev` is a local branch name (short or
  /// `refs/heads/...`), detached otherwise. Returns the commit.
  ///
  /// Without `force` the checkout is safe: if a file with local changes would have to be
  /// overwritten or removed, nothing is touched and `.checkoutConflict` lists all such
  /// paths. With `force` those changes are discarded. Untracked files that are not in the
  /// way are kept either way.
  @discardableResult
  public func checkout(_ rev: String, force: Bool = false) throws -> GitOID {
    // A branch wins over a tag of the same name, as in `git checkout`.
    let branch = try localBranch(named: rev)
    let target = try resolveCommit(branch ?? rev)
    try checkoutTree(of: target, force: force)
    if let branch {
      try markingWrite { try check(git_repository_set_head(handle, branch), "attach HEAD to \(branch)") }
    } else {
      var raw = target.raw
      try markingWrite { try check(git_repository_set_head_detached(handle, &raw), "detach HEAD at \(target)") }
    }
    return target
  }

  /// The full name of the local branch `name` refers to, if there is one.
  func localBranch(named name: String) throws -> String? {
    let full = name.hasPrefix("refs/heads/") ? name : "refs/heads/" + name
    var ref: OpaquePointer?
    // Lookup fails with not-found or invalid-spec for anything that is not a branch
    // (`HEAD~1`, a hash...): both simply mean "not a branch".
    guard git_reference_lookup(&ref, handle, full) == 0 else { return nil }
    git_reference_free(ref)
    return full
  }

  /// Checks out the tree of `commit` into the working directory and index, relative to
  /// the current HEAD (files only in HEAD's tree are removed).
  func checkoutTree(of commit: GitOID, force: Bool) throws {
    final class Conflicts { var paths: [String] = [] }
    let conflicts = Conflicts()
    var opts = git_checkout_options()
    try check(
      git_checkout_options_init(&opts, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)),
      "init checkout options")
    opts.checkout_strategy = force ? GIT_CHECKOUT_FORCE.rawValue : GIT_CHECKOUT_SAFE.rawValue
    opts.notify_flags = GIT_CHECKOUT_NOTIFY_CONFLICT.rawValue
    // Returning 0 lets libgit2 report every conflicting path before it fails with
    // GIT_ECONFLICT, so the user sees the whole list at once.
    opts.notify_cb = { _, path, _, _, _, payload in
      guard let path, let payload else { return 0 }
      Unmanaged<Conflicts>.fromOpaque(payload).takeUnretainedValue().paths.append(
        String(cString: path))
      return 0
    }
    try withExtendedLifetime(conflicts) {
      opts.notify_payload = Unmanaged.passUnretained(conflicts).toOpaque()
      try withCommit(commit) { commitObject in
        let rc = try markingWrite { git_checkout_tree(handle, commitObject, &opts) }
        if let locked = lockError(rc) { throw locked }
        if rc == GIT_ECONFLICT.rawValue || (rc < 0 && !conflicts.paths.isEmpty) {
          throw GitError.checkoutConflict(paths: Array(Set(conflicts.paths)).sorted())
        }
        try check(rc, "check out \(commit)")
      }
    }
  }
}
