/// What XMLReader reports, in document order.
protocol XMLEvents {
  mutating func start(_ name: String)
  /// Character data of the current element, references resolved, line ends normalized to
  /// "\n"; one element's text may come in several pieces (around comments, CDATA...).
  mutating func text(_ bytes: [UInt8])
  mutating func end(_ name: String)
}

/// A small, strict XML 1.0 reader for the bodies S3 servers answer with, which are
/// untrusted: it checks well-formedness (one root, matching tags, quoted attributes, valid
/// references and characters, UTF-8) and refuses any document type declaration, so no
/// entity is ever defined or expanded. It reads the prolog, comments, processing
/// instructions, CDATA sections, attributes (skipped: S3 puts only xmlns there) and
/// self-closing tags. Element names are reported as written, prefix included.
///
/// No recursion, and every index is checked: any input, truncated or garbage, ends in
/// `false`, never a trap. Nesting deeper than `maxDepth` is refused (as libxml2 does by
/// default), which also bounds the work of a reader that joins paths of names.
struct XMLReader {
  static let maxDepth = 256

  private let bytes: [UInt8]
  private var position = 0

  init(_ bytes: [UInt8]) {
    self.bytes = bytes
  }

  /// Reads the whole document into `events`; false when it is not well-formed.
  mutating func read<Events: XMLEvents>(into events: inout Events) -> Bool {
    // Valid UTF-8 throughout, so that every slice between ASCII delimiters decodes exactly.
    guard isValidUTF8(bytes) else { return false }
    if has([0xEF, 0xBB, 0xBF]) { position += 3 }  // byte order mark
    if has("<?xml"), position + 5 < bytes.count, isSpace(bytes[position + 5]) || bytes[position + 5] == q("?") {
      guard readDeclaration() else { return false }
    }
    var open: [[UInt8]] = []
    var sawRoot = false
    while position < bytes.count {
      let byte = bytes[position]
      if byte != q("<") {
        guard let text = readText() else { return false }
        if open.isEmpty {
          // Outside the root only white space may appear.
          guard text.allSatisfy(isSpace) else { return false }
        } else {
          events.text(text)
        }
        continue
      }
      if has("</") {
        position += 2
        guard let name = readName(), let last = open.last, name == last else { return false }
        skipSpace()
        guard expect(">") else { return false }
        open.removeLast()
        events.end(String(decoding: name, as: UTF8.self))
      } else if has("<!--") {
        guard skipComment() else { return false }
      } else if has("<![CDATA[") {
        guard !open.isEmpty, let text = readCDATA() else { return false }
        events.text(text)
      } else if has("<!") {
        return false  // <!DOCTYPE, <!ENTITY...: declarations are refused, never interpreted
      } else if has("<?") {
        guard skipProcessingInstruction() else { return false }
      } else {
        position += 1
        guard open.count < Self.maxDepth, !(open.isEmpty && sawRoot), let name = readName(),
          let selfClosing = readAttributes()
        else { return false }
        sawRoot = true
        let text = String(decoding: name, as: UTF8.self)
        events.start(text)
        if selfClosing { events.end(text) } else { open.append(name) }
      }
    }
    return sawRoot && open.isEmpty
  }

  // MARK: Markup

  /// `<?xml version="1.0" encoding="UTF-8"?>`: only UTF-8 (or its ASCII subset) is read.
  private mutating func readDeclaration() -> Bool {
    guard let end = find("?>", from: position + 5) else { return false }
    let inside = String(decoding: bytes[(position + 5)..<end], as: UTF8.self).lowercased()
    position = end + 2
    guard inside.contains("version") else { return false }
    if let range = inside.range(of: "encoding") {
      let rest = inside[range.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\t" || $0 == "\"" || $0 == "'" }
      let name = rest.prefix { $0 != "\"" && $0 != "'" }
      guard ["utf-8", "utf8", "us-ascii", "ascii"].contains(String(name)) else { return false }
    }
    return true
  }

  private mutating func skipComment() -> Bool {
    guard let end = find("--", from: position + 4), end + 2 < bytes.count, bytes[end + 2] == q(">") else {
      return false  // unterminated, or "--" inside a comment (not allowed)
    }
    position = end + 3
    return true
  }

  private mutating func skipProcessingInstruction() -> Bool {
    position += 2
    guard let target = readName(), String(decoding: target, as: UTF8.self).lowercased() != "xml",
      let end = find("?>", from: position)
    else { return false }  // a second (or late) XML declaration is not well-formed
    position = end + 2
    return true
  }

  private mutating func readCDATA() -> [UInt8]? {
    let start = position + 9
    guard let end = find("]]>", from: start) else { return nil }
    position = end + 3
    var out: [UInt8] = []
    out.reserveCapacity(end - start)
    var i = start
    while i < end {
      let byte = bytes[i]
      guard isCharacter(byte) else { return nil }
      if byte == q("\r") {
        out.append(q("\n"))
        if i + 1 < end && bytes[i + 1] == q("\n") { i += 1 }
      } else {
        out.append(byte)
      }
      i += 1
    }
    return out
  }

  /// Attributes up to the tag's end, checked and dropped; whether the tag closed itself.
  private mutating func readAttributes() -> Bool? {
    var names: Set<[UInt8]> = []
    while true {
      let hadSpace = skipSpace()
      if has("/>") {
        position += 2
        return true
      }
      if has(">") {
        position += 1
        return false
      }
      guard hadSpace, let name = readName(), names.insert(name).inserted else { return nil }
      skipSpace()
      guard expect("=") else { return nil }
      skipSpace()
      guard position < bytes.count, bytes[position] == q("\"") || bytes[position] == q("'") else { return nil }
      let quote = bytes[position]
      position += 1
      while position < bytes.count && bytes[position] != quote {
        let byte = bytes[position]
        guard byte != q("<"), isCharacter(byte) else { return nil }
        if byte == q("&") {
          var discarded: [UInt8] = []
          guard readReference(into: &discarded) else { return nil }
        } else {
          position += 1
        }
      }
      guard position < bytes.count else { return nil }
      position += 1  // the closing quote
    }
  }

  // MARK: Text

  /// Character data up to the next `<` (or the end), decoded.
  private mutating func readText() -> [UInt8]? {
    var out: [UInt8] = []
    while position < bytes.count {
      let byte = bytes[position]
      if byte == q("<") { break }
      guard isCharacter(byte), byte != q("]") || !has("]]>") else { return nil }
      switch byte {
      case q("&"):
        guard readReference(into: &out) else { return nil }
      case q("\r"):
        out.append(q("\n"))
        position += 1
        if position < bytes.count && bytes[position] == q("\n") { position += 1 }
      default:
        out.append(byte)
        position += 1
      }
    }
    return out
  }

  /// `&amp;` `&lt;` `&gt;` `&apos;` `&quot;` `&#123;` `&#x7B;`, appended to `out` decoded.
  /// Any other name is an undeclared entity (there are no declarations): not well-formed.
  private mutating func readReference(into out: inout [UInt8]) -> Bool {
    // The longest valid reference, `&#x10FFFF;` with leading zeros aside, is short: look no further.
    guard let semicolon = find(";", from: position + 1, within: 16) else { return false }
    let body = bytes[(position + 1)..<semicolon]
    position = semicolon + 1
    switch String(decoding: body, as: UTF8.self) {
    case "amp": out.append(q("&"))
    case "lt": out.append(q("<"))
    case "gt": out.append(q(">"))
    case "apos": out.append(q("'"))
    case "quot": out.append(q("\""))
    default:
      guard body.first == q("#"), let scalar = Self.characterReference(body.dropFirst()) else { return false }
      out.append(contentsOf: String(Character(scalar)).utf8)
    }
    return true
  }

  /// The character a `#123` / `#x7B` reference names, when it is one XML allows.
  static func characterReference(_ digits: ArraySlice<UInt8>) -> UnicodeScalar? {
    var digits = digits
    var radix: UInt32 = 10
    if digits.first == q("x") {
      radix = 16
      digits = digits.dropFirst()
    }
    guard !digits.isEmpty else { return nil }
    var value: UInt32 = 0
    for byte in digits {
      let digit: UInt32
      switch byte {
      case q("0")...q("9"): digit = UInt32(byte - q("0"))
      case q("a")...q("f") where radix == 16: digit = UInt32(byte - q("a") + 10)
      case q("A")...q("F") where radix == 16: digit = UInt32(byte - q("A") + 10)
      default: return nil
      }
      value = value * radix + digit
      guard value <= 0x10FFFF else { return nil }  // so the next step cannot overflow
    }
    // XML 1.0's Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
    switch value {
    case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return UnicodeScalar(value)
    default: return nil
    }
  }

  // MARK: Lexing

  /// A name: letters, digits and `_ : - .` (and any non-ASCII), not starting with a digit, `-` or `.`.
  private mutating func readName() -> [UInt8]? {
    let start = position
    while position < bytes.count, Self.isNameByte(bytes[position]) { position += 1 }
    guard position > start else { return nil }
    let first = bytes[start]
    guard !(q("0")...q("9")).contains(first), first != q("-"), first != q(".") else { return nil }
    return Array(bytes[start..<position])
  }

  static func isNameByte(_ byte: UInt8) -> Bool {
    switch byte {
    case q("a")...q("z"), q("A")...q("Z"), q("0")...q("9"), q("_"), q(":"), q("-"), q("."), 0x80...0xFF: return true
    default: return false
    }
  }

  /// Skips white space; whether there was any.
  @discardableResult
  private mutating func skipSpace() -> Bool {
    let start = position
    while position < bytes.count, isSpace(bytes[position]) { position += 1 }
    return position > start
  }

  private mutating func expect(_ text: String) -> Bool {
    guard has(text) else { return false }
    position += text.utf8.count
    return true
  }

  private func has(_ text: String) -> Bool {
    var i = position
    for byte in text.utf8 {
      guard i < bytes.count, bytes[i] == byte else { return false }
      i += 1
    }
    return true
  }

  private func has(_ prefix: [UInt8]) -> Bool {
    guard bytes.count - position >= prefix.count else { return false }
    return bytes[position..<(position + prefix.count)].elementsEqual(prefix)
  }

  /// The index of the next `text` at or after `from`, starting no more than `within` bytes on.
  private func find(_ text: String, from: Int, within: Int = .max) -> Int? {
    guard from >= 0 else { return nil }
    let count = text.utf8.count
    var i = from
    while i <= bytes.count - count && i - from <= within {
      var j = 0
      for byte in text.utf8 {
        guard bytes[i + j] == byte else { break }
        j += 1
      }
      if j == count { return i }
      i += 1
    }
    return nil
  }
}

private func q(_ character: Unicode.Scalar) -> UInt8 { UInt8(truncatingIfNeeded: character.value) }

private func isSpace(_ byte: UInt8) -> Bool {
  byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
}

/// Control characters other than tab and line ends are not XML characters (bytes of
/// multi-byte UTF-8 sequences all are >= 0x80 and pass).
private func isCharacter(_ byte: UInt8) -> Bool {
  byte >= 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
}

/// Whether `bytes` are valid UTF-8 (decoding with repair would change them otherwise).
private func isValidUTF8(_ bytes: [UInt8]) -> Bool {
  String(decoding: bytes, as: UTF8.self).utf8.elementsEqual(bytes)
}
