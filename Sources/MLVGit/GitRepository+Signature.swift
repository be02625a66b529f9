import CLibGit2
import Foundation

extension GitRepository {
  /// The identity commits are made with: `user.name` and `user.email` from the git config
  /// (repository, global, xdg and system levels), unless `GIT_AUTHOR_NAME` and
  /// `GIT_AUTHOR_EMAIL` are set in the environment, as with the git CLI. Throws
  /// `.noIdentity` when no name or email is configured.
  public func signature() throws -> (name: String, email: String) {
    let sig = try makeSignature(.author)
    defer { git_signature_free(sig) }
    return (String(cString: sig.pointee.name), String(cString: sig.pointee.email))
  }

  enum SignatureRole: String {
    case author = "AUTHOR"
    case committer = "COMMITTER"
  }

  /// A signature as the git CLI would make it for `role`: `GIT_<ROLE>_NAME`,
  /// `GIT_<ROLE>_EMAIL` and `GIT_<ROLE>_DATE` override the config and the clock (which
  /// makes commit ids reproducible in tests). The caller frees it (`git_signature_free`).
  func makeSignature(
    _ role: SignatureRole, environment env: [String: String] = ProcessInfo.processInfo.environment
  ) throws -> UnsafeMutablePointer<git_signature> {
    var name = env["GIT_\(role.rawValue)_NAME"].flatMap { $0.isEmpty ? nil : $0 }
    var email = env["GIT_\(role.rawValue)_EMAIL"].flatMap { $0.isEmpty ? nil : $0 }
    if name == nil || email == nil {
      var configured: UnsafeMutablePointer<git_signature>?
      let rc = git_signature_default(&configured, handle)
      if rc == GIT_ENOTFOUND.rawValue { throw GitError.noIdentity }
      try check(rc, "read user.name and user.email")
      guard let configured else { throw GitError.noIdentity }
      defer { git_signature_free(configured) }
      name = name ?? String(cString: configured.pointee.name)
      email = email ?? String(cString: configured.pointee.email)
    }
    guard let name, let email else { throw GitError.noIdentity }

    var sig: UnsafeMutablePointer<git_signature>?
    if let date = env["GIT_\(role.rawValue)_DATE"], !date.isEmpty {
      guard let (seconds, offsetMinutes) = Self.parseGitDate(date) else {
        throw GitError.libgit2(
          operation: "read GIT_\(role.rawValue)_DATE", code: -1,
          message: "unsupported date '\(date)': use '@<unix seconds> <+hhmm>'")
      }
      try check(git_signature_new(&sig, name, email, seconds, offsetMinutes), "make signature")
    } else {
      try check(git_signature_now(&sig, name, email), "make signature")
    }
    guard let sig else { throw GitError.noIdentity }
    return sig
  }

  /// Parses git's internal date format, `[@]<unix seconds> [<+|-><hhmm>]`.
  static func parseGitDate(_ text: String) -> (seconds: Int64, offsetMinutes: Int32)? {
    let parts = text.split(separator: " ")
    guard (1...2).contains(parts.count) else { return nil }
    let secondsText = parts[0].hasPrefix("@") ? parts[0].dropFirst() : parts[0]
    guard let seconds = Int64(secondsText) else { return nil }
    guard parts.count == 2 else { return (seconds, 0) }
    let zone = parts[1]
    guard zone.count == 5, let sign = zone.first, sign == "+" || sign == "-",
      let hours = Int32(zone.dropFirst().prefix(2)), let minutes = Int32(zone.suffix(2))
    else { return nil }
    let offset = hours * 60 + minutes
    return (seconds, sign == "-" ? -offset : offset)
  }
}
