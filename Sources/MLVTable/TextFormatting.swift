import Foundation

/// Shared helpers for the terminal renderings.
enum TextFormatting {
  static func number(_ x: Double?) -> String {
    guard let x = x else { return "-" }
    if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
    let a = abs(x)
    if a >= 1e7 || a < 1e-3 { return String(format: "%.3e", x) }
    return String(format: "%.6g", x)
  }

  static func metric(_ x: Double?) -> String {
    guard let x = x else { return "-" }
    if x != 0 && abs(x) < 1e-3 { return String(format: "%.1e", x) }
    return String(format: "%.3f", x)
  }

  static func signed(_ x: Int64) -> String { x > 0 ? "+\(x)" : "\(x)" }

  static func bytes(_ n: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var v = Double(abs(n))
    var u = 0
    while v >= 1024 && u < units.count - 1 {
      v /= 1024
      u += 1
    }
    let s = u == 0 ? "\(Int64(v)) B" : String(format: "%.1f %@", v, units[u])
    return n < 0 ? "-" + s : s
  }

  /// Left-aligned columns separated by two spaces; `colors[row][col]` wraps a cell in an
  /// ANSI colour after padding so escape codes do not disturb the alignment.
  static func table(_ rows: [[String]], colors: [[String?]]? = nil) -> String {
    guard let first = rows.first else { return "" }
    var widths = [Int](repeating: 0, count: first.count)
    for r in rows {
      for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) }
    }
    var out = ""
    for (ri, r) in rows.enumerated() {
      var line = ""
      for (i, c) in r.enumerated() where i < widths.count {
        let last = i == r.count - 1
        var cell = last ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
        if let code = colors?[ri][i] { cell = code + cell + "\u{1B}[0m" }
        line += cell + (last ? "" : "  ")
      }
      while line.hasSuffix(" ") { line.removeLast() }
      out += line + "\n"
    }
    return out
  }

  static func truncate(_ s: String, _ n: Int = 40) -> String {
    let flat = clean(s)
    return flat.count <= n ? flat : String(flat.prefix(n - 1)) + "…"
  }

  /// Data is shown with control characters made visible (`\n`, `\u{1b}`...), so a value
  /// cannot move the cursor or recolour the terminal.
  static func clean(_ s: String) -> String {
    var out = ""
    for u in s.unicodeScalars {
      switch u.value {
      case 0x0a: out += "\\n"
      case 0x0d: out += "\\r"
      case 0x09: out += "\\t"
      case 0..<0x20, 0x7f, 0x80..<0xa0: out += "\\u{\(String(u.value, radix: 16))}"
      default: out.unicodeScalars.append(u)
      }
    }
    return out
  }

  static let red = "\u{1B}[31m"
  static let green = "\u{1B}[32m"
  static let yellow = "\u{1B}[33m"
  static let bold = "\u{1B}[1m"
}
