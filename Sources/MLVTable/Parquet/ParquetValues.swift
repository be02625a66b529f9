import Foundation

/// Reads PLAIN-encoded values one at a time and appends each as text to a column.
/// Rendering follows docs/table-diff.md ("Parquet"): text the existing type inference
/// recognises (decimal numbers, `true`/`false`, ISO dates and datetimes).
struct PlainDecoder {
  let data: UnsafeBufferPointer<UInt8>
  let column: ParquetColumn
  var pos = 0
  var bit = 0

  init(_ data: UnsafeBufferPointer<UInt8>, column: ParquetColumn) {
    self.data = data
    self.column = column
  }

  @inline(__always)
  private mutating func take(_ n: Int) throws -> UnsafePointer<UInt8> {
    guard n <= data.count - pos, let b = data.baseAddress else {
      throw ParquetFailure(reason: "column '\(column.name)': page values end early")
    }
    defer { pos += n }
    return b + pos
  }

  @inline(__always)
  private func le(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
    var v: UInt64 = 0
    for i in 0..<n { v |= UInt64(p[i]) << (8 * UInt64(i)) }
    return v
  }

  /// Steps over the next value as `appendNext` would (same bounds checks) but appends a
  /// null instead of rendering it: re-reads of a few rows render only those.
  mutating func skipNext(to out: TextColumn) throws {
    switch column.type {
    case 0:
      guard bit >> 3 < data.count else { throw ParquetFailure(reason: "column '\(column.name)': page values end early") }
      bit += 1
    case 1, 4: _ = try take(4)
    case 2, 5: _ = try take(8)
    case 3: _ = try take(12)
    case 6:
      let lenAt = try take(4)
      _ = try take(Int(le(lenAt, 4)))
    default: _ = try take(column.typeLength)
    }
    out.appendNull()
  }

  mutating func appendNext(to out: TextColumn) throws {
    switch column.type {
    case 0:
      guard bit >> 3 < data.count else { throw ParquetFailure(reason: "column '\(column.name)': page values end early") }
      let v = (data[bit >> 3] >> UInt8(bit & 7)) & 1
      bit += 1
      try out.reserve(5)
      if v == 1 { out.put("true") } else { out.put("false") }
      out.endRow()
    case 1:
      let p = try take(4)
      try ParquetText.int(Int64(Int32(truncatingIfNeeded: le(p, 4))), bits: 32, column, out)
    case 2:
      let p = try take(8)
      try ParquetText.int(Int64(bitPattern: le(p, 8)), bits: 64, column, out)
    case 3:
      let p = try take(12)
      let nanos = Int64(bitPattern: le(p, 8))
      let julian = Int64(le(p + 8, 4))
      let s = ParquetText.floorDiv(nanos, 1_000_000_000)
      try ParquetText.timestamp(
        seconds: (julian - 2_440_588) * 86_400 + s, fraction: nanos - s * 1_000_000_000, digits: 9, utc: false, out)
    case 4:
      let p = try take(4)
      try out.putFloatText(Float(bitPattern: UInt32(le(p, 4))))
      out.endRow()
    case 5:
      let p = try take(8)
      let v = Double(bitPattern: le(p, 8))
      try out.putFloatText(v)
      out.endRow(double: v)
    case 6:
      let lenAt = try take(4)
      let n = Int(le(lenAt, 4))  // checked by take(n)
      let p = try take(n)
      try ParquetText.bytes(p, n, column, out)
    default:
      let p = try take(column.typeLength)
      try ParquetText.bytes(p, column.typeLength, column, out)
    }
  }
}

enum ParquetText {
  static func int(_ v: Int64, bits: Int, _ c: ParquetColumn, _ out: TextColumn) throws {
    try out.reserve(48)
    switch c.logical {
    case .date:
      putDate(days: v, out)
      out.endRow()
    case .decimal(let scale):
      try decimal(negative: v < 0, magnitude: digits(v.magnitude), scale: scale, out)
    case .timestamp(let d, let utc):
      let per = pow10(d)
      try timestamp(seconds: floorDiv(v, per), fraction: v - floorDiv(v, per) * per, digits: d, utc: utc, out)
    case .time(let d):
      let per = pow10(d)
      let s = floorDiv(v, per)
      putClock(s - floorDiv(s, 86_400) * 86_400, fraction: v - s * per, digits: d, out)
      out.endRow()
    case .unsigned:
      out.putDigits(bits == 32 ? UInt64(UInt32(truncatingIfNeeded: v)) : UInt64(bitPattern: v))
      out.endRow()
    default:
      out.putInt(v)
      out.endRow()
    }
  }

  static func pow10(_ d: Int) -> Int64 {
    var p: Int64 = 1
    for _ in 0..<d { p *= 10 }
    return p
  }

  static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
  }

  static func timestamp(seconds: Int64, fraction: Int64, digits: Int, utc: Bool, _ out: TextColumn) throws {
    try out.reserve(48)
    let days = floorDiv(seconds, 86_400)
    putDate(days: days, out)
    out.put(UInt8(ascii: "T"))
    putClock(seconds - days * 86_400, fraction: fraction, digits: digits, out)
    if utc { out.put(UInt8(ascii: "Z")) }
    out.endRow()
  }

  /// HH:MM:SS and, when not zero, the fraction at the unit's precision.
  static func putClock(_ secondOfDay: Int64, fraction: Int64, digits: Int, _ out: TextColumn) {
    let s = UInt64(max(0, min(secondOfDay, 86_399)))
    out.put2(s / 3600)
    out.put(UInt8(ascii: ":"))
    out.put2(s / 60 % 60)
    out.put(UInt8(ascii: ":"))
    out.put2(s % 60)
    if fraction != 0 && fraction.magnitude < UInt64(pow10(digits)) {
      out.put(UInt8(ascii: "."))
      out.putDigits(fraction.magnitude, width: digits)
    }
  }

  /// YYYY-MM-DD of days since 1970-01-01 (Howard Hinnant's civil_from_days).
  static func putDate(days: Int64, _ out: TextColumn) {
    let z = min(max(days, -1_000_000_000), 1_000_000_000) + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
    if y < 0 { out.put(UInt8(ascii: "-")) }
    if y.magnitude < 10_000 {
      out.put2(y.magnitude / 100)
      out.put2(y.magnitude % 100)
    } else {
      out.putDigits(y.magnitude, width: 4)
    }
    out.put(UInt8(ascii: "-"))
    out.put2(UInt64(m))
    out.put(UInt8(ascii: "-"))
    out.put2(UInt64(d))
  }

  static func bytes(_ p: UnsafePointer<UInt8>, _ n: Int, _ c: ParquetColumn, _ out: TextColumn) throws {
    switch c.logical {
    case .string, .json:
      try out.appendRow(p, n)
    case .float16 where n == 2:
      try out.putText(Float16Text.render(UInt16(p[0]) | UInt16(p[1]) << 8))
      out.endRow()
    case .decimal(let scale) where n <= 64:
      // Big-endian two's complement of any width.
      let negative = n > 0 && p[0] & 0x80 != 0
      var mag = (0..<n).map { negative ? ~p[$0] : p[$0] }
      if negative {
        var i = n - 1
        while i >= 0 {
          mag[i] = mag[i] &+ 1
          if mag[i] != 0 { break }
          i -= 1
        }
      }
      try decimal(negative: negative, magnitude: bigDigits(mag), scale: scale, out)
    default:
      try out.reserve(2 * n)
      let hex: StaticString = "0123456789abcdef"
      hex.withUTF8Buffer { h in
        for i in 0..<n {
          out.put(h[Int(p[i] >> 4)])
          out.put(h[Int(p[i] & 15)])
        }
      }
      out.endRow()
    }
  }

  static func digits(_ v: UInt64) -> [UInt8] { Array(String(v).utf8) }

  /// Decimal digits of a big-endian unsigned magnitude (schoolbook division by 10).
  static func bigDigits(_ bytes: [UInt8]) -> [UInt8] {
    var num = bytes
    var out: [UInt8] = []
    while num.contains(where: { $0 != 0 }) {
      var rem = 0
      for i in 0..<num.count {
        let cur = rem << 8 | Int(num[i])
        num[i] = UInt8(cur / 10)
        rem = cur % 10
      }
      out.append(UInt8(0x30 + rem))
    }
    return out.isEmpty ? [0x30] : out.reversed()
  }

  /// Unscaled digits with the decimal point `scale` places from the right.
  static func decimal(negative: Bool, magnitude: [UInt8], scale: Int, _ out: TextColumn) throws {
    var d = magnitude
    if scale < 0 { d += [UInt8](repeating: 0x30, count: min(-scale, 1000)) }
    try out.reserve(d.count + max(0, scale) + 3)
    if negative && d != [0x30] { out.put(UInt8(ascii: "-")) }
    let s = max(0, min(scale, 1000))
    if s == 0 {
      for c in d { out.put(c) }
    } else {
      if d.count <= s { d = [UInt8](repeating: 0x30, count: s - d.count + 1) + d }
      for c in d[..<(d.count - s)] { out.put(c) }
      out.put(UInt8(ascii: "."))
      for c in d[(d.count - s)...] { out.put(c) }
    }
    out.endRow()
  }
}
