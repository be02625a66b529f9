import Foundation
import Testing

@testable import MLVTable

@Suite struct RenderTests {
  func report(_ dir: TempDir) throws -> TableDiffReport {
    var rng = LCG(state: 3)
    let header = ["id", "label", "x", "y", "flag"]
    let old = (0..<400).map { ["\($0)", "l\($0 % 3)", String(format: "%.3f", rng.normal()), "\($0 % 9)", "true"] }
    var new = old
    new[5][1] = "<script>alert('x&y')</script>"
    new.append(["400", "\"quoted\"", "1.0", "2", "false"])
    let o = try dir.write("a.csv", csv(header, old))
    let n = try dir.write(
      "b.csv",
      csv(
        header,
        new.map { r in r.map { $0.contains("\"") ? "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : $0 }
        }))
    return try #require(
      try TableDiff.compare(old: o, new: n, displayPath: "data/<t>.csv", options: .init(keyColumns: ["id"])))
  }

  @Test func htmlEscapesDataAndDrawsOneSVGPerNumericColumn() throws {
    let dir = try TempDir()
    let r = try report(dir)
    let html = r.renderHTML(title: "diff of <t> & co")
    #expect(!html.contains("<script>"))
    #expect(html.contains("&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;"))
    #expect(html.contains("&quot;quoted&quot;"))
    #expect(html.contains("<title>diff of &lt;t&gt; &amp; co</title>"))
    #expect(!html.contains("http://") || !html.contains("<link"))
    let numeric = r.columns.filter { $0.type == .integer || $0.type == .float }.count
    #expect(numeric == 3)
    #expect(html.components(separatedBy: "aria-label=\"histogram of").count - 1 == numeric)
    // Categorical columns get bar charts with both versions instead.
    let categorical = r.columns.filter { $0.histogram == nil && !($0.stats.new?.top ?? $0.stats.old?.top ?? []).isEmpty }.count
    #expect(html.components(separatedBy: "aria-label=\"categories of").count - 1 == categorical)
    #expect(!html.contains("<script"))
  }

  @Test func jsonIsStableAndDocumentedShape() throws {
    let dir = try TempDir()
    let a = try report(dir).jsonData()
    let b = try report(dir).jsonData()
    #expect(a == b)
    let obj = try #require(try JSONSerialization.jsonObject(with: a) as? [String: Any])
    for k in ["format", "rows", "schema", "columns", "drifted", "thresholds", "version", "key", "path"] {
      #expect(obj[k] != nil, "missing \(k)")
    }
    let rows = try #require(obj["rows"] as? [String: Any])
    #expect(rows["added"] as? Int == 1 && rows["modified"] as? Int == 1 && rows["removed"] as? Int == 0)
    #expect(rows["samples"] is [String: Any])
    let schema = try #require(obj["schema"] as? [String: Any])
    #expect(Set(schema.keys) == ["added", "removed", "renamed", "typeChanges"])
    let cols = try #require(obj["columns"] as? [[String: Any]])
    let x = try #require(cols.first { $0["name"] as? String == "x" })
    let stats = try #require(x["stats"] as? [String: Any])
    #expect(stats["old"] != nil && stats["new"] != nil)
    let drift = try #require(x["drift"] as? [String: Any])
    #expect(drift["psi"] != nil && drift["ks"] != nil && drift["ksPValue"] != nil && drift["drifted"] != nil)
    #expect(drift["thresholds"] != nil)
    // Keys are sorted: "columns" comes before "drifted" before "format".
    let text = String(decoding: a, as: UTF8.self)
    let ci = try #require(text.range(of: "\"columns\""))
    let fi = try #require(text.range(of: "\"format\""))
    #expect(ci.lowerBound < fi.lowerBound)
    let decoded = try JSONDecoder().decode(TableDiffReport.self, from: a)
    #expect(try decoded.jsonData() == a)
  }

  @Test func textRenderingIsAlignedAndColouredOnRequest() throws {
    let dir = try TempDir()
    let r = try report(dir)
    let plain = r.renderText(color: false)
    #expect(plain.contains("rows: 400 -> 401  +1 added  -0 removed  ~1 modified  (399 unchanged)"))
    #expect(plain.contains("schema: unchanged"))
    #expect(!plain.contains("\u{1B}["))
    let lines = plain.split(separator: "\n")
    let header = try #require(lines.first { $0.hasPrefix("column") })
    let xLine = try #require(lines.first { $0.hasPrefix("x ") })
    // Aligned: the "type" column starts at the same offset in the header and rows.
    #expect(
      header.range(of: "type")?.lowerBound.utf16Offset(in: header)
        == xLine.range(of: "float")?.lowerBound.utf16Offset(in: xLine))
    #expect(plain.contains("~ id=5  label: l2 -> <script>alert('x&y')</script>"))
    #expect(r.renderText(color: true).contains("\u{1B}[32m+1 added"))
  }
}

@Suite struct TerminalSafetyTests {
  @Test func controlCharactersInDataAreShownEscaped() throws {
    let dir = try TempDir()
    let old = try dir.write("a.csv", "k,v\n1,a\n")
    let new = try dir.write("b.csv", "k,v\n1,a\n2,\"\u{1B}[2Jboom\nnext\"\n")
    let r = try #require(try TableDiff.compare(old: old, new: new, displayPath: "t", options: .init()))
    let text = r.renderText(color: false)
    #expect(!text.contains("\u{1B}"))
    #expect(text.contains("v=\\u{1b}[2Jboom\\nnext"))
  }

  @Test func proseWithCommasIsNotATable() throws {
    let dir = try TempDir()
    var prose = ""
    for i in 0..<3000 { prose += "Line \(i), with some words\(i % 3 == 0 ? ", and more" : "").\n" }
    let p = try dir.write("NOTES", prose)
    #expect(try TableFormat.detect(path: p) == nil)
  }
}
