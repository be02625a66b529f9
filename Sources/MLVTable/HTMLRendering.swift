import Foundation

/// Building blocks of the self-contained HTML pages: inline CSS, inline SVG, no
/// scripts, no network. Every piece of data goes through `escape`.
/// Builds one self-contained page (inline CSS and SVG, no scripts, no network) from
/// several report bodies.
public enum HTMLReport {
  public static func page(title: String, sections: [(heading: String, body: String)]) -> String {
    HTML.page(title: title, body: sections.map { "<h2>\(HTML.escape($0.heading))</h2>\n\($0.body)" }.joined(separator: "\n"))
  }

  public static func escape(_ s: String) -> String { HTML.escape(s) }
}

enum HTML {
  static func escape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for ch in s.unicodeScalars {
      switch ch {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.unicodeScalars.append(ch)
      }
    }
    return out
  }

  // Readable from a phone to a wide monitor: charts scale down, wide tables scroll in
  // their own box (never the page), long values wrap.
  static let style = """
    body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:1.5em;color:#222;max-width:1400px}
    h1{font-size:1.4em;overflow-wrap:anywhere}h2{font-size:1.15em;overflow-wrap:anywhere}
    table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px;vertical-align:top}
    td{overflow-wrap:anywhere;max-width:40em}th{background:#f3f3f3}
    .added{color:#1a7f37}.removed{color:#cf222e}.modified{color:#9a6700}
    .drift{color:#fff;background:#cf222e;padding:1px 6px;border-radius:3px}.ok{color:#1a7f37}
    .scroll{overflow-x:auto;max-width:100%}
    .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,360px),1fr));gap:8px}
    .card{border:1px solid #ddd;border-radius:6px;padding:8px;min-width:0;overflow-wrap:anywhere}
    .card table{width:100%}.chart{max-width:100%;height:auto;display:block}
    details{margin:.6em 0}summary{cursor:pointer;font-weight:600}
    pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f8fa;padding:8px}
    #summary{border:1px solid #ccc;border-radius:6px;padding:4px 12px;background:#fafbfc}
    .legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
    code{background:#f6f8fa;padding:1px 4px;overflow-wrap:anywhere}
    """

  static func page(title: String, body: String) -> String {
    return """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
      <style>\(style)</style></head><body>
      <h1>\(escape(title))</h1>
      \(body)
      </body></html>

      """
  }

  static func table(_ header: [String], _ rows: [[String]], rawCells: Bool = false) -> String {
    var s = "<table><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
    for r in rows {
      s += "<tr>" + r.map { "<td>\(rawCells ? $0 : escape($0))</td>" }.joined() + "</tr>\n"
    }
    return s + "</table>\n"
  }

  static func histogramSVG(_ h: Histogram, label: String) -> String { HTMLCharts.histogram(h, label: label) }

  static let legend =
    "<p class=\"legend\"><span style=\"border:1.5px solid \(HTMLCharts.oldColour)\"></span>old (outline)"
    + "<span style=\"background:\(HTMLCharts.newColour);opacity:.55\"></span>new (filled)</p>\n"
}

extension TableDiffReport {
  /// One self-contained HTML page: summary, schema, per-column stats with overlaid
  /// histograms (one inline SVG per numeric column), drift flags and sample rows.
  public func renderHTML(title: String) -> String { HTML.page(title: title, body: renderHTMLBody()) }

  /// The page's content without the page around it, to combine several reports in one page.
  public func renderHTMLBody() -> String {
    typealias F = TextFormatting
    var b = "<p><code>\(HTML.escape(path))</code> (\(HTML.escape(format)))"
    if !key.isEmpty { b += ", key <code>\(HTML.escape(key.joined(separator: ",")))</code>" }
    b += "</p>\n<h2>Rows</h2>\n"
    b += HTML.table(
      ["old", "new", "added", "removed", "modified", "unchanged"],
      [[rows.old, rows.new, rows.added, rows.removed, rows.modified, rows.unchanged].map(String.init)])
    b += "<h2>Schema</h2>\n<ul>"
    for a in schema.added { b += "<li class=\"added\">added <code>\(HTML.escape(a))</code></li>" }
    for r in schema.removed { b += "<li class=\"removed\">removed <code>\(HTML.escape(r))</code></li>" }
    for r in schema.renamed {
      b +=
        "<li class=\"modified\">renamed <code>\(HTML.escape(r.from))</code> to <code>\(HTML.escape(r.to))</code></li>"
    }
    for t in schema.typeChanges {
      b += "<li class=\"modified\"><code>\(HTML.escape(t.column))</code>: \(t.from.rawValue) to \(t.to.rawValue)</li>"
    }
    if schema.added.isEmpty && schema.removed.isEmpty && schema.renamed.isEmpty && schema.typeChanges.isEmpty {
      b += "<li>unchanged</li>"
    }
    b += "</ul>\n<h2>Drift</h2>\n"
    let driftedList = driftedColumns.map { "<code>\(HTML.escape($0))</code>" }.joined(separator: ", ")
    b +=
      drifted
      ? "<p><span class=\"drift\">drift</span> in \(driftedList)</p>\n"
      : "<p class=\"ok\">no column drifted</p>\n"
    b +=
      "<p>thresholds: PSI &gt; \(thresholds.psi); KS p &lt; \(thresholds.ksPValue) and D &gt; \(thresholds.ksStatistic); "
    b += "JS distance &gt; \(thresholds.jsDistance)</p>\n"
    // Changed columns first, as cards; the rest collapsed, so a table of hundreds of
    // columns stays one screen until asked.
    let changed = columns.filter { $0.drift?.drifted == true || $0.status != "common" || ($0.changedRows ?? 0) > 0 }
    let quiet = columns.filter { c in !changed.contains { $0.name == c.name } }
    b += "<h3>Columns</h3>\n" + HTML.legend
    if !changed.isEmpty { b += "<div class=\"cards\">" + changed.map(columnCard).joined() + "</div>\n" }
    if !quiet.isEmpty {
      b += "<details\(changed.isEmpty && quiet.count <= 12 ? " open" : "")><summary>\(quiet.count) unchanged columns</summary>"
      b += "<div class=\"cards\">" + quiet.map(columnCard).joined() + "</div></details>\n"
    }
    b += sampleSection()
    return b
  }

  private func columnCard(_ c: ColumnReport) -> String {
    typealias F = TextFormatting
    var s = "<div class=\"card\"><h3>\(HTML.escape(c.name)) <small>\(c.type.rawValue), \(HTML.escape(c.status))"
    if let o = c.oldName { s += " from \(HTML.escape(o))" }
    s += "</small>"
    if c.drift?.drifted == true { s += " <span class=\"drift\">drift</span>" }
    s += "</h3>\n"
    if let h = c.histogram {
      s += HTML.histogramSVG(h, label: "histogram of \(c.name)") + "\n"
    } else if c.drift?.kind == "categorical" || c.type == .string || c.type == .boolean, let bars = HTMLCharts.categories(c) {
      s += bars + "\n"
    }
    func v(_ st: ColumnStats?, _ f: (ColumnStats) -> String) -> String { st.map(f) ?? "-" }
    let o = c.stats.old
    let n = c.stats.new
    var rows: [[String]] = [
      ["count", v(o) { String($0.count) }, v(n) { String($0.count) }],
      ["nulls", v(o) { String($0.nulls) }, v(n) { String($0.nulls) }],
      ["distinct", v(o) { String($0.distinct) }, v(n) { String($0.distinct) }],
      ["min", v(o) { F.number($0.min) }, v(n) { F.number($0.min) }],
      ["max", v(o) { F.number($0.max) }, v(n) { F.number($0.max) }],
      ["mean", v(o) { F.number($0.mean) }, v(n) { F.number($0.mean) }],
      ["std", v(o) { F.number($0.std) }, v(n) { F.number($0.std) }],
    ]
    for (q, _) in ColumnAnalysis.quantileLevels where o?.quantiles != nil || n?.quantiles != nil {
      rows.append([q, v(o) { F.number($0.quantiles?[q]) }, v(n) { F.number($0.quantiles?[q]) }])
    }
    let topO = o?.top.prefix(3).map { "\(F.truncate($0.value, 20)) (\($0.count))" }.joined(separator: ", ")
    let topN = n?.top.prefix(3).map { "\(F.truncate($0.value, 20)) (\($0.count))" }.joined(separator: ", ")
    if !(topO ?? "").isEmpty || !(topN ?? "").isEmpty { rows.append(["top", topO ?? "-", topN ?? "-"]) }
    if let d = c.drift {
      rows.append(["drift", d.kind, ""])
      if let p = d.psi { rows.append(["PSI", "", F.metric(p)]) }
      if let k = d.ks { rows.append(["KS D (p)", "", "\(F.metric(k)) (\(F.metric(d.ksPValue)))"]) }
      if let j = d.jsDistance { rows.append(["JS distance", "", F.metric(j)]) }
      if let p = d.chiSquarePValue { rows.append(["chi-square p", "", F.metric(p)]) }
      if let n = d.newCategories, !n.isEmpty { rows.append(["new categories", "", n.prefix(10).joined(separator: ", ")]) }
      if let v = d.vanishedCategories, !v.isEmpty { rows.append(["vanished categories", v.prefix(10).joined(separator: ", "), ""]) }
    }
    if let ch = c.changedRows { rows.append(["changed in modified rows", "", String(ch)]) }
    return s + HTML.table(["", "old", "new"], rows) + "</div>\n"
  }

  private func sampleSection() -> String {
    let names = columns.map { $0.name }
    var s = ""
    func rowsTable(_ samples: [RowSample]) -> String {
      return "<div class=\"scroll\">" + HTML.table(names, samples.map { r in names.map { r.values[$0] ?? "" } }) + "</div>"
    }
    if !rows.samples.added.isEmpty {
      s += "<h2 class=\"added\">Added rows (first \(rows.samples.added.count) of \(rows.added))</h2>\n"
      s += rowsTable(rows.samples.added)
    }
    if !rows.samples.removed.isEmpty {
      s += "<h2 class=\"removed\">Removed rows (first \(rows.samples.removed.count) of \(rows.removed))</h2>\n"
      s += rowsTable(rows.samples.removed)
    }
    if !rows.samples.modified.isEmpty {
      s += "<h2 class=\"modified\">Modified rows (first \(rows.samples.modified.count) of \(rows.modified))</h2>\n"
      let body = rows.samples.modified.flatMap { m -> [[String]] in
        let k = key.map { "\($0)=\(m.key[$0] ?? "")" }.joined(separator: " ")
        return m.changes.map { [k, $0.column, $0.old ?? "null", $0.new ?? "null"] }
      }
      s += "<div class=\"scroll\">" + HTML.table(["key", "column", "old", "new"], body) + "</div>"
    }
    return s
  }
}
