/// The TOML reader's state over the UTF-8 bytes; see `TOMLText`.
struct TOMLReader {
  let bytes: [UInt8]
  var pos = 0
  let root = TOMLTable(origin: .header)
  var current: TOMLTable
  var currentPath: [String] = []
  var assignments: [TOMLText.Assignment] = []
  var headers: [TOMLText.Header] = []

  init(bytes: [UInt8]) {
    self.bytes = bytes
    current = root
  }

  func fail(_ reason: String, at offset: Int? = nil) -> TOMLText.SyntaxError {
    let end = min(offset ?? pos, bytes.count)
    let line = 1 + bytes[0..<end].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    return TOMLText.SyntaxError(line: line, reason: reason)
  }

  var peek: UInt8? { pos < bytes.count ? bytes[pos] : nil }

  func peek(_ ahead: Int) -> UInt8? { pos + ahead < bytes.count ? bytes[pos + ahead] : nil }

  mutating func document() throws -> TOMLText.Document {
    while pos < bytes.count {
      skipBlank()
      guard let c = peek else { break }
      if c == 0x0A || c == 0x0D { try newline(); continue }
      if c == UInt8(ascii: "#") { try comment(); continue }
      if c == UInt8(ascii: "[") { try header() } else { try keyValue() }
      try endOfLine()
    }
    return TOMLText.Document(root: root.node, assignments: assignments, headers: headers)
  }

  // MARK: lines

  mutating func skipBlank() {
    while let c = peek, c == 0x20 || c == 0x09 { pos += 1 }
  }

  mutating func newline() throws {
    if peek == 0x0D {
      guard peek(1) == 0x0A else { throw fail("bare carriage return") }
      pos += 1
    }
    pos += 1
  }

  mutating func comment() throws {
    while let c = peek, c != 0x0A {
      if c == 0x0D && peek(1) == 0x0A { break }
      if (c < 0x20 && c != 0x09) || c == 0x7F { throw fail("control character in comment") }
      pos += 1
    }
  }

  /// After a header or key/value: only blanks, a comment and the end of the line may follow.
  mutating func endOfLine() throws {
    skipBlank()
    if peek == UInt8(ascii: "#") { try comment() }
    guard let c = peek else { return }
    guard c == 0x0A || c == 0x0D else { throw fail("expected the end of the line") }
    try newline()
  }

  // MARK: headers and keys

  mutating func header() throws {
    let start = pos
    let isArray = peek(1) == UInt8(ascii: "[")
    pos += isArray ? 2 : 1
    skipBlank()
    let path = try key()
    skipBlank()
    let close: [UInt8] = isArray ? [0x5D, 0x5D] : [0x5D]
    guard pos + close.count <= bytes.count, Array(bytes[pos..<pos + close.count]) == close else {
      throw fail("expected '\(isArray ? "]]" : "]")' to close the table header")
    }
    pos += close.count
    current = try openTable(path, isArray: isArray, at: start)
    currentPath = path
    var end = pos
    while end < bytes.count && bytes[end] != 0x0A { end += 1 }
    headers.append(TOMLText.Header(path: path, isArray: isArray, start: start, lineEnd: min(end + 1, bytes.count)))
  }

  mutating func openTable(_ path: [String], isArray: Bool, at offset: Int) throws -> TOMLTable {
    var table = root
    let name = path.joined(separator: ".")
    for key in path.dropLast() {
      switch table[key] {
      case nil:
        let t = TOMLTable(origin: .implicit)
        table[key] = .table(t)
        table = t
      case .table(let t):
        if t.origin == .inline { throw fail("cannot extend inline table '\(key)'", at: offset) }
        table = t
      case .tableArray(let ts):
        guard let last = ts.last else { throw fail("empty table array '\(key)'", at: offset) }
        table = last
      case .value:
        throw fail("'\(key)' is not a table", at: offset)
      }
    }
    guard let last = path.last else { throw fail("empty table name", at: offset) }
    if isArray {
      let t = TOMLTable(origin: .header)
      switch table[last] {
      case nil: table[last] = .tableArray([t])
      case .tableArray(let ts): table[last] = .tableArray(ts + [t])
      default: throw fail("'\(name)' is already defined and is not an array of tables", at: offset)
      }
      return t
    }
    switch table[last] {
    case nil:
      let t = TOMLTable(origin: .header)
      table[last] = .table(t)
      return t
    case .table(let t) where t.origin == .implicit:
      t.origin = .header
      return t
    default:
      throw fail("table '\(name)' is defined more than once", at: offset)
    }
  }

  mutating func keyValue() throws {
    let start = pos
    let path = try key()
    skipBlank()
    guard peek == UInt8(ascii: "=") else { throw fail("expected '=' after key") }
    pos += 1
    skipBlank()
    let valueStart = pos
    let value = try self.value(depth: 0)
    try assign(path, value, in: current, at: start)
    assignments.append(TOMLText.Assignment(path: currentPath + path, valueRange: valueStart..<pos))
  }

  /// Puts `value` at the dotted `path` inside `table`, creating dotted tables on the way.
  func assign(_ path: [String], _ value: TOMLTable.Entry, in table: TOMLTable, at offset: Int) throws {
    var t = table
    for key in path.dropLast() {
      switch t[key] {
      case nil:
        let n = TOMLTable(origin: .dotted)
        t[key] = .table(n)
        t = n
      case .table(let n) where n.origin == .dotted:
        t = n
      default:
        throw fail("cannot add to '\(key)' with a dotted key: it is already defined", at: offset)
      }
    }
    guard let last = path.last else { throw fail("empty key", at: offset) }
    if t[last] != nil { throw fail("key '\(path.joined(separator: "."))' is defined more than once", at: offset) }
    t[last] = value
  }

  /// A dotted key: bare or quoted parts separated by `.` with optional blanks around it.
  mutating func key() throws -> [String] {
    var parts: [String] = []
    while true {
      skipBlank()
      guard let c = peek else { throw fail("expected a key") }
      if c == UInt8(ascii: "\"") {
        if peek(1) == c && peek(2) == c { throw fail("multi-line strings cannot be keys") }
        parts.append(try basicString())
      } else if c == UInt8(ascii: "'") {
        if peek(1) == c && peek(2) == c { throw fail("multi-line strings cannot be keys") }
        parts.append(try literalString())
      } else {
        let s = pos
        while let b = peek, TOMLReader.isBare(b) { pos += 1 }
        guard pos > s else { throw fail("invalid key character") }
        parts.append(String(decoding: bytes[s..<pos], as: UTF8.self))
      }
      skipBlank()
      guard peek == UInt8(ascii: ".") else { return parts }
      pos += 1
    }
  }

  static func isBare(_ b: UInt8) -> Bool {
    (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || (0x30...0x39).contains(b)
      || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
  }
}
