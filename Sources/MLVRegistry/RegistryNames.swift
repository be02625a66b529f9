/// The names the registry puts into git tags, in GTO's naming (docs/registry.md):
///
///     NAME@vX.Y.Z        a version: an annotated tag on the commit of the artifact's pointer
///     NAME@vX.Y.Z!       that version deregistered (GTO)
///     NAME#STAGE#N       stage STAGE assigned to the version on the tagged commit; N counts
///     NAME#STAGE!#N      stage STAGE unassigned (GTO)
///
/// Names and stages follow GTO's pattern (lowercase letters, digits, '-' and '_', starting
/// and ending with a letter or digit; names may be '/'-separated) so every tag mlv writes
/// is one GTO reads, and every tag is also checked against git's refname rules.
public enum RegistryNames {
  public static let maxLength = 200

  /// GTO's artifact name pattern `[a-zA-Z0-9]([a-zA-Z0-9-/_]*[a-zA-Z0-9])?` (without its
  /// optional "dir:" prefix, which mlv does not write).
  public static func isValidName(_ s: String) -> Bool {
    s.utf8.count <= maxLength && matchesGTOName(Array(s.utf8), slash: true)
  }

  /// GTO's stage pattern is its name pattern.
  public static func isValidStage(_ s: String) -> Bool { isValidName(s) }

  static func matchesGTOName(_ b: [UInt8], slash: Bool) -> Bool {
    func alnum(_ c: UInt8) -> Bool {
      (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39)
    }
    guard let first = b.first, let last = b.last, alnum(first), alnum(last) else { return false }
    return b.allSatisfy { alnum($0) || $0 == 0x2D || $0 == 0x5F || (slash && $0 == 0x2F) }
  }

  /// `vMAJOR.MINOR.PATCH`, plain decimal numbers without leading zeros (semver core).
  public static func parseVersion(_ s: String) -> SemVer? {
    guard s.hasPrefix("v") else { return nil }
    let parts = s.dropFirst().split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 3 else { return nil }
    var nums: [Int] = []
    for p in parts {
      guard !p.isEmpty, p.count <= 9, p.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
      if p.count > 1 && p.hasPrefix("0") { return nil }
      guard let n = Int(p) else { return nil }
      nums.append(n)
    }
    return SemVer(major: nums[0], minor: nums[1], patch: nums[2])
  }

  /// What one tag name means to the registry; nil for tags that are not registry tags
  /// (no '@' and no '#'). `.malformed` for tags that look like registry tags but are not
  /// valid ones (shown as warnings, never a crash).
  public enum Parsed: Equatable, Sendable {
    case version(name: String, version: String, deregistered: Bool)
    case stage(name: String, stage: String, number: Int, unassigned: Bool)
    case deprecated(name: String)
    case malformed(reason: String)
  }

  /// GTO's grammar: `ARTIFACT(#STAGE|@vSEMVER)(!)?(#N)?` or `ARTIFACT@deprecated(#N)?`.
  /// mlv reads the core `vX.Y.Z` versions only; others become warnings.
  public static func parse(_ tag: String) -> Parsed? {
    guard tag.contains("@") || tag.contains("#") else { return nil }
    var body = Substring(tag)
    var number: Int?
    if let h = body.lastIndex(of: "#") {
      let digits = body[body.index(after: h)...]
      if !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
        guard digits.count <= 9, let n = Int(digits) else { return .malformed(reason: "assignment number too large") }
        number = n
        body = body[..<h]
      }
    }
    let sep = body.firstIndex { $0 == "#" || $0 == "@" }
    guard let sep else { return .malformed(reason: "no version or stage") }
    let name = String(body[..<sep])
    guard isValidName(name) else { return .malformed(reason: "invalid artifact name '\(name)'") }
    var rest = String(body[body.index(after: sep)...])
    let cancel = rest.hasSuffix("!")
    if cancel { rest.removeLast() }
    if body[sep] == "#" {
      guard isValidStage(rest) else { return .malformed(reason: "invalid stage '\(rest)'") }
      guard let number else { return .malformed(reason: "stage tag without its number (want NAME#STAGE#N)") }
      return .stage(name: name, stage: rest, number: number, unassigned: cancel)
    }
    if rest == "deprecated" && !cancel { return .deprecated(name: name) }
    guard parseVersion(rest) != nil else { return .malformed(reason: "invalid version '\(rest)' (mlv reads vX.Y.Z)") }
    return .version(name: name, version: rest, deregistered: cancel)
  }
}

public struct SemVer: Comparable, Sendable, Hashable {
  public var major, minor, patch: Int
  public static func < (a: SemVer, b: SemVer) -> Bool {
    (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
  }
}
