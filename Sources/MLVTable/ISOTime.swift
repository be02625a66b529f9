/// Seconds since 1970-01-01T00:00:00Z of an ISO-8601 date or datetime already accepted
/// by `classify` (so the fixed positions are known to be digits). Lets date columns be
/// compared as numbers for drift.
func isoEpochSeconds(_ f: UnsafeBufferPointer<UInt8>) -> Double? {
  let n = f.count
  guard n >= 10 else { return nil }
  func num(_ from: Int, _ len: Int) -> Int {
    var v = 0
    for i in from..<(from + len) { v = v * 10 + Int(f[i] &- 0x30) }
    return v
  }
  let y = num(0, 4)
  let m = num(5, 2)
  let d = num(8, 2)
  guard (1...12).contains(m), (1...31).contains(d) else { return nil }
  var seconds = Double(daysFromCivil(y, m, d)) * 86_400
  guard n >= 16 else { return seconds }
  seconds += Double(num(11, 2) * 3600 + num(14, 2) * 60)
  var i = 16
  if i < n && f[i] == UInt8(ascii: ":") {
    seconds += Double(num(17, 2))
    i = 19
    if i < n && (f[i] == UInt8(ascii: ".") || f[i] == UInt8(ascii: ",")) {
      i += 1
      var scale = 0.1
      while i < n && f[i] >= 0x30 && f[i] <= 0x39 {
        seconds += Double(f[i] &- 0x30) * scale
        scale /= 10
        i += 1
      }
    }
  }
  if i < n && (f[i] == UInt8(ascii: "+") || f[i] == UInt8(ascii: "-")) {
    let sign = f[i] == UInt8(ascii: "+") ? 1.0 : -1.0
    var digits: [Int] = []
    for j in (i + 1)..<n where f[j] >= 0x30 && f[j] <= 0x39 { digits.append(Int(f[j] &- 0x30)) }
    let hh = digits.count >= 2 ? digits[0] * 10 + digits[1] : 0
    let mm = digits.count >= 4 ? digits[2] * 10 + digits[3] : 0
    seconds -= sign * Double(hh * 3600 + mm * 60)
  }
  return seconds
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
  let y = month <= 2 ? year - 1 : year
  let era = (y >= 0 ? y : y - 399) / 400
  let yoe = y - era * 400
  let mp = (month + 9) % 12
  let doy = (153 * mp + 2) / 5 + day - 1
  let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
  return era * 146_097 + doe - 719_468
}
