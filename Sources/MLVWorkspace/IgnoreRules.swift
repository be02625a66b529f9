/// `.mlvignore` rules in gitignore syntax, relative to the repository root: `#` comments,
/// `!` negation, a leading or inner `/` anchors a pattern to the root, a trailing `/`
/// matches directories only, `*` `?` `[a-z]` within one component, `**` across components.
/// The last matching rule wins; an ignored directory is not descended into, so a file
/// inside it cannot be re-included (the same as git).
public struct IgnoreRules: Sendable {
  struct Rule: Sendable {
    var pattern: [UInt8]
    var negated: Bool
    var directoryOnly: Bool
    var anchored: Bool
    /// Fast paths for the common shapes (`name`, `*.ext`): no glob matching per file.
    var literal: [UInt8]?
    var suffix: [UInt8]?
  }

  var rules: [Rule] = []
  public static let fileName = ".mlvignore"

  public init(text: String) {
    // Split on the newline scalar: as Characters, "\r\n" is one grapheme that a split on
    // "\n" never breaks, which would turn a CRLF file into a single rule.
    for raw in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: true) {
      var line = Substring(String(String.UnicodeScalarView(raw)))
      if line.hasSuffix("\r") { line = line.dropLast() }
      while line.hasSuffix(" ") && !line.hasSuffix("\\ ") { line = line.dropLast() }
      if line.isEmpty || line.hasPrefix("#") { continue }
      var negated = false
      if line.hasPrefix("!") {
        negated = true
        line = line.dropFirst()
      } else if line.hasPrefix("\\!") || line.hasPrefix("\\#") {
        line = line.dropFirst()
      }
      var directoryOnly = false
      if line.hasSuffix("/") {
        directoryOnly = true
        line = line.dropLast()
      }
      let anchored = line.dropLast().contains("/")
      if line.hasPrefix("/") { line = line.dropFirst() }
      if line.isEmpty { continue }
      let pattern = Self.normalizeStars(Array(line.utf8))
      let special = Set("*?[\\".utf8)
      let literal = pattern.contains(where: special.contains) ? nil : pattern
      let suffix = pattern.first == Self.star && !pattern.dropFirst().contains(where: special.contains)
        ? Array(pattern.dropFirst()) : nil
      rules.append(
        Rule(pattern: pattern, negated: negated, directoryOnly: directoryOnly, anchored: anchored,
             literal: literal, suffix: suffix))
    }
  }

  public static let empty = IgnoreRules(text: "")
  public var isEmpty: Bool { rules.isEmpty }

  /// `isIgnored` for the entry `name` of the repository-relative directory `parent`; builds
  /// the full path only when an anchored rule needs it.
  public func isIgnored(parent: String, name: String, isDirectory: Bool) -> Bool {
    guard !rules.isEmpty else { return false }
    var bytes = name
    return bytes.withUTF8 { base in
      var full: [UInt8]? = nil
      var ignored = false
      for rule in rules {
        if rule.directoryOnly && !isDirectory { continue }
        let hit: Bool
        if rule.anchored {
          if full == nil { full = Array((parent.isEmpty ? name : parent + "/" + name).utf8) }
          hit = Self.match(rule.pattern[...], full![...])
        } else if let lit = rule.literal {
          hit = base.elementsEqual(lit)
        } else if let suf = rule.suffix {
          hit = base.count >= suf.count && UnsafeBufferPointer(rebasing: base[(base.count - suf.count)...]).elementsEqual(suf)
        } else {
          hit = Self.match(rule.pattern[...], Array(base)[...])
        }
        if hit { ignored = !rule.negated }
      }
      return ignored
    }
  }

  /// Whether the repository-relative `path` is ignored (its parents are not consulted;
  /// walkers prune ignored directories instead).
  public func isIgnored(_ path: String, isDirectory: Bool) -> Bool {
    guard !rules.isEmpty else { return false }
    let full = Array(path.utf8)
    let base: ArraySlice<UInt8> = full.lastIndex(of: UInt8(ascii: "/")).map { full[($0 + 1)...] } ?? full[...]
    var ignored = false
    for rule in rules {
      if rule.directoryOnly && !isDirectory { continue }
      let subject = rule.anchored ? full[...] : base
      if Self.match(rule.pattern[...], subject) { ignored = !rule.negated }
    }
    return ignored
  }

  /// `**` is special only as a whole component (git): elsewhere a run of stars means `*`.
  /// Rewriting the pattern once keeps the matcher free of that context.
  static func normalizeStars(_ p: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    var i = 0
    while i < p.count {
      guard p[i] == star else {
        out.append(p[i])
        if p[i] == UInt8(ascii: "\\"), i + 1 < p.count {
          out.append(p[i + 1])
          i += 1
        }
        i += 1
        continue
      }
      var j = i
      while j < p.count && p[j] == star { j += 1 }
      let whole = j - i == 2 && (i == 0 || p[i - 1] == slash) && (j == p.count || p[j] == slash)
      out += whole ? [star, star] : [star]
      i = j
    }
    return out
  }

  static let slash = UInt8(ascii: "/")
  static let star = UInt8(ascii: "*")

  /// Glob match of a whole pattern against a whole path.
  static func match(_ p: ArraySlice<UInt8>, _ s: ArraySlice<UInt8>) -> Bool {
    var p = p
    var s = s
    while let c = p.first {
      if c == star {
        if p.dropFirst().first == star {
          // `**`: any number of components (with the following slash, if any).
          var rest = p.dropFirst(2)
          if rest.first == slash { rest = rest.dropFirst() }
          if rest.isEmpty { return true }
          var t = s
          while true {
            if match(rest, t) { return true }
            guard let i = t.firstIndex(of: slash) else { return false }
            t = t[(i + 1)...]
          }
        }
        let rest = p.dropFirst()
        var t = s
        while true {
          if match(rest, t) { return true }
          guard let first = t.first, first != slash else { return false }
          t = t.dropFirst()
        }
      }
      guard let d = s.first else { return false }
      switch c {
      case UInt8(ascii: "?"):
        if d == slash { return false }
        p = p.dropFirst()
      case UInt8(ascii: "["):
        // An unterminated class matches nothing, as in git.
        guard let (matched, rest) = matchClass(p.dropFirst(), d) else { return false }
        if !matched || d == slash { return false }
        p = rest
      case UInt8(ascii: "\\"):
        let lit = p.dropFirst().first ?? c
        if d != lit { return false }
        p = p.dropFirst(2)
      default:
        if d != c { return false }
        p = p.dropFirst()
      }
      s = s.dropFirst()
    }
    return s.isEmpty
  }

  /// Matches `[...]` (with `!` or `^` negation and ranges); nil when unterminated.
  static func matchClass(_ p: ArraySlice<UInt8>, _ d: UInt8) -> (Bool, ArraySlice<UInt8>)? {
    var p = p
    var negate = false
    if let f = p.first, f == UInt8(ascii: "!") || f == UInt8(ascii: "^") {
      negate = true
      p = p.dropFirst()
    }
    var matched = false
    var first = true
    while let c = p.first {
      if c == UInt8(ascii: "]") && !first { return (matched != negate, p.dropFirst()) }
      first = false
      let q = p.dropFirst()
      if q.first == UInt8(ascii: "-"), let hi = q.dropFirst().first, hi != UInt8(ascii: "]") {
        if c <= d && d <= hi { matched = true }
        p = q.dropFirst(2)
      } else {
        if c == d { matched = true }
        p = q
      }
    }
    return nil
  }
}
