import Foundation
import MLVGit
import MLVTable

/// `mlv lineage --html`: the lineage tree (LineageGraph) drawn as one self-contained page,
/// inline SVG and CSS only (no script, no network), so it opens anywhere and can be
/// attached to a review or an audit. Inputs flow left to right: imported sources and the
/// inputs of runs, the runs, the artifact, and on the right the registry versions and
/// stages that name it.
enum LineageHTML {
  /// Node fills; the browser test looks for them on the screenshot. Boxes are 270x64.
  static let colours = ["artifact": "#4e79a7", "run": "#f28e2b", "import": "#59a14f", "registry": "#b07aa1"]

  struct Box {
    var kind: String
    var lines: [String]
    var column: Int
    var row = 0
  }

  static let width = 270, height = 64, gapX = 50, gapY = 22

  static func render(_ root: [String: Any], commit: GitOID) -> String {
    var boxes: [Box] = []
    var edges: [(from: Int, to: Int)] = []
    // Columns count back from the artifact (0); registry versions sit at -1.
    func add(_ b: Box) -> Int {
      boxes.append(b)
      return boxes.count - 1
    }
    func artifact(_ n: [String: Any], column: Int) -> Int {
      let oid = (n["oid"] as? String).map { String($0.prefix(12)) } ?? "?"
      let me = add(Box(kind: "artifact", lines: [n["path"] as? String ?? "?", "id " + oid], column: column))
      if let i = n["imported"] as? [String: String] {
        let rev = (i["rev"] ?? "").isEmpty ? "" : " (\(i["rev"] ?? ""))"
        let src = add(Box(
          kind: "import", lines: ["imported: \(i["path"] ?? "")", "\(i["url"] ?? "") @ \(String((i["commit"] ?? "").prefix(7)))\(rev)"],
          column: column + 1))
        edges.append((src, me))
      }
      if let m = n["producedBy"] as? [String: Any] {
        let cmd = (m["command"] as? [String] ?? []).joined(separator: " ")
        let params = (m["params"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
          .joined(separator: " ")
        var lines = ["run \(m["run"] as? String ?? "?") @ \(String((m["commit"] as? String ?? "").prefix(7)))", cmd]
        if !params.isEmpty { lines.append(params) }
        lines.append("\(m["os"] as? String ?? "?"), mlv \(m["mlv"] as? String ?? "?")")
        let run = add(Box(kind: "run", lines: lines, column: column + 1))
        edges.append((run, me))
        for input in m["inputs"] as? [[String: Any]] ?? [] { edges.append((artifact(input, column: column + 2), run)) }
      }
      return me
    }
    let rootBox = artifact(root, column: 0)
    for r in root["registered"] as? [[String: Any]] ?? [] {
      let stages = r["stages"] as? [String] ?? []
      let box = add(Box(
        kind: "registry", lines: [r["version"] as? String ?? "?", stages.isEmpty ? "no stage" : "stages: " + stages.joined(separator: ", ")],
        column: -1))
      edges.append((rootBox, box))
    }
    // Rows: in order of appearance within each column.
    var used: [Int: Int] = [:]
    for i in boxes.indices {
      boxes[i].row = used[boxes[i].column, default: 0]
      used[boxes[i].column, default: 0] += 1
    }
    let maxColumn = boxes.map(\.column).max() ?? 0
    let minColumn = boxes.map(\.column).min() ?? 0
    let rows = used.values.max() ?? 1
    func x(_ b: Box) -> Int { 20 + (maxColumn - b.column) * (width + gapX) }
    func y(_ b: Box) -> Int { 20 + b.row * (height + gapY) }
    let svgWidth = 40 + (maxColumn - minColumn + 1) * (width + gapX) - gapX
    let svgHeight = 40 + rows * (height + gapY) - gapY

    var svg = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(svgWidth)" height="\(svgHeight)" viewBox="0 0 \(svgWidth) \(svgHeight)">
      <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>

      """
    for e in edges {
      let (a, b) = (boxes[e.from], boxes[e.to])
      let (x1, y1, x2, y2) = (x(a) + width, y(a) + height / 2, x(b), y(b) + height / 2)
      let mid = (x1 + x2) / 2
      svg += "<path class=\"edge\" d=\"M\(x1),\(y1) C\(mid),\(y1) \(mid),\(y2) \(x2),\(y2)\" fill=\"none\" stroke=\"#555\" stroke-width=\"2\" marker-end=\"url(#arrow)\"/>\n"
    }
    for b in boxes {
      svg += "<g class=\"node \(b.kind)\"><rect x=\"\(x(b))\" y=\"\(y(b))\" width=\"\(width)\" height=\"\(height)\" rx=\"8\" fill=\"\(colours[b.kind] ?? "#999")\"/>"
      for (i, line) in b.lines.prefix(4).enumerated() {
        // 12px monospace: about 7.2px a character, so 35 fit in a box.
        let text = line.count > 35 ? String(line.prefix(34)) + "…" : line
        svg += "<text x=\"\(x(b) + 10)\" y=\"\(y(b) + 16 + i * 14)\"\(i == 0 ? " font-weight=\"bold\"" : "")>\(HTMLReport.escape(text))</text>"
      }
      svg += "<title>\(HTMLReport.escape(b.lines.joined(separator: "\n")))</title></g>\n"
    }
    svg += "</svg>"

    let title = HTMLReport.escape("Lineage of \(root["path"] as? String ?? "?") at \(commit.short)")
    return """
      <!DOCTYPE html>
      <html><head><meta charset="utf-8"><title>\(title)</title>
      <style>
      body { font-family: sans-serif; margin: 16px; color: #222; }
      svg text { font-family: monospace; font-size: 12px; fill: #fff; }
      .legend span { display: inline-block; padding: 2px 8px; margin-right: 8px; color: #fff; border-radius: 4px; }
      </style></head><body>
      <h1>\(title)</h1>
      <p class="legend"><span style="background:\(colours["import"]!)">imported source</span><span style="background:\(colours["run"]!)">run</span><span style="background:\(colours["artifact"]!)">artifact</span><span style="background:\(colours["registry"]!)">registry version</span></p>
      \(svg)
      </body></html>

      """
  }
}
