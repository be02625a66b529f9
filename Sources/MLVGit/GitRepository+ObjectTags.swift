import CLibGit2
import Foundation

/// Tags of trees: the registry keeps each signed attestation as a small tree (statement and
/// signature) under an annotated tag, so it travels with `git push --tags` and stays
/// reachable (an object named only inside a message would be neither pushed nor kept by gc).
extension GitRepository {
  /// Writes a tree of plain files (no subdirectories) and returns its id; git sorts the
  /// entries. Names must be single path components.
  public func writeFlatTree(_ files: [(name: String, bytes: [UInt8])]) throws -> GitOID {
    var builder: OpaquePointer?
    try check(git_treebuilder_new(&builder, handle, nil), "start a tree")
    defer { git_treebuilder_free(builder) }
    for f in files {
      var blob = git_oid()
      _ = try f.bytes.withUnsafeBytes { p in
        try check(git_blob_create_from_buffer(&blob, handle, p.baseAddress, p.count), "write blob \(f.name)")
      }
      try check(git_treebuilder_insert(nil, builder, f.name, &blob, GIT_FILEMODE_BLOB), "add \(f.name) to a tree")
    }
    var tree = git_oid()
    try check(git_treebuilder_write(&tree, builder), "write tree")
    return GitOID(tree)
  }

  /// Creates the annotated tag `name` (short) on any object (`createTag` takes commits only).
  public func createTag(_ name: String, object: GitOID, message: String) throws {
    let fullName = "refs/tags/" + name
    try validateReferenceName(fullName)
    var raw = object.raw
    var target: OpaquePointer?
    try check(git_object_lookup(&target, handle, &raw, GIT_OBJECT_ANY), "look up \(object)")
    defer { git_object_free(target) }
    let tagger = try makeSignature(.committer)
    defer { git_signature_free(tagger) }
    var cleaned = git_buf()
    defer { git_buf_dispose(&cleaned) }
    try check(git_message_prettify(&cleaned, message, 0, 0x23), "clean up tag message")
    var oid = git_oid()
    let rc = try markingWrite { git_tag_create(&oid, handle, name, target, tagger, cleaned.ptr, 0) }
    if rc == GIT_EEXISTS.rawValue { throw GitError.referenceExists(fullName) }
    try check(rc, "create tag \(name)")
  }

  /// The tree an annotated or lightweight tag `name` leads to (peeled), or nil when there
  /// is no such tag or it leads to no tree.
  public func taggedTree(_ name: String) throws -> GitOID? {
    var object: OpaquePointer?
    let rc = git_revparse_single(&object, handle, "refs/tags/" + name)
    if rc == GIT_ENOTFOUND.rawValue || rc == GIT_EINVALIDSPEC.rawValue { return nil }
    try check(rc, "look up tag \(name)")
    defer { git_object_free(object) }
    guard let object else { return nil }
    if git_object_type(object) == GIT_OBJECT_TREE { return GitOID(git_object_id(object)) }
    guard git_object_type(object) == GIT_OBJECT_TAG else { return nil }
    // Peel tags only (GIT_OBJECT_ANY stops at the first non-tag): a tag of a commit must
    // not count as a tag of that commit's tree.
    var peeled: OpaquePointer?
    guard git_object_peel(&peeled, object, GIT_OBJECT_ANY) == 0, let peeled else { return nil }
    defer { git_object_free(peeled) }
    return git_object_type(peeled) == GIT_OBJECT_TREE ? GitOID(git_object_id(peeled)) : nil
  }

  /// The file `name` at the top of `tree`, or nil when there is none (or it is not a file).
  public func readFile(_ name: String, inTree tree: GitOID) throws -> [UInt8]? {
    var raw = tree.raw
    var t: OpaquePointer?
    try check(git_tree_lookup(&t, handle, &raw), "read tree \(tree)")
    defer { git_tree_free(t) }
    guard let entry = git_tree_entry_byname(t, name), git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return nil }
    return try readBlob(GitOID(git_tree_entry_id(entry)))
  }
}
