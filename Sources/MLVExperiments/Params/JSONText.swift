import Foundation

/// A strict RFC 8259 JSON reader and writer that keeps object key order and tells ints from
/// doubles (Foundation's JSONSerialization does neither), so params keep their file order
/// and an override rewrites a JSON file without reordering it.
enum JSONText {
  struct SyntaxError: Error {
    var line: Int
    var reason: String
  }

  /// Parses a whole document.
  static func parse(_ text: String) throws -> ParamNode {
    var p = Parser(bytes: Array(text.utf8))
    p.skipSpace()
    let node = try p.value(depth: 0)
    p.skipSpace()
    if p.pos < p.bytes.count { throw p.fail("unexpected content after the document") }
    return node
  }

  /// JSON string literal with the escapes RFC 8259 requires.
  static func quote(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
      default: out.unicodeScalars.append(u)
      }
    }
    return out + "\""
  }

  /// Writes a node with 2-space indentation, keys in their stored order, one trailing newline.
  static func write(_ node: ParamNode) -> String {
    var out = ""
    write(node, indent: "", into: &out)
    return out + "\n"
  }

  private static func write(_ node: ParamNode, indent: String, into out: inout String) {
    let inner = indent + "  "
    switch node {
    case .scalar(let v): out += scalar(v)
    case .sequence(let items):
      if items.isEmpty { out += "[]"; return }
      out += "[\n"
      for (i, item) in items.enumerated() {
        out += inner
        write(item, indent: inner, into: &out)
        out += i + 1 < items.count ? ",\n" : "\n"
      }
      out += indent + "]"
    case .mapping(let pairs):
      if pairs.isEmpty { out += "{}"; return }
      out += "{\n"
      for (i, (k, v)) in pairs.enumerated() {
        out += inner + quote(k) + ": "
        write(v, indent: inner, into: &out)
        out += i + 1 < pairs.count ? ",\n" : "\n"
      }
      out += indent + "}"
    }
  }

  private static func scalar(_ v: ParamValue) -> String {
    switch v {
    case .double(let d) where !d.isFinite: return "null"  // JSON has no nan/inf
    case .list(let items): return "[" + items.map(scalar).joined(separator: ", ") + "]"
    default: return v.quoted
    }
  }

  private struct Parser {
    let bytes: [UInt8]
    var pos = 0
    var line = 1

    func fail(_ reason: String) -> SyntaxError { SyntaxError(line: line, reason: reason) }

    mutating func skipSpace() {
      while pos < bytes.count {
        switch bytes[pos] {
        case 0x20, 0x09, 0x0D: pos += 1
        case 0x0A: pos += 1; line += 1
        default: return
        }
      }
    }

    mutating func expect(_ word: String) throws {
      let w = Array(word.utf8)
      guard pos + w.count <= bytes.count, Array(bytes[pos..<pos + w.count]) == w else {
        throw fail("invalid literal")
      }
      pos += w.count
    }

    mutating func value(depth: Int) throws -> ParamNode {
      guard depth < 512 else { throw fail("nesting too deep") }
      guard pos < bytes.count else { throw fail("unexpected end of input") }
      switch bytes[pos] {
      case UInt8(ascii: "{"): return try object(depth: depth)
      case UInt8(ascii: "["): return try array(depth: depth)
      case UInt8(ascii: "\""): return .scalar(.string(try string()))
      case UInt8(ascii: "t"): try expect("true"); return .scalar(.bool(true))
      case UInt8(ascii: "f"): try expect("false"); return .scalar(.bool(false))
      case UInt8(ascii: "n"): try expect("null"); return .scalar(.null)
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .scalar(try number())
      default: throw fail("unexpected character '\(Character(Unicode.Scalar(bytes[pos])))'")
      }
    }

    mutating func object(depth: Int) throws -> ParamNode {
      pos += 1
      var pairs: [(String, ParamNode)] = []
      skipSpace()
      if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") { pos += 1; return .mapping(pairs) }
      while true {
        skipSpace()
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw fail("expected a key") }
        let key = try string()
        if pairs.contains(where: { $0.0 == key }) { throw fail("duplicate key '\(key)'") }
        skipSpace()
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw fail("expected ':'") }
        pos += 1
        skipSpace()
        pairs.append((key, try value(depth: depth + 1)))
        skipSpace()
        guard pos < bytes.count else { throw fail("unterminated object") }
        if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
        if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .mapping(pairs) }
        throw fail("expected ',' or '}'")
      }
    }

    mutating func array(depth: Int) throws -> ParamNode {
      pos += 1
      var items: [ParamNode] = []
      skipSpace()
      if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") { pos += 1; return .sequence(items) }
      while true {
        skipSpace()
        items.append(try value(depth: depth + 1))
        skipSpace()
        guard pos < bytes.count else { throw fail("unterminated array") }
        if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
        if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .sequence(items) }
        throw fail("expected ',' or ']'")
      }
    }

    mutating func number() throws -> ParamValue {
      let start = pos
      var isDouble = false
      if bytes[pos] == UInt8(ascii: "-") { pos += 1 }
      func digits() -> Int {
        let s = pos
        while pos < bytes.count, (0x30...0x39).contains(bytes[pos]) { pos += 1 }
        return pos - s
      }
      let intStart = pos
      let n = digits()
      guard n > 0 else { throw fail("invalid number") }
      if n > 1 && bytes[intStart] == UInt8(ascii: "0") { throw fail("leading zero in number") }
      if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
        pos += 1; isDouble = true
        guard digits() > 0 else { throw fail("invalid number") }
      }
      if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
        pos += 1; isDouble = true
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        guard digits() > 0 else { throw fail("invalid number") }
      }
      let text = String(decoding: bytes[start..<pos], as: UTF8.self)
      if !isDouble, let i = Int(text) { return .int(i) }
      guard let d = Double(text) else { throw fail("invalid number '\(text)'") }
      return .double(d)
    }

    mutating func string() throws -> String {
      pos += 1
      var out: [UInt8] = []
      while pos < bytes.count {
        let b = bytes[pos]
        pos += 1
        switch b {
        case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
        case UInt8(ascii: "\\"):
          guard pos < bytes.count else { throw fail("unterminated string") }
          let e = bytes[pos]
          pos += 1
          switch e {
          case UInt8(ascii: "\""): out.append(0x22)
          case UInt8(ascii: "\\"): out.append(0x5C)
          case UInt8(ascii: "/"): out.append(0x2F)
          case UInt8(ascii: "b"): out.append(0x08)
          case UInt8(ascii: "f"): out.append(0x0C)
          case UInt8(ascii: "n"): out.append(0x0A)
          case UInt8(ascii: "r"): out.append(0x0D)
          case UInt8(ascii: "t"): out.append(0x09)
          case UInt8(ascii: "u"): out.append(contentsOf: try unicodeEscape())
          default: throw fail("invalid escape '\\\(Character(Unicode.Scalar(e)))'")
          }
        case 0x00..<0x20: throw fail("control character in string")
        default: out.append(b)
        }
      }
      throw fail("unterminated string")
    }

    mutating func hex4() throws -> UInt32 {
      guard pos + 4 <= bytes.count,
        let v = UInt32(String(decoding: bytes[pos..<pos + 4], as: UTF8.self), radix: 16)
      else { throw fail("invalid \\u escape") }
      pos += 4
      return v
    }

    mutating func unicodeEscape() throws -> [UInt8] {
      var v = try hex4()
      if (0xD800..<0xDC00).contains(v) {
        guard pos + 2 <= bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u")
        else { throw fail("unpaired surrogate") }
        pos += 2
        let low = try hex4()
        guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate") }
        v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
      }
      guard let scalar = Unicode.Scalar(v) else { throw fail("invalid \\u escape") }
      return Array(String(Character(scalar)).utf8)
    }
  }
}
