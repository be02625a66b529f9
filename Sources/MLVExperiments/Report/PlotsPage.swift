import Foundation

/// `mlv plots --html FILE`: one self-contained page (inline CSS and SVG, no script, no
/// network) with the runs table, scatter charts of each varying numeric param against
/// each numeric metric, and line charts of the per-step series of runs that declared a
/// plots file. Every text from a record or a plots file is HTML-escaped.
public struct PlotsPage {
  public struct Run: Sendable {
    public var name: String
    public var params: [String: ParamValue]
    public var metrics: [String: ParamValue]
    /// `file: column` to points.
    public var series: [String: [(x: Double, y: Double)]]
    public var xLabel: [String: String]
    public init(name: String, params: [String: ParamValue], metrics: [String: ParamValue], series: [String: [(x: Double, y: Double)]] = [:], xLabel: [String: String] = [:]) {
      self.name = name
      self.params = params
      self.metrics = metrics
      self.series = series
      self.xLabel = xLabel
    }
  }

  public var runs: [Run]
  public var table: ExperimentTable
  public var title = "mlv runs"

  public init(runs: [Run], table: ExperimentTable) {
    self.runs = runs
    self.table = table
  }

  static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
  static func color(_ i: Int) -> String { palette[i % palette.count] }

  public func render() -> String {
    var h = """
      <!DOCTYPE html>
      <html><head><meta charset="utf-8"><title>\(esc(title))</title>
      <style>
      body{font:14px sans-serif;margin:24px;color:#222}
      table{border-collapse:collapse;margin-bottom:24px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
      th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
      .charts{display:flex;flex-wrap:wrap;gap:16px}.legend span{margin-right:14px;white-space:nowrap}
      .sw{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
      svg text{font:11px sans-serif;fill:#333}
      </style></head><body>
      <h1>\(esc(title))</h1>

      """
    h += "<h2>Runs</h2>\n<table>\n<tr>" + table.headers.map { "<th>\(esc($0))</th>" }.joined() + "</tr>\n"
    for row in table.rows {
      h += "<tr>" + row.map { "<td>\(esc($0.map { ExperimentTable.rounded($0, table.precision ?? 6) } ?? "-"))</td>" }.joined() + "</tr>\n"
    }
    h += "</table>\n"
    h += legend()
    h += scatterSection()
    h += lineSection()
    h += "</body></html>\n"
    return h
  }

  func legend() -> String {
    "<p class=\"legend\">" + runs.enumerated().map { i, r in
      "<span><i class=\"sw\" style=\"background:\(Self.color(i))\"></i>\(esc(r.name))</span>"
    }.joined() + "</p>\n"
  }

  /// Numeric params that differ between runs, against every numeric metric.
  func scatterSection() -> String {
    let params = Set(runs.flatMap { $0.params.keys }).sorted().filter { k in
      let values = runs.compactMap { $0.params[k]?.number }
      return values.count >= 2 && Set(values).count > 1
    }
    let metrics = Set(runs.flatMap { $0.metrics.keys }).sorted().filter { k in runs.contains { $0.metrics[k]?.number != nil } }
    guard !params.isEmpty, !metrics.isEmpty else { return "<h2>Params against metrics</h2><p>No numeric param varies between runs.</p>\n" }
    var h = "<h2>Params against metrics</h2>\n<div class=\"charts\">\n"
    for p in params.prefix(6) {
      for m in metrics.prefix(6) {
        var pts: [(x: Double, y: Double, color: String, label: String)] = []
        for (i, r) in runs.enumerated() {
          if let x = r.params[p]?.number, let y = r.metrics[m]?.number, x.isFinite, y.isFinite {
            pts.append((x, y, Self.color(i), r.name))
          }
        }
        guard !pts.isEmpty else { continue }
        h += Chart(title: "\(m) vs \(p)", xLabel: p, yLabel: m).scatter(pts) + "\n"
      }
    }
    return h + "</div>\n"
  }

  func lineSection() -> String {
    let keys = Set(runs.flatMap { $0.series.keys }).sorted()
    guard !keys.isEmpty else { return "<h2>Per-step metrics</h2><p>No run declared a plots file (mlv run --plots FILE).</p>\n" }
    var h = "<h2>Per-step metrics</h2>\n<div class=\"charts\">\n"
    for k in keys.prefix(24) {
      var lines: [(points: [(x: Double, y: Double)], color: String, label: String)] = []
      var x = "step"
      for (i, r) in runs.enumerated() {
        guard let s = r.series[k], !s.isEmpty else { continue }
        lines.append((s, Self.color(i), r.name))
        x = r.xLabel[k] ?? x
      }
      h += Chart(title: k, xLabel: x, yLabel: String(k.split(separator: ":").last ?? Substring(k))).lines(lines) + "\n"
    }
    return h + "</div>\n"
  }
}

func esc(_ s: String) -> String {
  var o = ""
  o.reserveCapacity(s.count)
  for c in s {
    switch c {
    case "&": o += "&amp;"
    case "<": o += "&lt;"
    case ">": o += "&gt;"
    case "\"": o += "&quot;"
    case "'": o += "&#39;"
    default: o.append(c)
    }
  }
  return o
}

/// One SVG chart: axes with ticks at round numbers, axis labels, a title.
struct Chart {
  var title: String
  var xLabel: String
  var yLabel: String
  let w = 440.0, h = 280.0, left = 64.0, right = 16.0, top = 28.0, bottom = 44.0

  func scatter(_ pts: [(x: Double, y: Double, color: String, label: String)]) -> String {
    let (xs, ys) = (Axis(pts.map(\.x)), Axis(pts.map(\.y)))
    var s = frame(xs, ys)
    for p in pts {
      s += "<circle cx=\"\(f(px(p.x, xs)))\" cy=\"\(f(py(p.y, ys)))\" r=\"5\" fill=\"\(p.color)\"><title>\(esc(p.label)): \(p.x), \(p.y)</title></circle>"
    }
    return s + "</svg>"
  }

  func lines(_ lines: [(points: [(x: Double, y: Double)], color: String, label: String)]) -> String {
    let all = lines.flatMap(\.points)
    let (xs, ys) = (Axis(all.map(\.x)), Axis(all.map(\.y)))
    var s = frame(xs, ys)
    for l in lines {
      let d = l.points.map { "\(f(px($0.x, xs))),\(f(py($0.y, ys)))" }.joined(separator: " ")
      s += "<polyline fill=\"none\" stroke=\"\(l.color)\" stroke-width=\"2.5\" points=\"\(d)\"><title>\(esc(l.label))</title></polyline>"
    }
    // legend inside the chart, top right
    for (i, l) in lines.prefix(10).enumerated() {
      let y = top + 14 + Double(i) * 14
      s += "<rect x=\"\(f(w - right - 110))\" y=\"\(f(y - 9))\" width=\"10\" height=\"10\" fill=\"\(l.color)\"/>"
        + "<text x=\"\(f(w - right - 96))\" y=\"\(f(y))\">\(esc(String(l.label.prefix(16))))</text>"
    }
    return s + "</svg>"
  }

  func frame(_ xs: Axis, _ ys: Axis) -> String {
    var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\">"
    s += "<rect x=\"0\" y=\"0\" width=\"\(Int(w))\" height=\"\(Int(h))\" fill=\"#fff\" stroke=\"#ddd\"/>"
    s += "<text x=\"\(f(w / 2))\" y=\"18\" text-anchor=\"middle\" style=\"font-weight:bold\">\(esc(title))</text>"
    let x0 = left, x1 = w - right, y0 = h - bottom, y1 = top
    s += "<line x1=\"\(f(x0))\" y1=\"\(f(y0))\" x2=\"\(f(x1))\" y2=\"\(f(y0))\" stroke=\"#333\"/>"
    s += "<line x1=\"\(f(x0))\" y1=\"\(f(y0))\" x2=\"\(f(x0))\" y2=\"\(f(y1))\" stroke=\"#333\"/>"
    for t in xs.ticks {
      let x = px(t, xs)
      s += "<line x1=\"\(f(x))\" y1=\"\(f(y0))\" x2=\"\(f(x))\" y2=\"\(f(y0 + 4))\" stroke=\"#333\"/>"
        + "<text x=\"\(f(x))\" y=\"\(f(y0 + 16))\" text-anchor=\"middle\">\(Axis.label(t))</text>"
    }
    for t in ys.ticks {
      let y = py(t, ys)
      s += "<line x1=\"\(f(x0 - 4))\" y1=\"\(f(y))\" x2=\"\(f(x1))\" y2=\"\(f(y))\" stroke=\"#eee\"/>"
        + "<text x=\"\(f(x0 - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(Axis.label(t))</text>"
    }
    s += "<text x=\"\(f((x0 + x1) / 2))\" y=\"\(f(h - 8))\" text-anchor=\"middle\">\(esc(xLabel))</text>"
    s += "<text transform=\"translate(14,\(f((y0 + y1) / 2))) rotate(-90)\" text-anchor=\"middle\">\(esc(yLabel))</text>"
    return s
  }

  func px(_ v: Double, _ a: Axis) -> Double { left + (v - a.lo) / (a.hi - a.lo) * (w - left - right) }
  func py(_ v: Double, _ a: Axis) -> Double { (h - bottom) - (v - a.lo) / (a.hi - a.lo) * (h - bottom - top) }
  func f(_ v: Double) -> String { String(format: "%.1f", v.isFinite ? v : 0) }
}

/// A linear axis over values, widened to round tick steps (1, 2, 5 × 10^k).
struct Axis {
  var lo: Double
  var hi: Double
  var ticks: [Double] = []

  init(_ values: [Double]) {
    var lo = values.filter(\.isFinite).min() ?? 0
    var hi = values.filter(\.isFinite).max() ?? 1
    if lo == hi { lo -= abs(lo) > 0 ? abs(lo) * 0.1 : 1; hi += abs(hi) > 0 ? abs(hi) * 0.1 : 1 }
    let raw = (hi - lo) / 5
    let mag = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
    lo = floor(lo / step) * step
    hi = ceil(hi / step) * step
    self.lo = lo
    self.hi = hi
    var t = lo
    var n = 0
    while t <= hi + step / 2 && n < 12 {
      ticks.append(abs(t) < step * 1e-9 ? 0 : t)
      t += step
      n += 1
    }
  }

  static func label(_ v: Double) -> String { String(format: "%g", v) }
}
