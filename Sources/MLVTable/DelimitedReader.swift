import Foundation

private let quote = UInt8(ascii: "\"")
private let lf = UInt8(ascii: "\n")
private let cr = UInt8(ascii: "\r")

/// Reader for CSV/TSV with any single-byte delimiter, reading records as Python's csv
/// module (excel dialect, not strict) and pandas do: quoted fields may hold delimiters,
/// newlines and doubled quotes; quotes inside unquoted fields and text after a closing
/// quote are kept literally; LF, CRLF and lone CR end records; a UTF-8 byte order mark
/// is dropped (ByteWindow). Strict where a silently misaligned row would make every later
/// statistic wrong: ragged rows and unterminated quotes are errors. Blank lines are
/// skipped (as pandas does).
final class DelimitedReader: RecordReader {
  private let window: ByteWindow
  let delimiter: UInt8
  private(set) var columns: [String] = []
  /// Field ranges of the current record in raw pointers: this is the hot loop, and
  /// class-owned arrays would pay exclusivity and uniqueness checks on every append.
  private var ranges = FieldRanges()
  private var escaped: [Int] = []
  private var line = 1
  private(set) var recordLine = 1
  private(set) var recordOffset: Int64 = 0

  var path: String { window.path }
  var fieldCount: Int { ranges.count }

  init(path: String, delimiter: UInt8) throws {
    window = try ByteWindow(path: path)
    self.delimiter = delimiter
    if try nextRaw() {
      columns = (0..<fieldCount).map { string($0) }
    }
  }

  deinit { ranges.free() }

  func next() throws -> Bool {
    guard try nextRaw() else { return false }
    if ranges.count != columns.count {
      throw TableError.malformed(
        path: path, line: recordLine,
        reason: "expected \(columns.count) fields, found \(ranges.count)")
    }
    return true
  }

  @inline(__always)
  func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
    return UnsafeBufferPointer(start: window.buf + ranges.starts[i], count: ranges.ends[i] - ranges.starts[i])
  }

  func record(at offset: Int64) throws -> [String?] {
    try window.seek(to: offset)
    // Line numbers are unknown after a seek; errors here cannot happen for records that
    // already parsed once, so the value only needs to be harmless.
    line = 0
    guard try nextRaw() else { return [] }
    return currentValues()
  }

  private enum Scan {
    case done(end: Int, newlines: Int)
    case needMore
  }

  /// Reads the next non-blank record without checking its width.
  private func nextRaw() throws -> Bool {
    while true {
      let w = window
      if w.pos >= w.len {
        if w.eof { return false }
        try w.refill()
        continue
      }
      switch try scan() {
      case .needMore:
        try w.refill()
      case .done(let end, let newlines):
        recordLine = line
        recordOffset = w.base + Int64(w.pos)
        line += newlines
        w.pos = end
        if ranges.count == 1 && ranges.starts[0] == ranges.ends[0] { continue }
        unescape()
        return true
      }
    }
  }

  /// Rewrites quoted fields in place, once the whole record is known (a record
  /// re-scanned after a refill always sees the original bytes). The range of such a
  /// field starts at its opening quote; as in Python's csv module, `""` inside the quotes
  /// is one quote, and anything after the closing quote up to the delimiter is kept
  /// literally (`"ab"c` reads `abc`).
  private func unescape() {
    let buf = window.buf
    for i in escaped {
      var r = ranges.starts[i] + 1
      var w = ranges.starts[i]
      let end = ranges.ends[i]
      var quoted = true
      while r < end {
        let c = buf[r]
        if quoted && c == quote {
          if r + 1 < end && buf[r + 1] == quote {
            buf[w] = quote
            w += 1
            r += 2
          } else {
            quoted = false
            r += 1
          }
          continue
        }
        buf[w] = c
        w += 1
        r += 1
      }
      ranges.setEnd(i, w)
    }
  }

  private func malformed(_ reason: String) -> TableError {
    return TableError.malformed(path: path, line: line, reason: reason)
  }

  /// Where a field that ended at `i` leaves the record: nil to read the next field
  /// (after a delimiter), or the record's end. `i` is at a delimiter, LF, CR or the end.
  @inline(__always)
  private func terminate(_ i: inout Int, _ nl: Int, len: Int, eof: Bool) -> Scan? {
    let buf = window.buf
    if i >= len { return .done(end: i, newlines: nl) }
    let c = buf[i]
    if c == delimiter {
      i += 1
      return nil
    }
    if c == lf { return .done(end: i + 1, newlines: nl + 1) }
    // CR: a CRLF pair or a lone CR (old Mac line ends) both end the record.
    if i + 1 >= len {
      if !eof { return .needMore }
      return .done(end: i + 1, newlines: nl + 1)
    }
    return .done(end: buf[i + 1] == lf ? i + 2 : i + 1, newlines: nl + 1)
  }

  private func scan() throws -> Scan {
    var out = ranges
    out.count = 0
    escaped.removeAll(keepingCapacity: true)
    defer { ranges = out }
    let buf = window.buf
    let len = window.len
    let eof = window.eof
    let delim = delimiter
    var i = window.pos
    var nl = 0
    while true {
      let fieldStart = i
      if i >= len {
        if !eof { return .needMore }
        out.append(i, i)
        return .done(end: i, newlines: nl)
      }
      if buf[i] == quote {
        i += 1
        var esc = false
        while true {
          if i >= len {
            // pandas refuses this too; Python's csv would swallow the rest of the file.
            if eof { throw malformed("unterminated quoted field") }
            return .needMore
          }
          let c = buf[i]
          if c == quote {
            if i + 1 >= len && !eof { return .needMore }
            if i + 1 < len && buf[i + 1] == quote {
              esc = true
              i += 2
              continue
            }
            break
          }
          if c == lf || (c == cr && !(i + 1 < len && buf[i + 1] == lf)) { nl += 1 }
          i += 1
        }
        // `i` is at the closing quote.
        var j = i + 1
        if j < len && buf[j] != delim && buf[j] != lf && buf[j] != cr {
          // Text after the closing quote: kept, as Python's csv does when not strict.
          while j < len && buf[j] != delim && buf[j] != lf && buf[j] != cr { j += 1 }
          if j >= len && !eof { return .needMore }
          out.append(fieldStart, j)
          escaped.append(out.count - 1)
        } else if esc {
          out.append(fieldStart, i)
          escaped.append(out.count - 1)
        } else {
          out.append(fieldStart + 1, i)
        }
        i = j
        if let s = terminate(&i, nl, len: len, eof: eof) { return s }
        continue
      }
      // An unquoted field; quotes inside it are ordinary characters (Python, pandas).
      while i < len {
        let c = buf[i]
        if c == delim || c == lf || c == cr { break }
        i += 1
      }
      if i >= len && !eof { return .needMore }
      out.append(fieldStart, i)
      if let s = terminate(&i, nl, len: len, eof: eof) { return s }
    }
  }
}

/// Growable start/end offsets of a record's fields; the owner calls `free()`.
struct FieldRanges {
  private(set) var starts = UnsafeMutablePointer<Int>.allocate(capacity: 64)
  private(set) var ends = UnsafeMutablePointer<Int>.allocate(capacity: 64)
  private var capacity = 64
  var count = 0

  @inline(__always)
  mutating func append(_ s: Int, _ e: Int) {
    if count == capacity { grow() }
    starts[count] = s
    ends[count] = e
    count += 1
  }

  func free() {
    starts.deallocate()
    ends.deallocate()
  }

  /// Only after `unescape` shortens a field.
  func setEnd(_ i: Int, _ e: Int) { ends[i] = e }

  private mutating func grow() {
    let ns = UnsafeMutablePointer<Int>.allocate(capacity: capacity * 2)
    let ne = UnsafeMutablePointer<Int>.allocate(capacity: capacity * 2)
    ns.update(from: starts, count: count)
    ne.update(from: ends, count: count)
    starts.deallocate()
    ends.deallocate()
    starts = ns
    ends = ne
    capacity *= 2
  }
}
