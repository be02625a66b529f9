import Foundation

/// Inline SVG charts of the HTML report. Old and new stay distinguishable where they
/// overlap: the old version is an outline (blue), the new one a translucent fill
/// (orange), so an overlap shows the outline over the fill instead of a mixed colour;
/// every chart has labelled axes, counts, and a legend.
enum HTMLCharts {
  static let oldColour = "#1f5fa8"
  static let newColour = "#f28e2b"

  static func legend(_ x: Double, _ y: Double) -> String {
    var s = "<rect x=\"\(f(x))\" y=\"\(f(y - 8))\" width=\"12\" height=\"9\" fill=\"none\" stroke=\"\(oldColour)\" stroke-width=\"1.5\"/>"
    s += "<text x=\"\(f(x + 16))\" y=\"\(f(y))\" font-size=\"10\">old</text>"
    s += "<rect x=\"\(f(x + 44))\" y=\"\(f(y - 8))\" width=\"12\" height=\"9\" fill=\"\(newColour)\" fill-opacity=\"0.55\"/>"
    s += "<text x=\"\(f(x + 60))\" y=\"\(f(y))\" font-size=\"10\">new</text>"
    return s
  }

  static func f(_ v: Double) -> String { String(format: "%.1f", v) }

  /// Histogram of both versions over one range, with count and value axes.
  static func histogram(_ h: Histogram, label: String) -> String {
    let (left, right, top, bottom) = (44.0, 8.0, 16.0, 30.0)
    let (w, ht) = (340.0, 120.0)
    let bins = max(h.old.count, h.new.count, 1)
    let peak = max((h.old + h.new).max() ?? 1, 1)
    let bw = w / Double(bins)
    var s = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(left + w + right)) \(Int(top + ht + bottom))\""
    s += " width=\"\(Int(left + w + right))\" role=\"img\" aria-label=\"\(HTML.escape(label))\">"
    s += legend(left + w - 80, 10)
    func bars(_ series: [Int], old: Bool) {
      for (i, c) in series.enumerated() where c > 0 {
        let bh = Double(c) / Double(peak) * ht
        let x = left + Double(i) * bw
        let paint = old
          ? "fill=\"none\" stroke=\"\(oldColour)\" stroke-width=\"1.5\""
          : "fill=\"\(newColour)\" fill-opacity=\"0.55\""
        s += "<rect x=\"\(f(x + 0.75))\" y=\"\(f(top + ht - bh))\" width=\"\(f(max(bw - 1.5, 1)))\" height=\"\(f(bh))\" \(paint)>"
        s += "<title>\(old ? "old" : "new"): \(c)</title></rect>"
      }
    }
    bars(h.new, old: false)
    bars(h.old, old: true)
    // Axes: counts on the left (0, half, peak), values below (min, middle, max).
    s += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + ht))\" stroke=\"#555\"/>"
    s += "<line x1=\"\(f(left))\" y1=\"\(f(top + ht))\" x2=\"\(f(left + w))\" y2=\"\(f(top + ht))\" stroke=\"#555\"/>"
    for (frac, v) in [(0.0, 0), (0.5, peak / 2), (1.0, peak)] {
      let y = top + ht - frac * ht
      s += "<text x=\"\(f(left - 4))\" y=\"\(f(y + 3))\" font-size=\"9\" text-anchor=\"end\">\(v)</text>"
    }
    let mid = (h.lower + h.upper) / 2
    for (frac, v, anchor) in [(0.0, h.lower, "start"), (0.5, mid, "middle"), (1.0, h.upper, "end")] {
      s += "<text x=\"\(f(left + frac * w))\" y=\"\(f(top + ht + 12))\" font-size=\"9\" text-anchor=\"\(anchor)\">"
      s += "\(HTML.escape(TextFormatting.number(v)))</text>"
    }
    s += "<text x=\"\(f(left + w / 2))\" y=\"\(f(top + ht + 26))\" font-size=\"9\" text-anchor=\"middle\">value</text>"
    s += "<text x=\"10\" y=\"\(f(top + ht / 2))\" font-size=\"9\" transform=\"rotate(-90 10 \(f(top + ht / 2)))\" text-anchor=\"middle\">rows</text>"
    return s + "</svg>"
  }

  /// Horizontal bars of the most frequent categories in both versions; categories only
  /// one version has are marked `new` or `gone`.
  static func categories(_ c: ColumnReport, limit: Int = 12) -> String? {
    let old = c.stats.old?.top ?? []
    let new = c.stats.new?.top ?? []
    guard !old.isEmpty || !new.isEmpty else { return nil }
    let oc = Dictionary(old.map { ($0.value, $0.count) }, uniquingKeysWith: +)
    let nc = Dictionary(new.map { ($0.value, $0.count) }, uniquingKeysWith: +)
    var names: [String] = []
    for v in new.map(\.value) + old.map(\.value) where !names.contains(v) { names.append(v) }
    let appeared = Set(c.drift?.newCategories ?? [])
    let vanished = Set(c.drift?.vanishedCategories ?? [])
    // Marked categories first so a new label is never cut off.
    names.sort { (appeared.contains($0) || vanished.contains($0) ? 0 : 1) < (appeared.contains($1) || vanished.contains($1) ? 0 : 1) }
    names = Array(names.prefix(limit))
    let peak = max((Array(oc.values) + Array(nc.values)).max() ?? 1, 1)
    let (label, w, row) = (110.0, 180.0, 20.0)
    let height = 22 + Double(names.count) * row + 14
    var s = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(label + w + 60)) \(Int(height))\""
    s += " width=\"\(Int(label + w + 60))\" role=\"img\" aria-label=\"categories of \(HTML.escape(c.name))\">"
    s += legend(label + w - 60, 10)
    for (i, name) in names.enumerated() {
      let y = 20 + Double(i) * row
      let mark = appeared.contains(name) ? " (new)" : vanished.contains(name) ? " (gone)" : ""
      let colour = mark.isEmpty ? "#222" : "#cf222e"
      s += "<text x=\"\(f(label - 4))\" y=\"\(f(y + 12))\" font-size=\"10\" text-anchor=\"end\" fill=\"\(colour)\">"
      s += "\(HTML.escape(TextFormatting.truncate(name, 16) + mark))</text>"
      let o = oc[name] ?? 0
      let n = nc[name] ?? 0
      s += "<rect x=\"\(f(label))\" y=\"\(f(y + 2))\" width=\"\(f(Double(n) / Double(peak) * w))\" height=\"14\" fill=\"\(newColour)\" fill-opacity=\"0.55\"><title>new: \(n)</title></rect>"
      s += "<rect x=\"\(f(label))\" y=\"\(f(y + 2))\" width=\"\(f(Double(o) / Double(peak) * w))\" height=\"14\" fill=\"none\" stroke=\"\(oldColour)\" stroke-width=\"1.5\"><title>old: \(o)</title></rect>"
      s += "<text x=\"\(f(label + w + 4))\" y=\"\(f(y + 12))\" font-size=\"9\">\(o) → \(n)</text>"
    }
    s += "<line x1=\"\(f(label))\" y1=\"18\" x2=\"\(f(label))\" y2=\"\(f(height - 12))\" stroke=\"#555\"/>"
    s += "<text x=\"\(f(label + w))\" y=\"\(f(height - 2))\" font-size=\"9\" text-anchor=\"end\">rows (max \(peak))</text>"
    return s + "</svg>"
  }
}
