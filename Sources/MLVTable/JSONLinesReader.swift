import Foundation

/// Reader for JSON Lines: one flat object per line. Nested objects are flattened with
/// dotted keys (`{"a":{"b":1}}` → column `a.b`); arrays are kept as their JSON text;
/// `null` and missing keys are both null. Columns are discovered in first-seen order.
final class JSONLinesReader: RecordReader {
  private let window: ByteWindow
  private(set) var columns: [String] = []
  private var columnIndex: [String: Int] = [:]
  /// Unescaped values of the current record, concatenated; ranges per column index.
  private let values = GrowableBytes()
  private var starts: [Int] = []
  private var ends: [Int] = []
  private var line = 1
  private(set) var recordLine = 1
  private(set) var recordOffset: Int64 = 0

  var path: String { window.path }
  var fieldCount: Int { starts.count }

  init(path: String) throws {
    window = try ByteWindow(path: path)
  }

  func next() throws -> Bool {
    let w = window
    while true {
      if w.pos >= w.len {
        if w.eof { return false }
        try w.refill()
        continue
      }
      guard let nlAt = findNewline() else {
        if !w.eof {
          try w.refill()
          continue
        }
        try parseLine(from: w.pos, to: w.len)
        recordOffset = w.base + Int64(w.pos)
        recordLine = line
        w.pos = w.len
        if isBlank { continue }
        return true
      }
      recordOffset = w.base + Int64(w.pos)
      recordLine = line
      try parseLine(from: w.pos, to: nlAt)
      w.pos = nlAt + 1
      line += 1
      if isBlank { continue }
      return true
    }
  }

  private var isBlank = false

  private func findNewline() -> Int? {
    let w = window
    guard w.pos < w.len,
      let p = memchr(w.buf + w.pos, Int32(UInt8(ascii: "\n")), w.len - w.pos)
    else { return nil }
    return w.buf.distance(to: p.assumingMemoryBound(to: UInt8.self))
  }

  func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
    guard i < starts.count else { return UnsafeBufferPointer(start: nil, count: 0) }
    return UnsafeBufferPointer(start: values.base + starts[i], count: ends[i] - starts[i])
  }

  func record(at offset: Int64) throws -> [String?] {
    try window.seek(to: offset)
    line = 0
    guard try next() else { return [] }
    return currentValues()
  }

  private func parseLine(from s: Int, to e: Int) throws {
    values.count = 0
    starts.removeAll(keepingCapacity: true)
    ends.removeAll(keepingCapacity: true)
    let bytes = UnsafeBufferPointer(start: window.buf + s, count: e - s)
    var parser = JSONScanner(bytes: bytes)
    parser.skipSpace()
    isBlank = parser.atEnd
    if isBlank { return }
    do {
      try parser.flattenObject(prefix: "") { key, value in
        let idx: Int
        if let known = columnIndex[key] {
          idx = known
        } else {
          idx = columns.count
          columns.append(key)
          columnIndex[key] = idx
        }
        while starts.count <= idx {
          starts.append(0)
          ends.append(0)
        }
        starts[idx] = values.count
        values.append(value)
        ends[idx] = values.count
      }
      parser.skipSpace()
      if !parser.atEnd { throw JSONScanner.Failure(reason: "trailing characters after object") }
    } catch let f as JSONScanner.Failure {
      throw TableError.malformed(path: path, line: line, reason: f.reason)
    }
  }
}

/// Minimal JSON scanner over bytes, enough to flatten one object per line without
/// Foundation's JSONSerialization (which loses the distinction between numbers and
/// booleans on some platforms and the original number text).
struct JSONScanner {
  struct Failure: Error { let reason: String }
  let bytes: UnsafeBufferPointer<UInt8>
  var i = 0

  init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

  var atEnd: Bool { i >= bytes.count }

  mutating func skipSpace() {
    while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0d || bytes[i] == 0x0a {
      i += 1
    }
  }

  private mutating func expect(_ c: UInt8) throws {
    skipSpace()
    guard i < bytes.count, bytes[i] == c else {
      throw Failure(reason: "expected '\(Character(UnicodeScalar(c)))' at column \(i + 1)")
    }
    i += 1
  }

  /// Calls `emit` for every leaf of the object at the cursor; null leaves are skipped.
  mutating func flattenObject(prefix: String, _ emit: (String, [UInt8]) throws -> Void) throws {
    try expect(UInt8(ascii: "{"))
    skipSpace()
    if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
      i += 1
      return
    }
    while true {
      skipSpace()
      let key = String(decoding: try string(), as: UTF8.self)
      try expect(UInt8(ascii: ":"))
      skipSpace()
      guard i < bytes.count else { throw Failure(reason: "unexpected end of line") }
      let name = prefix.isEmpty ? key : prefix + "." + key
      if bytes[i] == UInt8(ascii: "{") {
        try flattenObject(prefix: name, emit)
      } else if bytes[i] == UInt8(ascii: "\"") {
        try emit(name, try string())
      } else {
        let start = i
        try skipValue()
        let raw = Array(bytes[start..<i])
        if raw != Array("null".utf8) { try emit(name, raw) }
      }
      skipSpace()
      guard i < bytes.count else { throw Failure(reason: "unterminated object") }
      if bytes[i] == UInt8(ascii: ",") {
        i += 1
        continue
      }
      if bytes[i] == UInt8(ascii: "}") {
        i += 1
        return
      }
      throw Failure(reason: "expected ',' or '}' at column \(i + 1)")
    }
  }

  /// Skips a number, literal, array or object (arrays are kept as raw JSON text).
  mutating func skipValue() throws {
    skipSpace()
    guard i < bytes.count else { throw Failure(reason: "unexpected end of line") }
    let c = bytes[i]
    if c == UInt8(ascii: "\"") {
      _ = try string()
    } else if c == UInt8(ascii: "[") || c == UInt8(ascii: "{") {
      let close = c == UInt8(ascii: "[") ? UInt8(ascii: "]") : UInt8(ascii: "}")
      i += 1
      skipSpace()
      if i < bytes.count, bytes[i] == close {
        i += 1
        return
      }
      while true {
        if c == UInt8(ascii: "{") {
          skipSpace()
          _ = try string()
          try expect(UInt8(ascii: ":"))
        }
        try skipValue()
        skipSpace()
        guard i < bytes.count else { throw Failure(reason: "unterminated container") }
        if bytes[i] == UInt8(ascii: ",") {
          i += 1
          continue
        }
        if bytes[i] == close {
          i += 1
          return
        }
        throw Failure(reason: "unexpected character at column \(i + 1)")
      }
    } else {
      let start = i
      while i < bytes.count {
        let d = bytes[i]
        let isWord =
          (d >= UInt8(ascii: "0") && d <= UInt8(ascii: "9")) || (d >= UInt8(ascii: "a") && d <= UInt8(ascii: "z"))
          || d == UInt8(ascii: "-") || d == UInt8(ascii: "+") || d == UInt8(ascii: ".") || d == UInt8(ascii: "E")
        if !isWord { break }
        i += 1
      }
      if i == start { throw Failure(reason: "unexpected character at column \(i + 1)") }
    }
  }

  /// Parses a string at the cursor and returns its unescaped UTF-8 bytes.
  mutating func string() throws -> [UInt8] {
    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
      throw Failure(reason: "expected string at column \(i + 1)")
    }
    i += 1
    var out: [UInt8] = []
    while i < bytes.count {
      let c = bytes[i]
      if c == UInt8(ascii: "\"") {
        i += 1
        return out
      }
      if c != UInt8(ascii: "\\") {
        out.append(c)
        i += 1
        continue
      }
      guard i + 1 < bytes.count else { break }
      let e = bytes[i + 1]
      i += 2
      switch e {
      case UInt8(ascii: "n"): out.append(0x0a)
      case UInt8(ascii: "t"): out.append(0x09)
      case UInt8(ascii: "r"): out.append(0x0d)
      case UInt8(ascii: "b"): out.append(0x08)
      case UInt8(ascii: "f"): out.append(0x0c)
      case UInt8(ascii: "u"):
        var scalar = try hex4()
        if scalar >= 0xD800 && scalar < 0xDC00, i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"),
          bytes[i + 1] == UInt8(ascii: "u")
        {
          i += 2
          let low = try hex4()
          scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low &- 0xDC00)
        }
        let u = UnicodeScalar(scalar) ?? "\u{FFFD}"
        out.append(contentsOf: Array(String(Character(u)).utf8))
      default: out.append(e)
      }
    }
    throw Failure(reason: "unterminated string")
  }

  private mutating func hex4() throws -> UInt32 {
    guard i + 4 <= bytes.count else { throw Failure(reason: "bad \\u escape") }
    var v: UInt32 = 0
    for _ in 0..<4 {
      guard let d = hexDigit(bytes[i]) else { throw Failure(reason: "bad \\u escape") }
      v = v * 16 + d
      i += 1
    }
    return v
  }

  private func hexDigit(_ c: UInt8) -> UInt32? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(c - UInt8(ascii: "a") + 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(c - UInt8(ascii: "A") + 10)
    default: return nil
    }
  }
}

/// Byte buffer with a stable base pointer between appends (fields point into it).
final class GrowableBytes {
  private(set) var base: UnsafeMutablePointer<UInt8> = .allocate(capacity: 4096)

  deinit { base.deallocate() }

  private var capacity = 4096
  var count = 0

  func append(_ bytes: [UInt8]) {
    if count + bytes.count > capacity {
      let newCap = max(capacity * 2, count + bytes.count)
      let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCap)
      bigger.update(from: base, count: count)
      base.deallocate()
      base = bigger
      capacity = newCap
    }
    bytes.withUnsafeBufferPointer { src in
      if let s = src.baseAddress { (base + count).update(from: s, count: src.count) }
    }
    count += bytes.count
  }
}
