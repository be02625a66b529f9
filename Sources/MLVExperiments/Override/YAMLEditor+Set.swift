import Foundation

extension YAMLEditor {
  /// Returns the text with `keyPath` set to `value`, adding the missing keys after the last
  /// entry of the deepest mapping that exists.
  func setting(_ keyPath: [String], to value: ParamValue) throws -> String {
    var ed = self
    let full = keyPath.joined(separator: ".")
    var scope = 0..<lines.count
    var parentIndent = -1
    for (depth, key) in keyPath.enumerated() {
      let content = scope.filter { YAMLEditor.isContent(lines[$0]) }
      let childIndent = content.first.map { YAMLEditor.indent(lines[$0]) } ?? parentIndent + 2
      if let first = content.first, YAMLEditor.isSequenceItem(lines[first]) {
        throw ExperimentError.notAMapping(path: path, key: full)
      }
      let found = content.first { i in
        YAMLEditor.indent(lines[i]) == childIndent && YAMLEditor.keyLine(lines[i])?.key == key
      }
      guard let index = found, let kl = YAMLEditor.keyLine(lines[index]) else {
        // right after the scope's last content line: after nested entries, before comments
        let at = ed.lastContent(in: scope).map { $0 + 1 } ?? scope.lowerBound
        ed.insert(Array(keyPath[depth...]), value, at: at, indent: max(childIndent, 0))
        return ed.text()
      }
      let end = blockEnd(after: index, indent: childIndent)
      let token = lines[index][kl.value]
      if depth == keyPath.count - 1 {
        try ed.replace(line: index, kl, with: value, nested: (index + 1)..<end, key: full)
        return ed.text()
      }
      if token.hasPrefix("{") {
        throw ExperimentError.invalidOverride(spec: full, reason: "cannot edit inside a flow mapping in \(path)")
      }
      if !token.isEmpty && !token.hasPrefix("&") { throw ExperimentError.notAMapping(path: path, key: full) }
      scope = (index + 1)..<end
      parentIndent = childIndent
    }
    return ed.text()
  }

  /// Replaces the value on `line`, dropping a nested block value (a list or block scalar)
  /// that the new value takes the place of; a nested mapping is refused.
  private mutating func replace(
    line: Int, _ kl: KeyLine, with value: ParamValue, nested: Range<Int>, key: String
  ) throws {
    let old = lines[line]
    let token = String(old[kl.value])
    let nestedContent = nested.filter { YAMLEditor.isContent(lines[$0]) }
    // lines nested under a key with no value on its own line are a mapping or a list; under
    // a value they continue it (a block scalar, a flow list over several lines): both go
    if let first = nestedContent.first, token.isEmpty || token.hasPrefix("&"), !YAMLEditor.isSequenceItem(lines[first]) {
      throw ExperimentError.invalidOverride(spec: key, reason: "'\(key)' is a mapping in \(path)")
    }
    let rendered = YAMLEditor.render(value, like: token)
    if kl.value.isEmpty {
      // `key:   # note` gets `key: value   # note`: the value goes after the colon and
      // the gap before the comment is kept
      let head = String(old[..<kl.value.lowerBound])
      let colon = head.trimmingCharacters(in: .whitespaces)
      let gap = String(head.dropFirst(colon.count + YAMLEditor.indent(head)))
      let rest = old[kl.value.upperBound...]
      lines[line] = String(repeating: " ", count: kl.indent) + colon + " " + rendered
        + (rest.isEmpty ? "" : (gap.isEmpty ? " " : gap) + rest)
    } else {
      lines[line] = String(old[..<kl.value.lowerBound]) + rendered + old[kl.value.upperBound...]
    }
    if let last = nestedContent.last { lines.removeSubrange(nested.lowerBound...last) }
  }

  /// Inserts `keys` (the missing tail of a path) as nested lines before line `at`.
  private mutating func insert(_ keys: [String], _ value: ParamValue, at: Int, indent: Int) {
    var new: [String] = []
    for (i, k) in keys.enumerated() {
      let pad = String(repeating: " ", count: indent + 2 * i)
      let key = YAMLEditor.plainSafe(k) ? k : JSONText.quote(k)
      new.append(i == keys.count - 1 ? "\(pad)\(key): \(YAMLEditor.render(value, like: ""))" : "\(pad)\(key):")
    }
    // a file with CRLF line ends gets CRLF on the new lines too
    let crlf = lines.contains { $0.unicodeScalars.last == "\r" }
    lines.insert(contentsOf: crlf ? new.map { $0 + "\r" } : new, at: at)
  }

  /// YAML text for a value; a string keeps the quote style of the token it replaces.
  static func render(_ value: ParamValue, like old: String) -> String {
    switch value {
    case .string(let s):
      if old.hasPrefix("'") && !s.contains("\n") { return "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
      if old.hasPrefix("\"") || !plainSafe(s) { return JSONText.quote(s) }
      return s
    case .double(let d) where d.isNaN: return ".nan"
    case .double(let d) where d.isInfinite: return d < 0 ? "-.inf" : ".inf"
    case .null: return "null"
    case .list(let items): return "[" + items.map { render($0, like: "") }.joined(separator: ", ") + "]"
    default: return value.canonical
    }
  }

  /// Whether a string can be written unquoted and still read back as that same string.
  static func plainSafe(_ s: String) -> Bool {
    guard s.range(of: #"^[A-Za-z_/][A-Za-z0-9_./-]*$"#, options: .regularExpression) != nil else { return false }
    return (try? YAMLText.parse("k: \(s)"))?["k"] == .scalar(.string(s))
  }
}
