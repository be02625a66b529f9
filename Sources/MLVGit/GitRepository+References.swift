import CLibGit2

extension GitRepository {
  /// The namespaces mlv reads: branches, tags, and its own `refs/mlv/*` (runs, keep-alive
  /// refs for gc). Remote-tracking branches, notes and stash are left out.
  static let listedReferencePrefixes = ["refs/heads/", "refs/tags/", "refs/mlv/"]

  /// Every branch, tag and `refs/mlv/*` reference with the commit it leads to (annotated
  /// tags peeled), sorted by name. References that do not lead to a commit (a tag of a
  /// blob) are skipped.
  public func references() throws -> [(name: String, target: GitOID)] {
    var iterator: OpaquePointer?
    try check(git_reference_iterator_new(&iterator, handle), "list references")
    defer { git_reference_iterator_free(iterator) }

    var result: [(name: String, target: GitOID)] = []
    while true {
      var ref: OpaquePointer?
      let rc = git_reference_next(&ref, iterator)
      if rc == GIT_ITEROVER.rawValue { break }
      try check(rc, "list references")
      defer { git_reference_free(ref) }
      guard let cName = git_reference_name(ref) else { continue }
      let name = String(cString: cName)
      guard Self.listedReferencePrefixes.contains(where: { name.hasPrefix($0) }) else { continue }
      var commit: OpaquePointer?
      guard git_reference_peel(&commit, ref, GIT_OBJECT_COMMIT) == 0, let commit else {
        continue
      }
      defer { git_object_free(commit) }
      result.append((name, GitOID(git_object_id(commit))))
    }
    return result.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
  }

  /// Creates or overwrites the direct reference `name` (a full name such as
  /// `refs/mlv/runs/x`); `message` goes to the reflog.
  public func setReference(_ name: String, to target: GitOID, message: String) throws {
    try validateReferenceName(name)
    var raw = target.raw
    var ref: OpaquePointer?
    try markingWrite { try check(git_reference_create(&ref, handle, name, &raw, 1, message), "set \(name)") }
    git_reference_free(ref)
  }

  /// Deletes the reference `name`; returns false when there was none.
  @discardableResult
  public func deleteReference(_ name: String) throws -> Bool {
    // git_reference_remove does not say whether the reference existed: look it up first.
    var ref: OpaquePointer?
    let rc = git_reference_lookup(&ref, handle, name)
    if rc == GIT_ENOTFOUND.rawValue || rc == GIT_EINVALIDSPEC.rawValue { return false }
    try check(rc, "look up \(name)")
    defer { git_reference_free(ref) }
    try check(git_reference_delete(ref), "delete \(name)")
    return true
  }

  /// Creates tag `name` (short, without `refs/tags/`) on a commit: lightweight when
  /// `message` is nil, annotated (tagger = `signature()`) otherwise. An existing tag is
  /// replaced only with `force`; otherwise `.referenceExists`.
  public func createTag(_ name: String, target: GitOID, message: String?, force: Bool = false)
    throws
  {
    let fullName = "refs/tags/" + name
    try validateReferenceName(fullName)
    let forceFlag: Int32 = force ? 1 : 0
    try withCommit(target) { commit in
      var oid = git_oid()
      let rc: Int32
      if let message {
        let tagger = try makeSignature(.committer)
        defer { git_signature_free(tagger) }
        var cleaned = git_buf()
        defer { git_buf_dispose(&cleaned) }
        try check(git_message_prettify(&cleaned, message, 0, 0x23), "clean up tag message")
        rc = try markingWrite { git_tag_create(&oid, handle, name, commit, tagger, cleaned.ptr, forceFlag) }
      } else {
        rc = try markingWrite { git_tag_create_lightweight(&oid, handle, name, commit, forceFlag) }
      }
      if rc == GIT_EEXISTS.rawValue { throw GitError.referenceExists(fullName) }
      try check(rc, "create tag \(name)")
    }
  }

  func validateReferenceName(_ name: String) throws {
    var valid: Int32 = 0
    try check(git_reference_name_is_valid(&valid, name), "validate reference name \(name)")
    guard valid == 1, name.hasPrefix("refs/") else { throw GitError.invalidReferenceName(name) }
  }
}
