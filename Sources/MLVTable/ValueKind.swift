import Foundation

/// The inferred kind of one value; a column's type is decided from the mix of kinds.
enum ValueKind {
  case null, integer, float, boolean, date, datetime, string
}

/// Classifies field bytes without building a String. Null spellings are the usual
/// exports of pandas/R/SQL: empty, NA, N/A, null, NULL, None, NaN, nan.
@inline(__always)
func classify(_ f: UnsafeBufferPointer<UInt8>, number: inout Double) -> ValueKind {
  let n = f.count
  if n == 0 { return .null }
  let c0 = f[0]
  if (c0 >= 0x30 && c0 <= 0x39) || c0 == UInt8(ascii: "-") || c0 == UInt8(ascii: "+") || c0 == UInt8(ascii: ".") {
    if let k = parseNumber(f, &number) { return k }
    if n >= 10, isISODate(f) { return n == 10 ? .date : (isISODateTimeTail(f) ? .datetime : .string) }
    return .string
  }
  if n <= 4 && isNullSpelling(f) { return .null }
  if isBoolean(f) { return .boolean }
  return .string
}

@inline(__always)
private func lower(_ c: UInt8) -> UInt8 { c | 0x20 }

private func isNullSpelling(_ f: UnsafeBufferPointer<UInt8>) -> Bool {
  switch f.count {
  case 2: return f[0] == UInt8(ascii: "N") && f[1] == UInt8(ascii: "A")
  case 3:
    if f[0] == UInt8(ascii: "N") && f[1] == UInt8(ascii: "/") && f[2] == UInt8(ascii: "A") { return true }
    return lower(f[0]) == UInt8(ascii: "n") && lower(f[1]) == UInt8(ascii: "a") && lower(f[2]) == UInt8(ascii: "n")
  case 4:
    let w = (lower(f[0]), lower(f[1]), lower(f[2]), lower(f[3]))
    if w == (UInt8(ascii: "n"), UInt8(ascii: "u"), UInt8(ascii: "l"), UInt8(ascii: "l")) { return true }
    return w == (UInt8(ascii: "n"), UInt8(ascii: "o"), UInt8(ascii: "n"), UInt8(ascii: "e"))
  default: return false
  }
}

/// Whether the text is a null spelling (used for JSON and sample rendering).
func isNullText(_ s: String) -> Bool {
  var s = s
  return s.withUTF8 { b in
    b.count == 0 || (b.count <= 4 && isNullSpelling(b))
  }
}

private func isBoolean(_ f: UnsafeBufferPointer<UInt8>) -> Bool {
  if f.count == 4 {
    return lower(f[0]) == UInt8(ascii: "t") && lower(f[1]) == UInt8(ascii: "r") && lower(f[2]) == UInt8(ascii: "u")
      && lower(f[3]) == UInt8(ascii: "e")
  }
  if f.count == 5 {
    return lower(f[0]) == UInt8(ascii: "f") && lower(f[1]) == UInt8(ascii: "a") && lower(f[2]) == UInt8(ascii: "l")
      && lower(f[3]) == UInt8(ascii: "s") && lower(f[4]) == UInt8(ascii: "e")
  }
  return false
}

@inline(__always)
private func digit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

/// YYYY-MM-DD at the start.
private func isISODate(_ f: UnsafeBufferPointer<UInt8>) -> Bool {
  return digit(f[0]) && digit(f[1]) && digit(f[2]) && digit(f[3]) && f[4] == UInt8(ascii: "-") && digit(f[5])
    && digit(f[6]) && f[7] == UInt8(ascii: "-") && digit(f[8]) && digit(f[9])
}

/// After the date: (T| )HH:MM[:SS[.fraction]][Z|±HH[:]MM].
private func isISODateTimeTail(_ f: UnsafeBufferPointer<UInt8>) -> Bool {
  let n = f.count
  guard n >= 16, f[10] == UInt8(ascii: "T") || f[10] == UInt8(ascii: " "), digit(f[11]), digit(f[12]),
    f[13] == UInt8(ascii: ":"), digit(f[14]), digit(f[15])
  else { return false }
  var i = 16
  if i < n && f[i] == UInt8(ascii: ":") {
    guard i + 2 < n, digit(f[i + 1]), digit(f[i + 2]) else { return false }
    i += 3
    if i < n && (f[i] == UInt8(ascii: ".") || f[i] == UInt8(ascii: ",")) {
      i += 1
      let s = i
      while i < n && digit(f[i]) { i += 1 }
      if i == s { return false }
    }
  }
  if i == n { return true }
  if f[i] == UInt8(ascii: "Z") { return i + 1 == n }
  if f[i] == UInt8(ascii: "+") || f[i] == UInt8(ascii: "-") {
    i += 1
    var digits = 0
    while i < n {
      if digit(f[i]) { digits += 1 } else if f[i] != UInt8(ascii: ":") { return false }
      i += 1
    }
    return digits == 4 || digits == 2
  }
  return false
}

private let pow10: [Double] = (0...22).map { pow(10.0, Double($0)) }

/// Fast decimal parser: `[+-]digits[.digits][e[+-]digits]`, plus `inf`-free. Exact for
/// up to 15 significant digits with small exponents (the common case in datasets);
/// otherwise falls back to strtod on a copy so statistics stay accurate.
@inline(__always)
func parseNumber(_ f: UnsafeBufferPointer<UInt8>, _ out: inout Double) -> ValueKind? {
  let n = f.count
  var i = 0
  var neg = false
  if f[0] == UInt8(ascii: "-") || f[0] == UInt8(ascii: "+") {
    neg = f[0] == UInt8(ascii: "-")
    i = 1
  }
  var mant: UInt64 = 0
  var digits = 0
  var fracDigits = 0
  var sawDigit = false
  while i < n && digit(f[i]) {
    if digits < 19 { mant = mant &* 10 &+ UInt64(f[i] &- 0x30) } else { fracDigits -= 1 }
    if mant != 0 { digits += 1 }
    sawDigit = true
    i += 1
  }
  var isFloat = false
  if i < n && f[i] == UInt8(ascii: ".") {
    isFloat = true
    i += 1
    while i < n && digit(f[i]) {
      if digits < 19 {
        mant = mant &* 10 &+ UInt64(f[i] &- 0x30)
        fracDigits += 1
        if mant != 0 { digits += 1 }
      }
      sawDigit = true
      i += 1
    }
  }
  if !sawDigit { return nil }
  var exp = 0
  if i < n && (f[i] == UInt8(ascii: "e") || f[i] == UInt8(ascii: "E")) {
    isFloat = true
    i += 1
    var eneg = false
    if i < n && (f[i] == UInt8(ascii: "-") || f[i] == UInt8(ascii: "+")) {
      eneg = f[i] == UInt8(ascii: "-")
      i += 1
    }
    let s = i
    while i < n && digit(f[i]) {
      if exp < 100_000 { exp = exp * 10 + Int(f[i] &- 0x30) }
      i += 1
    }
    if i == s { return nil }
    if eneg { exp = -exp }
  }
  if i != n { return nil }
  let e10 = exp - fracDigits
  if digits <= 15 && e10 >= -22 && e10 <= 22 {
    var v = Double(mant)
    v = e10 < 0 ? v / pow10[-e10] : v * pow10[e10]
    out = neg ? -v : v
  } else {
    var copy = Array(f)
    copy.append(0)
    out = copy.withUnsafeBufferPointer { buf -> Double in
      guard let p = buf.baseAddress else { return .nan }
      return strtod(UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self), nil)
    }
    if !out.isFinite { return nil }
  }
  return isFloat ? .float : .integer
}
