/// Sets one key of a YAML file by editing its lines, so comments, blank lines, key order
/// and quoting elsewhere survive. It understands block mappings nested by indentation
/// (the shape params files have); a key inside a flow mapping (`{a: 1}`) is refused
/// rather than rewritten.
struct YAMLEditor {
  var lines: [String]
  let path: String
  let trailingNewline: Bool

  init(text: String, path: String) {
    // split on "\n" scalars: "\r\n" is one Character, so a Character split would miss CRLF
    // line ends; each line keeps its "\r" and joining with "\n" restores the bytes
    var l = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
      .map { String(Substring($0)) }
    trailingNewline = text.unicodeScalars.last == "\n"
    if trailingNewline { l.removeLast() }
    lines = l
    self.path = path
  }

  /// A line holding `key: value`, split into its parts.
  struct KeyLine {
    var indent: Int
    var key: String
    /// Range of the value token within the line (empty when the value is on later lines).
    var value: Range<String.Index>
  }

  static func indent(_ line: String) -> Int { line.prefix { $0 == " " }.count }

  /// Blank lines, comment lines and document markers hold no keys.
  static func isContent(_ line: String) -> Bool {
    let t = line.trimmingCharacters(in: .whitespacesAndNewlines)
    return !(t.isEmpty || t.hasPrefix("#") || t == "---" || t == "...")
  }

  static func isSequenceItem(_ line: String) -> Bool {
    let t = line.drop { $0 == " " }
    return t == "-" || t.hasPrefix("- ")
  }

  /// Parses `key: value  # comment`; nil if the line is not a mapping entry.
  static func keyLine(_ line: String) -> KeyLine? {
    let ind = indent(line)
    var i = line.index(line.startIndex, offsetBy: ind)
    var key = ""
    if i < line.endIndex, line[i] == "\"" || line[i] == "'" {
      let q = line[i]
      guard let close = line[line.index(after: i)...].firstIndex(of: q) else { return nil }
      key = String(line[line.index(after: i)..<close])
      i = line.index(after: close)
      guard i < line.endIndex, line[i] == ":" else { return nil }
    } else {
      var j = i
      while j < line.endIndex {
        if line[j] == ":" {
          let n = line.index(after: j)
          if n == line.endIndex || line[n] == " " || line[n] == "\t" || line[n] == "\r" { break }
        }
        if line[j] == "#" && j > i && line[line.index(before: j)] == " " { return nil }
        j = line.index(after: j)
      }
      guard j < line.endIndex else { return nil }
      key = String(line[i..<j]).trimmingCharacters(in: .whitespaces)
      i = j
    }
    guard !key.isEmpty else { return nil }
    var start = line.index(after: i)  // past ':'
    while start < line.endIndex, line[start] == " " || line[start] == "\t" { start = line.index(after: start) }
    return KeyLine(indent: ind, key: key, value: start..<valueEnd(line, from: start))
  }

  /// The end of a value token: before a ` #` comment outside quotes, trailing blanks trimmed.
  static func valueEnd(_ line: String, from start: String.Index) -> String.Index {
    var quote: Character? = nil
    var i = start
    var end = start
    while i < line.endIndex {
      let c = line[i]
      if let q = quote {
        if c == q { quote = nil }
      } else if c == "\"" || c == "'", i == start {
        quote = c
      } else if c == "#", i > start, line[line.index(before: i)] == " " || line[line.index(before: i)] == "\t" {
        break
      } else if c == "#", i == start {
        break
      }
      i = line.index(after: i)
      if c != " " && c != "\t" && c != "\r" { end = i }
    }
    return end
  }

  /// The first line after `line` that is not part of its nested block: a content line
  /// indented no deeper than `indent` (a `- item` at the same indent still belongs to it).
  func blockEnd(after line: Int, indent: Int) -> Int {
    var i = line + 1
    while i < lines.count {
      let l = lines[i]
      if YAMLEditor.isContent(l) {
        let ind = YAMLEditor.indent(l)
        if ind < indent || (ind == indent && !YAMLEditor.isSequenceItem(l)) { break }
      }
      i += 1
    }
    return i
  }

  /// The last content line in `range`, if any.
  func lastContent(in range: Range<Int>) -> Int? { range.last { YAMLEditor.isContent(lines[$0]) } }

  func text() -> String { lines.joined(separator: "\n") + (trailingNewline ? "\n" : "") }
}
