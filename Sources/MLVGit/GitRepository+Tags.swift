import CLibGit2
import Foundation

/// One tag under `refs/tags/`, as the model registry reads it.
public struct GitTag: Sendable, Equatable {
  /// Short name, without `refs/tags/`.
  public let name: String
  /// The commit the tag leads to (annotated tags peeled); nil when it leads to no commit
  /// (a tag of a tree or blob).
  public let commit: GitOID?
  /// False for a lightweight tag, which has no tagger, time or message.
  public let annotated: Bool
  public let taggerName: String
  public let taggerEmail: String
  /// Tagger time (annotated tags); nil for lightweight ones.
  public let time: Date?
  /// The tag message as stored ("" for lightweight tags).
  public let message: String
}

extension GitRepository {
  /// Every tag whose short name starts with `prefix` (all tags when empty), sorted by
  /// name. A tag that cannot be read is skipped, never fatal: tags arrive from teammates.
  public func tags(prefix: String = "") throws -> [GitTag] {
    var iterator: OpaquePointer?
    try check(git_reference_iterator_glob_new(&iterator, handle, "refs/tags/*"), "list tags")
    defer { git_reference_iterator_free(iterator) }
    var result: [GitTag] = []
    while true {
      var ref: OpaquePointer?
      let rc = git_reference_next(&ref, iterator)
      if rc == GIT_ITEROVER.rawValue { break }
      try check(rc, "list tags")
      defer { git_reference_free(ref) }
      guard let cName = git_reference_name(ref) else { continue }
      let name = String(String(cString: cName).dropFirst("refs/tags/".count))
      guard name.hasPrefix(prefix) else { continue }
      if let tag = readTag(ref, name: name) { result.append(tag) }
    }
    return result.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
  }

  /// The tag `name` (short), or nil when there is none.
  public func tag(_ name: String) throws -> GitTag? {
    var ref: OpaquePointer?
    let rc = git_reference_lookup(&ref, handle, "refs/tags/" + name)
    if rc == GIT_ENOTFOUND.rawValue || rc == GIT_EINVALIDSPEC.rawValue { return nil }
    try check(rc, "look up tag \(name)")
    defer { git_reference_free(ref) }
    return readTag(ref, name: name)
  }

  /// True when `name` is a valid short tag name by git's rules (`git check-ref-format`).
  public static func isValidTagName(_ name: String) -> Bool {
    LibGit2.ensureInitialized()
    var valid: Int32 = 0
    guard git_reference_name_is_valid(&valid, "refs/tags/" + name) == 0 else { return false }
    return valid == 1
  }

  private func readTag(_ ref: OpaquePointer?, name: String) -> GitTag? {
    var commitObject: OpaquePointer?
    var commit: GitOID?
    if git_reference_peel(&commitObject, ref, GIT_OBJECT_COMMIT) == 0, let commitObject {
      commit = GitOID(git_object_id(commitObject))
      git_object_free(commitObject)
    }
    guard let target = git_reference_target(ref) else { return nil }
    var tagObject: OpaquePointer?
    // A lightweight tag names the commit itself: lookup as a tag object fails.
    guard git_tag_lookup(&tagObject, handle, target) == 0, let tagObject else {
      return GitTag(
        name: name, commit: commit, annotated: false, taggerName: "", taggerEmail: "", time: nil, message: "")
    }
    defer { git_tag_free(tagObject) }
    let tagger = git_tag_tagger(tagObject)
    return GitTag(
      name: name, commit: commit, annotated: true,
      taggerName: tagger.flatMap { $0.pointee.name }.map { String(cString: $0) } ?? "",
      taggerEmail: tagger.flatMap { $0.pointee.email }.map { String(cString: $0) } ?? "",
      time: tagger.map { Date(timeIntervalSince1970: TimeInterval($0.pointee.when.time)) },
      message: git_tag_message(tagObject).map { String(cString: $0) } ?? "")
  }
}
