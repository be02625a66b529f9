import Foundation

extension TOMLReader {
  /// Reads one value; inline tables come back as closed tables, all else as nodes.
  mutating func value(depth: Int) throws -> TOMLTable.Entry {
    guard depth < 256 else { throw fail("nesting too deep") }
    guard let c = peek else { throw fail("expected a value") }
    switch c {
    case UInt8(ascii: "\""):
      if peek(1) == c && peek(2) == c { return .value(.scalar(.string(try multiLineBasic()))) }
      return .value(.scalar(.string(try basicString())))
    case UInt8(ascii: "'"):
      if peek(1) == c && peek(2) == c { return .value(.scalar(.string(try multiLineLiteral()))) }
      return .value(.scalar(.string(try literalString())))
    case UInt8(ascii: "["): return .value(try array(depth: depth))
    case UInt8(ascii: "{"): return .table(try inlineTable(depth: depth))
    default: return .value(.scalar(try atom()))
    }
  }

  private static func node(_ entry: TOMLTable.Entry) -> ParamNode {
    switch entry {
    case .value(let v): return v
    case .table(let t): return t.node
    case .tableArray(let ts): return .sequence(ts.map(\.node))
    }
  }

  /// Blanks, newlines and comments, as allowed between array elements.
  private mutating func skipArraySpace() throws {
    while let c = peek {
      if c == 0x20 || c == 0x09 { pos += 1 } else if c == 0x0A || c == 0x0D { try newline() } else if c == UInt8(ascii: "#") {
        try comment()
      } else { return }
    }
  }

  private mutating func array(depth: Int) throws -> ParamNode {
    pos += 1
    var items: [ParamNode] = []
    while true {
      try skipArraySpace()
      guard let c = peek else { throw fail("unterminated array") }
      if c == UInt8(ascii: "]") { pos += 1; return .sequence(items) }
      items.append(TOMLReader.node(try value(depth: depth + 1)))
      try skipArraySpace()
      guard let d = peek else { throw fail("unterminated array") }
      if d == UInt8(ascii: ",") { pos += 1; continue }
      if d == UInt8(ascii: "]") { pos += 1; return .sequence(items) }
      throw fail("expected ',' or ']' in array")
    }
  }

  private mutating func inlineTable(depth: Int) throws -> TOMLTable {
    let table = TOMLTable(origin: .dotted)  // dotted keys inside may extend each other
    pos += 1
    skipBlank()
    if peek == UInt8(ascii: "}") { pos += 1; table.origin = .inline; return table }
    while true {
      skipBlank()
      if peek == 0x0A || peek == 0x0D { throw fail("inline table must be on one line") }
      let start = pos
      let path = try key()
      skipBlank()
      guard peek == UInt8(ascii: "=") else { throw fail("expected '=' in inline table") }
      pos += 1
      skipBlank()
      try assign(path, try value(depth: depth + 1), in: table, at: start)
      skipBlank()
      guard let c = peek else { throw fail("unterminated inline table") }
      if c == UInt8(ascii: ",") { pos += 1; continue }
      if c == UInt8(ascii: "}") { pos += 1; table.origin = .inline; return table }
      throw fail(peek == 0x0A || peek == 0x0D ? "inline table must be on one line" : "expected ',' or '}' in inline table")
    }
  }

  /// A bare value token: boolean, integer or float.
  private mutating func atom() throws -> ParamValue {
    let start = pos
    while let c = peek, !(c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == UInt8(ascii: ",")
      || c == UInt8(ascii: "]") || c == UInt8(ascii: "}") || c == UInt8(ascii: "#"))
    {
      pos += 1
    }
    let token = String(decoding: bytes[start..<pos], as: UTF8.self)
    if token == "true" { return .bool(true) }
    if token == "false" { return .bool(false) }
    if let v = TOMLReader.number(token) { return v }
    if token.range(of: #"^\d{4}-\d{2}-\d{2}|^\d{2}:\d{2}"#, options: .regularExpression) != nil {
      throw fail("dates and times are not supported ('\(token)')", at: start)
    }
    if token.isEmpty { throw fail("expected a value", at: start) }
    throw fail("invalid value '\(token)'", at: start)
  }

  static func number(_ token: String) -> ParamValue? {
    switch token {
    case "inf", "+inf": return .double(.infinity)
    case "-inf": return .double(-.infinity)
    case "nan", "+nan", "-nan": return .double(.nan)
    default: break
    }
    for (prefix, radix, digits) in [("0x", 16, "[0-9A-Fa-f]"), ("0o", 8, "[0-7]"), ("0b", 2, "[01]")] {
      if token.hasPrefix(prefix) {
        let body = String(token.dropFirst(2))
        guard body.range(of: "^\(digits)(_?\(digits))*$", options: .regularExpression) != nil
        else { return nil }
        return Int(body.replacingOccurrences(of: "_", with: ""), radix: radix).map(ParamValue.int)
      }
    }
    let int = #"[+-]?(0|[1-9](_?[0-9])*)"#
    if token.range(of: "^\(int)$", options: .regularExpression) != nil {
      return Int(token.replacingOccurrences(of: "_", with: "")).map(ParamValue.int)
    }
    let digits = #"[0-9](_?[0-9])*"#
    let float = "^\(int)((\\.\(digits))([eE][+-]?\(digits))?|[eE][+-]?\(digits))$"
    if token.range(of: float, options: .regularExpression) != nil {
      return Double(token.replacingOccurrences(of: "_", with: "")).map(ParamValue.double)
    }
    return nil
  }
}
