import Foundation

private let quote = UInt8(ascii: "\"")
private let lf = UInt8(ascii: "\n")
private let cr = UInt8(ascii: "\r")

/// RFC 4180-style reader for CSV/TSV with any single-byte delimiter: quoted fields may
/// hold delimiters, newlines and doubled quotes. Strict about malformed input (ragged
/// rows, quotes inside unquoted fields, unterminated quotes) because a silently
/// misaligned row would make every later statistic wrong. Blank lines are skipped.
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

  /// Removes doubled quotes in place; done only once the whole record is known, so a
  /// record re-scanned after a refill always sees the original bytes.
  private func unescape() {
    let buf = window.buf
    for i in escaped {
      var r = ranges.starts[i]
      var w = ranges.starts[i]
      while r < ranges.ends[i] {
        buf[w] = buf[r]
        if buf[r] == quote { r += 1 }
        r += 1
        w += 1
      }
      ranges.setEnd(i, w)
    }
  }

  private func malformed(_ reason: String) -> TableError {
    return TableError.malformed(path: path, line: line, reason: reason)
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
            if eof { throw malformed("unterminated quoted field") }
            return .needMore
          }
          let c = buf[i]
          if c == quote {
            if i + 1 >= len {
              if !eof { return .needMore }
              out.append(fieldStart + 1, i)
              if esc { escaped.append(out.count - 1) }
              return .done(end: i + 1, newlines: nl)
            }
            let d = buf[i + 1]
            if d == quote {
              esc = true
              i += 2
              continue
            }
            out.append(fieldStart + 1, i)
            if esc { escaped.append(out.count - 1) }
            i += 1
            if d == delim {
              i += 1
              break
            }
            if d == lf { return .done(end: i + 1, newlines: nl + 1) }
            if d == cr {
              if i + 1 >= len {
                if !eof { return .needMore }
                return .done(end: i + 1, newlines: nl + 1)
              }
              return .done(end: buf[i + 1] == lf ? i + 2 : i + 1, newlines: nl + 1)
            }
            throw malformed("unexpected character after closing quote")
          }
          if c == lf { nl += 1 }
          i += 1
        }
        continue
      }
      while i < len {
        let c = buf[i]
        if c == delim || c == lf || c == cr { break }
        if c == quote { throw malformed("quote inside unquoted field") }
        i += 1
      }
      if i >= len {
        if !eof { return .needMore }
        out.append(fieldStart, i)
        return .done(end: i, newlines: nl)
      }
      out.append(fieldStart, i)
      let c = buf[i]
      if c == delim {
        i += 1
        continue
      }
      if c == lf { return .done(end: i + 1, newlines: nl + 1) }
      if i + 1 >= len {
        if !eof { return .needMore }
        return .done(end: i + 1, newlines: nl + 1)
      }
      return .done(end: buf[i + 1] == lf ? i + 2 : i + 1, newlines: nl + 1)
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
