import Foundation

/// FLOAT16 values as text: the shortest decimal that reads back as the same half
/// (what numpy prints), so `0.1` stays `0.1` rather than its binary expansion.
enum Float16Text {
  /// The value of IEEE 754 binary16 `bits` (exact in a Float).
  static func value(_ bits: UInt16) -> Float {
    let sign: Float = bits & 0x8000 != 0 ? -1 : 1
    let exp = Int(bits >> 10 & 0x1f)
    let frac = Float(bits & 0x3ff)
    switch exp {
    case 0: return sign * frac * 0x1p-24
    case 31: return frac == 0 ? sign * .infinity : .nan
    default: return sign * (1 + frac / 1024) * Float(sign: .plus, exponent: exp - 15, significand: 1)
    }
  }

  /// Round-to-nearest-even binary16 of `f` (for checking that text reads back).
  static func bits(_ f: Float) -> UInt16 {
    if f.isNaN { return 0x7e00 }
    let sign: UInt16 = f.sign == .minus ? 0x8000 : 0
    let a = abs(f)
    if a >= 65520 { return sign | 0x7c00 }
    if a < 0x1p-14 {
      // Subnormal: multiples of 2^-24.
      return sign | UInt16((a * 0x1p24).rounded(.toNearestOrEven))
    }
    let e = Int(a.exponent)
    let m = (a / Float(sign: .plus, exponent: e, significand: 1) - 1) * 1024
    var r = UInt32(m.rounded(.toNearestOrEven))
    var ex = UInt32(e + 15)
    if r == 1024 {
      r = 0
      ex += 1
    }
    return sign | UInt16(ex << 10 | r)
  }

  static func render(_ b: UInt16) -> String {
    let v = value(b)
    if !v.isFinite { return v.isNaN ? "nan" : (v < 0 ? "-inf" : "inf") }
    // Five significant digits always suffice for binary16; take the fewest that do.
    for digits in 1...5 {
      let s = String(format: "%.\(digits)g", Double(v))
      if let f = Float(s), bits(f) == b { return Float(s).map { shortest($0, s) } ?? s }
    }
    return String(Double(v))
  }

  /// `%g` text made to look like the other floats mlv renders ("1.0", not "1").
  private static func shortest(_ f: Float, _ s: String) -> String {
    if s.contains("e") || s.contains(".") || s.contains("n") || s.contains("i") { return s }
    return s + ".0"
  }
}
