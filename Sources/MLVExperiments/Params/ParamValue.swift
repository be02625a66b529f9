import Foundation

/// A leaf value of a params or metrics file, after flattening.
///
/// `canonical` renders it the same way whatever format it came from, so YAML `1e-3`,
/// JSON `0.001` and TOML `1_0.0e-4` compare equal; the cache key and tables use it.
public enum ParamValue: Equatable, Hashable, Sendable {
  case string(String)
  case int(Int)
  case double(Double)
  case bool(Bool)
  case null
  case list([ParamValue])

  /// Stable text form: integers plainly, doubles in Swift's shortest round-trip form
  /// (always with a `.` or exponent), strings bare at top level and JSON-quoted in lists.
  public var canonical: String {
    switch self {
    case .string(let s): return s
    default: return quoted
    }
  }

  /// Like `canonical` but strings are JSON-quoted; used inside lists.
  var quoted: String {
    switch self {
    case .string(let s): return JSONText.quote(s)
    case .int(let i): return String(i)
    case .double(let d): return ParamValue.render(d)
    case .bool(let b): return b ? "true" : "false"
    case .null: return "null"
    case .list(let items): return "[" + items.map(\.quoted).joined(separator: ", ") + "]"
    }
  }

  /// The value as a number when it is one (ints and doubles; bools are not numbers).
  public var number: Double? {
    switch self {
    case .int(let i): return Double(i)
    case .double(let d): return d
    default: return nil
    }
  }

  static func render(_ d: Double) -> String {
    if d.isNaN { return "nan" }
    if d.isInfinite { return d < 0 ? "-inf" : "inf" }
    return "\(d)"  // Swift prints the shortest form that round-trips, e.g. 0.001, 1e-05
  }
}

/// One flattened key (`train.lr`) and its value, in file order.
public struct ParamEntry: Equatable, Hashable, Sendable {
  /// The dotted key, `train.lr`.
  public var key: String
  /// Its value.
  public var value: ParamValue
  /// An entry for `key` with `value`.
  public init(key: String, value: ParamValue) {
    self.key = key
    self.value = value
  }
}

extension ParamValue: Codable {
  // JSON cannot tell 1.0 from 1 and has no nan/inf, so whole and non-finite doubles are
  // written as {"double": "1.0"} to survive a round trip; every other value is native JSON.
  private struct Tagged: Codable { var double: String }

  public init(from decoder: Decoder) throws {
    let c = try decoder.singleValueContainer()
    if c.decodeNil() { self = .null; return }
    if let b = try? c.decode(Bool.self) { self = .bool(b); return }
    if let i = try? c.decode(Int.self) { self = .int(i); return }
    if let d = try? c.decode(Double.self) { self = .double(d); return }
    if let s = try? c.decode(String.self) { self = .string(s); return }
    if let t = try? c.decode(Tagged.self), let d = Double(t.double) { self = .double(d); return }
    self = .list(try c.decode([ParamValue].self))
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.singleValueContainer()
    switch self {
    case .string(let s): try c.encode(s)
    case .int(let i): try c.encode(i)
    case .double(let d):
      if !d.isFinite || d == d.rounded() {
        try c.encode(Tagged(double: ParamValue.render(d)))
      } else {
        try c.encode(d)
      }
    case .bool(let b): try c.encode(b)
    case .null: try c.encodeNil()
    case .list(let items): try c.encode(items)
    }
  }
}
