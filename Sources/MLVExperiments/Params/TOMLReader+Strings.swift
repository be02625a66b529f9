extension TOMLReader {
  mutating func basicString() throws -> String {
    pos += 1
    var out: [UInt8] = []
    while let c = peek {
      pos += 1
      if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
      if c == UInt8(ascii: "\\") { out += try escape(); continue }
      if c == 0x0A || c == 0x0D { throw fail("unterminated string", at: pos - 1) }
      if (c < 0x20 && c != 0x09) || c == 0x7F { throw fail("control character in string") }
      out.append(c)
    }
    throw fail("unterminated string")
  }

  mutating func literalString() throws -> String {
    pos += 1
    let start = pos
    while let c = peek {
      if c == UInt8(ascii: "'") {
        pos += 1
        return String(decoding: bytes[start..<pos - 1], as: UTF8.self)
      }
      if c == 0x0A || c == 0x0D { throw fail("unterminated string") }
      if (c < 0x20 && c != 0x09) || c == 0x7F { throw fail("control character in string") }
      pos += 1
    }
    throw fail("unterminated string")
  }

  /// `"""..."""`: a newline right after the opening quotes is dropped, and a backslash at
  /// the end of a line swallows the newline and the blanks that follow.
  mutating func multiLineBasic() throws -> String {
    pos += 3
    try skipFirstNewline()
    var out: [UInt8] = []
    while let c = peek {
      if c == UInt8(ascii: "\"") && peek(1) == c && peek(2) == c {
        // up to two more quotes may belong to the content: """"" ends with "" inside
        var extra = 0
        while extra < 2 && peek(3 + extra) == c { extra += 1 }
        out += Array(repeating: c, count: extra)
        pos += 3 + extra
        return String(decoding: out, as: UTF8.self)
      }
      pos += 1
      if c == UInt8(ascii: "\\") {
        var p = pos
        while p < bytes.count && (bytes[p] == 0x20 || bytes[p] == 0x09) { p += 1 }
        if p < bytes.count && (bytes[p] == 0x0A || bytes[p] == 0x0D) {
          pos = p
          while let w = peek, w == 0x20 || w == 0x09 || w == 0x0A || w == 0x0D { pos += 1 }
          continue
        }
        out += try escape()
        continue
      }
      if c == 0x0D && peek != 0x0A { throw fail("bare carriage return") }
      if (c < 0x20 && c != 0x09 && c != 0x0A && c != 0x0D) || c == 0x7F {
        throw fail("control character in string")
      }
      out.append(c)
    }
    throw fail("unterminated multi-line string")
  }

  mutating func multiLineLiteral() throws -> String {
    pos += 3
    try skipFirstNewline()
    let start = pos
    while let c = peek {
      if c == UInt8(ascii: "'") && peek(1) == c && peek(2) == c {
        var extra = 0
        while extra < 2 && peek(3 + extra) == c { extra += 1 }
        let s = String(decoding: bytes[start..<pos + extra], as: UTF8.self)
        pos += 3 + extra
        return s
      }
      if (c < 0x20 && c != 0x09 && c != 0x0A && c != 0x0D) || c == 0x7F {
        throw fail("control character in string")
      }
      pos += 1
    }
    throw fail("unterminated multi-line string")
  }

  private mutating func skipFirstNewline() throws {
    if peek == 0x0A { pos += 1 } else if peek == 0x0D && peek(1) == 0x0A { pos += 2 }
  }

  /// One escape after a backslash (already consumed).
  private mutating func escape() throws -> [UInt8] {
    guard let e = peek else { throw fail("unterminated string") }
    pos += 1
    switch e {
    case UInt8(ascii: "b"): return [0x08]
    case UInt8(ascii: "t"): return [0x09]
    case UInt8(ascii: "n"): return [0x0A]
    case UInt8(ascii: "f"): return [0x0C]
    case UInt8(ascii: "r"): return [0x0D]
    case UInt8(ascii: "e"): return [0x1B]
    case UInt8(ascii: "\""): return [0x22]
    case UInt8(ascii: "\\"): return [0x5C]
    case UInt8(ascii: "u"), UInt8(ascii: "U"):
      let n = e == UInt8(ascii: "u") ? 4 : 8
      guard pos + n <= bytes.count,
        let v = UInt32(String(decoding: bytes[pos..<pos + n], as: UTF8.self), radix: 16),
        let scalar = Unicode.Scalar(v)
      else { throw fail("invalid unicode escape") }
      pos += n
      return Array(String(Character(scalar)).utf8)
    default:
      throw fail("invalid escape '\\\(Character(Unicode.Scalar(e)))'")
    }
  }
}
