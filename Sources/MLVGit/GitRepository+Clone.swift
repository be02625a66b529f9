import CLibGit2

extension GitRepository {
  /// Clones `url` (any URL or path git understands) into the empty directory `path`
  /// without checking out any file: mlv reads what it needs (pointers, `.mlv/config`)
  /// from the object database, so a source repository with thousands of pointers costs
  /// its pack download and nothing else. Remote branches are `origin/<name>`.
  public static func cloneWithoutCheckout(_ url: String, to path: String) throws -> GitRepository {
    LibGit2.ensureCertificates()  // an https URL verifies the server against them
    var opts = git_clone_options()
    try check(git_clone_options_init(&opts, UInt32(GIT_CLONE_OPTIONS_VERSION)), "prepare clone of \(url)")
    opts.checkout_opts.checkout_strategy = GIT_CHECKOUT_NONE.rawValue
    var repo: OpaquePointer?
    try check(git_clone(&repo, url, path, &opts), "clone \(url)")
    git_repository_free(repo)
    return try discover(startingAt: path)
  }

  /// `rev` as a commit, also when it names a branch of the `origin` remote only (a fresh
  /// clone has one local branch).
  public func resolveSourceRevision(_ rev: String) throws -> GitOID {
    do { return try resolveCommit(rev) } catch GitError.revisionNotFound {
      return try resolveCommit("refs/remotes/origin/" + rev)
    }
  }
}
