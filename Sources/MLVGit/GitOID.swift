import CLibGit2

/// A git object id: SHA-1, written as 40 lowercase hex digits (libgit2 1.5 has no SHA-256
/// object format).
public struct GitOID: Hashable, Sendable, Comparable, CustomStringConvertible {
  public let hex: String

  /// Accepts exactly 40 hex digits (either case); returns nil otherwise.
  public init?(hex: String) {
    guard hex.utf8.count == 40, hex.utf8.allSatisfy({ $0.isHexDigit }) else { return nil }
    self.hex = hex.lowercased()
  }

  init(_ oid: git_oid) {
    var copy = oid
    // 40 hex digits plus the terminating NUL.
    var buffer = [CChar](repeating: 0, count: 41)
    git_oid_tostr(&buffer, buffer.count, &copy)
    self.hex = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  init(_ pointer: UnsafePointer<git_oid>) { self.init(pointer.pointee) }

  /// The libgit2 form; `hex` is valid by construction, so parsing cannot fail.
  var raw: git_oid {
    var oid = git_oid()
    git_oid_fromstr(&oid, hex)
    return oid
  }

  /// The first seven digits, as `git log --oneline` prints them.
  public var short: String { String(hex.prefix(7)) }
  public var description: String { hex }
  public static func < (a: GitOID, b: GitOID) -> Bool { a.hex < b.hex }
}

extension UInt8 {
  fileprivate var isHexDigit: Bool {
    (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
  }
}
