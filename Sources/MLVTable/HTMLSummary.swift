/// The one-screen summary at the top of a pull-request report: how many tables
/// changed, rows added/removed/modified, schema changes and the drifted columns with
/// their scores, one line per table.
enum HTMLSummary {
  static func score(_ d: ColumnDrift) -> String {
    typealias F = TextFormatting
    var parts: [String] = []
    if let p = d.psi { parts.append("PSI \(F.metric(p))") }
    if let k = d.ks { parts.append("KS \(F.metric(k))") }
    if let j = d.jsDistance { parts.append("JS \(F.metric(j))") }
    if let c = d.chiSquarePValue { parts.append("χ² p \(F.metric(c))") }
    if let n = d.newCategories, !n.isEmpty { parts.append("\(n.count) new") }
    if let v = d.vanishedCategories, !v.isEmpty { parts.append("\(v.count) gone") }
    return parts.joined(separator: ", ")
  }

  static func render(_ tables: [TableDiffReport], filesChanged: Int?) -> String {
    let schemaChanges = tables.reduce(0) {
      $0 + $1.schema.added.count + $1.schema.removed.count + $1.schema.renamed.count + $1.schema.typeChanges.count
    }
    let drifted = tables.reduce(0) { $0 + $1.driftedColumns.count }
    var s = "<section id=\"summary\"><h2>Summary</h2>\n<p class=\"totals\">"
    if let f = filesChanged { s += "<b>\(f)</b> files changed · " }
    s += "<b>\(tables.count)</b> tables changed · rows <span class=\"added\">+\(tables.reduce(0) { $0 + $1.rows.added })</span>"
    s += " <span class=\"removed\">−\(tables.reduce(0) { $0 + $1.rows.removed })</span>"
    s += " <span class=\"modified\">~\(tables.reduce(0) { $0 + $1.rows.modified })</span>"
    s += " · <b>\(schemaChanges)</b> schema changes · "
    s += drifted > 0 ? "<span class=\"drift\">\(drifted) drifted columns</span>" : "<span class=\"ok\">no drift</span>"
    s += "</p>\n"
    guard !tables.isEmpty else { return s + "</section>\n" }
    var rows: [[String]] = []
    for t in tables {
      var schema: [String] = []
      if !t.schema.added.isEmpty { schema.append("+\(t.schema.added.count) columns") }
      if !t.schema.removed.isEmpty { schema.append("−\(t.schema.removed.count) columns") }
      if !t.schema.renamed.isEmpty { schema.append("\(t.schema.renamed.count) renamed") }
      if !t.schema.typeChanges.isEmpty { schema.append("\(t.schema.typeChanges.count) type changes") }
      let driftCells = t.columns.filter { $0.drift?.drifted == true }.map { c in
        "<code>\(HTML.escape(c.name))</code> <small>\(HTML.escape(c.drift.map(score) ?? ""))</small>"
      }
      rows.append([
        "<a href=\"#\(anchor(t.path))\"><code>\(HTML.escape(t.path))</code></a>",
        "\(t.rows.old) → \(t.rows.new)",
        "<span class=\"added\">+\(t.rows.added)</span> <span class=\"removed\">−\(t.rows.removed)</span> <span class=\"modified\">~\(t.rows.modified)</span>",
        HTML.escape(schema.isEmpty ? "unchanged" : schema.joined(separator: ", ")),
        driftCells.isEmpty ? "<span class=\"ok\">none</span>" : driftCells.joined(separator: "<br>"),
      ])
    }
    s += "<div class=\"scroll\">" + HTML.table(["table", "rows", "changes", "schema", "drifted columns"], rows, rawCells: true)
    return s + "</div></section>\n"
  }

  /// A fragment id for a table's section.
  static func anchor(_ path: String) -> String {
    return "t-" + String(path.unicodeScalars.map { c in
      (c.properties.isAlphabetic || ("0"..."9").contains(c)) && c.isASCII ? Character(c) : "-"
    })
  }
}

extension HTMLReport {
  /// A report to attach to a pull request: the summary first (one screen), then the
  /// changed files collapsed, then one section per table and any further sections.
  public static func pullRequestPage(
    title: String, tables: [TableDiffReport], filesText: String, filesChanged: Int,
    extra: [(heading: String, body: String)] = []
  ) -> String {
    var body = HTMLSummary.render(tables, filesChanged: filesChanged)
    body += "<details id=\"files\"><summary>Files (\(filesChanged) changed)</summary>\n<pre>\(HTML.escape(filesText))</pre></details>\n"
    for t in tables {
      body += "<section class=\"table\" id=\"\(HTMLSummary.anchor(t.path))\"><h2>\(HTML.escape(t.path))</h2>\n\(t.renderHTMLBody())</section>\n"
    }
    for e in extra { body += "<section><h2>\(HTML.escape(e.heading))</h2>\n\(e.body)</section>\n" }
    return HTML.page(title: title, body: body)
  }
}
