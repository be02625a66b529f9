import Foundation

extension TableDiffReport {
  /// Aligned plain-text summary for terminals; `color` adds ANSI colours.
  public func renderText(color: Bool = false) -> String {
    typealias F = TextFormatting
    func paint(_ s: String, _ code: String) -> String { color ? code + s + "\u{1B}[0m" : s }
    let clean = F.clean
    var out =
      "table diff: \(clean(path)) (\(format)\(key.isEmpty ? "" : ", key: " + clean(key.joined(separator: ","))))\n"
    out += "rows: \(rows.old) -> \(rows.new)  "
    out += paint("+\(rows.added) added", F.green) + "  " + paint("-\(rows.removed) removed", F.red) + "  "
    out += paint("~\(rows.modified) modified", F.yellow) + "  (\(rows.unchanged) unchanged)\n"
    if rows.duplicateKeys > 0 { out += "warning: \(rows.duplicateKeys) rows repeat a key; matched by occurrence\n" }

    var schemaParts: [String] = []
    schemaParts += schema.added.map { paint("+" + clean($0), F.green) }
    schemaParts += schema.removed.map { paint("-" + clean($0), F.red) }
    schemaParts += schema.renamed.map { "\(clean($0.from)) -> \(clean($0.to))" }
    schemaParts += schema.typeChanges.map { "\(clean($0.column)): \($0.from.rawValue) -> \($0.to.rawValue)" }
    out += "schema: " + (schemaParts.isEmpty ? "unchanged" : schemaParts.joined(separator: ", ")) + "\n"
    out += "drift: "
    out +=
      drifted
      ? paint("\(driftedColumns.count) of \(columns.count) columns drifted: ", F.red)
        + clean(driftedColumns.joined(separator: ", "))
      : "none"
    out += "\n\n"

    var table: [[String]] = [["column", "type", "status", "nulls", "distinct", "mean", "psi", "ks", "js", "drift"]]
    var colors: [[String?]] = [[nil, nil, nil, nil, nil, nil, nil, nil, nil, nil]]
    for c in columns {
      let o = c.stats.old
      let n = c.stats.new
      func pair<T>(_ f: (ColumnStats) -> T?, _ show: (T?) -> String) -> String {
        if o == nil { return show(n.flatMap(f)) }
        if n == nil { return show(o.flatMap(f)) }
        let a = show(o.flatMap(f))
        let b = show(n.flatMap(f))
        return a == b ? a : "\(a) -> \(b)"
      }
      var type = c.type.rawValue
      if let ot = o?.type, let nt = n?.type, ot != nt { type = "\(ot.rawValue) -> \(nt.rawValue)" }
      let status = c.status == "renamed" ? "renamed from \(clean(c.oldName ?? "?"))" : c.status
      table.append([
        F.truncate(c.name, 32), type, status,
        pair({ $0.nulls }, { $0.map(String.init) ?? "-" }),
        pair({ $0.distinct }, { $0.map(String.init) ?? "-" }),
        pair({ $0.mean }, { F.number($0) }),
        F.metric(c.drift?.psi), F.metric(c.drift?.ks), F.metric(c.drift?.jsDistance),
        c.drift?.drifted == true ? "DRIFT" : "",
      ])
      let statusColor: String? =
        c.status == "added" ? F.green : c.status == "removed" ? F.red : c.status == "renamed" ? F.yellow : nil
      colors.append([nil, nil, statusColor, nil, nil, nil, nil, nil, nil, c.drift?.drifted == true ? F.red : nil])
    }
    out += F.table(table, colors: color ? colors : nil)

    let order =
      columns.filter { $0.status != "removed" }.map { $0.name }
      + columns.filter { $0.status == "removed" }.map { $0.name }
    func line(_ s: RowSample) -> String {
      return order.compactMap { name in s.values[name].map { "\(clean(name))=\(F.truncate($0, 24))" } }.joined(
        separator: " ")
    }
    if !rows.samples.added.isEmpty {
      out += "\nadded rows (first \(rows.samples.added.count) of \(rows.added)):\n"
      for s in rows.samples.added { out += paint("+ " + line(s), F.green) + "\n" }
    }
    if !rows.samples.removed.isEmpty {
      out += "\nremoved rows (first \(rows.samples.removed.count) of \(rows.removed)):\n"
      for s in rows.samples.removed { out += paint("- " + line(s), F.red) + "\n" }
    }
    if !rows.samples.modified.isEmpty {
      out += "\nmodified rows (first \(rows.samples.modified.count) of \(rows.modified)):\n"
      for m in rows.samples.modified {
        let k = key.map { "\(clean($0))=\(F.truncate(m.key[$0] ?? ""))" }.joined(separator: " ")
        let ch = m.changes.map {
          "\(clean($0.column)): \(F.truncate($0.old ?? "null")) -> \(F.truncate($0.new ?? "null"))"
        }
        out += paint("~ " + k, F.yellow) + "  " + ch.joined(separator: ", ") + "\n"
      }
    }
    return out
  }
}
