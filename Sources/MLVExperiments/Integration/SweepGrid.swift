import Foundation

/// The grid of a sweep: `-S lr=0.1,0.01 -S epochs=10,20` is four points (DVC's and
/// Hydra's syntax). Each `-S` with a comma list is one axis; the grid is their product,
/// the first flag varying slowest. `\,` is a literal comma, `\\` a backslash. A value
/// in brackets (`[1, 2]`, a list) or quotes is not split.
public enum SweepGrid {
  /// One point: the overrides of a run, in flag order.
  public typealias Point = [ParamOverride]

  public static func points(_ specs: [String]) throws -> [Point] {
    var axes: [[ParamOverride]] = []
    for spec in specs {
      guard let eq = spec.firstIndex(of: "=") else { throw ExperimentError.invalidOverride(spec: spec, reason: "expected key=value") }
      let key = String(spec[..<eq])
      let values = split(String(spec[spec.index(after: eq)...]))
      if values.isEmpty || values.contains(where: { $0.isEmpty }) {
        throw ExperimentError.invalidOverride(spec: spec, reason: "empty value in the list (escape a literal comma as \\,)")
      }
      axes.append(try values.map { try ParamOverride.parse(key + "=" + $0) })
    }
    var grid: [Point] = [[]]
    for axis in axes {
      var next: [Point] = []
      // checked: a grid of more than a million points is refused, not allocated
      guard grid.count.multipliedReportingOverflow(by: axis.count).partialValue <= 1_000_000 else {
        throw ExperimentError.invalidOverride(spec: specs.joined(separator: " "), reason: "more than 1,000,000 points")
      }
      for p in grid { for o in axis { next.append(p + [o]) } }
      grid = next
    }
    return grid
  }

  /// Splits on unescaped commas outside brackets and quotes, unescaping `\,` and `\\`.
  static func split(_ text: String) -> [String] {
    var out: [String] = []
    var cur = ""
    var depth = 0
    var quote: Character?
    var escaped = false
    for c in text {
      if escaped {
        if c != "," && c != "\\" { cur.append("\\") }
        cur.append(c)
        escaped = false
        continue
      }
      switch c {
      case "\\": escaped = true
      case "\"", "'":
        if quote == nil { quote = c } else if quote == c { quote = nil }
        cur.append(c)
      case "[", "{": if quote == nil { depth += 1 }; cur.append(c)
      case "]", "}": if quote == nil { depth = max(0, depth - 1) }; cur.append(c)
      case "," where depth == 0 && quote == nil:
        out.append(cur)
        cur = ""
      default: cur.append(c)
      }
    }
    if escaped { cur.append("\\") }
    out.append(cur)
    return out
  }

  /// Whether the flags describe more than one point (a sweep rather than one run).
  public static func isSweep(_ specs: [String]) -> Bool {
    specs.contains { spec in
      guard let eq = spec.firstIndex(of: "=") else { return false }
      return split(String(spec[spec.index(after: eq)...])).count > 1
    }
  }
}
