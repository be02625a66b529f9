import Foundation

/// The values of one column of one row group as text: bytes concatenated in a manually
/// managed buffer (fields handed out as pointers stay valid until the next row group),
/// `ends[i]` one past row i (32 bits: `byteLimit` keeps every offset below 2^30, and a
/// million-row group then needs 4 MB per column for them, not 8). A null is an empty field.
final class TextColumn {
  private(set) var base: UnsafeMutablePointer<UInt8>
  private var capacity: Int
  private(set) var count = 0
  var ends: [UInt32] = []
  /// Every row's value as a Double, kept (when the decoder is asked to, for a DOUBLE
  /// column) beside the text `Double.description` rendered for it, so the scan need not
  /// parse that text back: 17-digit text goes to strtod, a fifth of a double column's
  /// cost. A null row holds 0. Any row appended another way (another type's value, a
  /// copy from a column without them) drops the array: it is all rows or nothing.
  var doubles: [Double]? = nil
  /// Decoded text allowed per column of a row group: a dictionary of long strings
  /// repeated by tiny indices could otherwise expand a small file without bound.
  static let byteLimit = 1 << 30

  init(capacity: Int = 4096) {
    self.capacity = max(16, capacity)
    base = .allocate(capacity: self.capacity)
  }

  deinit { base.deallocate() }

  var rows: Int { ends.count }

  /// Empties the column for the next page (the buffer is kept).
  func removeAll() {
    count = 0
    ends.removeAll(keepingCapacity: true)
    if doubles != nil { doubles?.removeAll(keepingCapacity: true) }
  }

  /// `doubles` when it holds one value for every row.
  var completeDoubles: [Double]? {
    guard let d = doubles, d.count == ends.count else { return nil }
    return d
  }

  func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
    let s = i == 0 ? 0 : Int(ends[i - 1])
    return UnsafeBufferPointer(start: base + s, count: Int(ends[i]) - s)
  }

  @inline(__always)
  func reserve(_ n: Int) throws {
    if count + n <= capacity { return }
    guard count + n <= TextColumn.byteLimit else {
      throw ParquetFailure(reason: "a row group decodes to more than \(TextColumn.byteLimit >> 20) MiB of text in one column; write the file with smaller row groups", unsupported: true)
    }
    let newCap = min(max(capacity * 2, count + n), TextColumn.byteLimit)
    let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCap)
    bigger.update(from: base, count: count)
    base.deallocate()
    base = bigger
    capacity = newCap
  }

  func appendNull() {
    ends.append(UInt32(count))
    if doubles != nil { doubles?.append(0) }
  }

  /// Appends raw bytes as the value of the next row.
  func appendRow(_ p: UnsafePointer<UInt8>?, _ n: Int) throws {
    try appendBytes(p, n)
    if doubles != nil { doubles = nil }
  }

  private func appendBytes(_ p: UnsafePointer<UInt8>?, _ n: Int) throws {
    try reserve(n)
    if n > 0, let p = p { (base + count).update(from: p, count: n) }
    count += n
    ends.append(UInt32(count))
  }

  /// Appends row `i` of another column (a dictionary) as the next row.
  func appendRow(from dict: TextColumn, _ i: Int) throws {
    let f = dict.field(i)
    try appendBytes(f.baseAddress, f.count)
    if doubles != nil {
      if let d = dict.doubles, i < d.count { doubles?.append(d[i]) } else { doubles = nil }
    }
  }

  // Pieces of one value; `endRow()` closes it.
  @inline(__always)
  func put(_ b: UInt8) {
    base[count] = b
    count += 1
  }
  func put(_ s: StaticString) {
    s.withUTF8Buffer { b in
      for c in b { put(c) }
    }
  }
  func putText(_ s: String) throws {
    var s = s
    try s.withUTF8 { b in
      try reserve(b.count)
      for c in b { put(c) }
    }
  }
  /// Appends `b` to the value being built.
  func putBytes(_ b: UnsafeBufferPointer<UInt8>) throws {
    try reserve(b.count)
    if let p = b.baseAddress, b.count > 0 { (base + count).update(from: p, count: b.count) }
    count += b.count
  }

  /// Appends the text of `v.description` (Double or Float) to the value being built.
  /// `write(to:)` prints the same characters for every value but a NaN (it spells
  /// those `-nan`, `snan(0x…)`), and hands them to the stream as one buffer
  /// (`_writeASCII`) instead of a String, which `description` allocates on the heap past
  /// 15 bytes, i.e. for most doubles. A NaN takes `description`.
  func putFloatText<F: BinaryFloatingPoint & TextOutputStreamable & CustomStringConvertible>(_ v: F) throws {
    if v.isNaN { return try putText(v.description) }
    var sink = TextSink(column: self)
    v.write(to: &sink)
    if let e = sink.failure { throw e }
  }

  func endRow() {
    ends.append(UInt32(count))
    if doubles != nil { doubles = nil }
  }

  /// Closes a value rendered from `v` (see `doubles`).
  func endRow(double v: Double) {
    ends.append(UInt32(count))
    if doubles != nil { doubles?.append(v) }
  }

  /// Decimal digits of `v`, at least `width` of them (zero padded). Callers reserve.
  func putDigits(_ v: UInt64, width: Int = 1) {
    var n = 1
    var t = v
    while t >= 10 {
      t /= 10
      n += 1
    }
    let len = max(n, width)
    // Written from the last digit back, in place.
    var p = base + count + len
    var x = v
    for _ in 0..<n {
      p -= 1
      p.pointee = UInt8(truncatingIfNeeded: 0x30 + x % 10)
      x /= 10
    }
    for _ in n..<len {
      p -= 1
      p.pointee = 0x30
    }
    count += len
  }

  /// Exactly two digits of `v` (zero padded), as `putDigits(v, width: 2)` writes them for
  /// `v` below 100 without counting digits first: dates and clocks are made of these.
  @inline(__always)
  func put2(_ v: UInt64) {
    guard v < 100 else { return putDigits(v, width: 2) }
    base[count] = 0x30 &+ UInt8(truncatingIfNeeded: v / 10)
    base[count + 1] = 0x30 &+ UInt8(truncatingIfNeeded: v % 10)
    count += 2
  }

  func putInt(_ v: Int64) {
    if v < 0 { put(UInt8(ascii: "-")) }
    putDigits(v.magnitude)
  }
}

/// Streams text into a TextColumn (see `putFloatText`). Both entry points append the
/// same bytes; `_writeASCII` is the one the standard library's number printing calls,
/// and `write` covers any other caller. A failure (the column's size limit) is kept
/// for the caller to throw, as a stream cannot.
private struct TextSink: TextOutputStream {
  let column: TextColumn
  var failure: Error? = nil

  mutating func write(_ string: String) {
    var s = string
    s.withUTF8 { append($0) }
  }

  mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) { append(buffer) }

  private mutating func append(_ b: UnsafeBufferPointer<UInt8>) {
    guard failure == nil else { return }
    do { try column.putBytes(b) } catch { failure = error }
  }
}
