import Foundation

/// Per-step metrics read from a plots file (as DVC plots): CSV with a header row, or JSON
/// Lines of flat objects. The x column is `step` (else `epoch`, else the row number);
/// every other column with numbers becomes a series. Cells that are not finite numbers
/// are skipped. Limits keep a hostile file from costing more than it is worth.
public enum StepSeries {
  public static let maxRows = 100_000
  public static let maxColumns = 64

  /// Column name to (x, y) points in file order.
  public static func parse(_ bytes: [UInt8], path: String) throws -> [String: [(x: Double, y: Double)]] {
    let text = String(decoding: bytes, as: UTF8.self)
    let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).map(String.init).filter {
      !$0.trimmingCharacters(in: .whitespaces).isEmpty
    }
    guard lines.count <= maxRows + 1 else { throw ExperimentError.malformedMetrics(path: path, reason: "more than \(maxRows) rows") }
    var rows: [[String: Double]] = []
    if path.hasSuffix(".jsonl") || path.hasSuffix(".ndjson") || lines.first?.hasPrefix("{") == true {
      for (i, line) in lines.enumerated() {
        guard case .mapping(let pairs)? = try? JSONText.parse(line) else {
          throw ExperimentError.malformedMetrics(path: path, reason: "line \(i + 1) is not a JSON object")
        }
        var row: [String: Double] = [:]
        for (k, v) in pairs.prefix(maxColumns) {
          if case .scalar(let value) = v, let n = value.number, n.isFinite { row[k] = n }
        }
        rows.append(row)
      }
    } else {
      guard let header = lines.first.map(csvFields) else { return [:] }
      guard header.count <= maxColumns else { throw ExperimentError.malformedMetrics(path: path, reason: "more than \(maxColumns) columns") }
      for line in lines.dropFirst() {
        var row: [String: Double] = [:]
        for (k, cell) in zip(header, csvFields(line)) {
          if let d = Double(cell.trimmingCharacters(in: .whitespaces)), d.isFinite { row[k] = d }
        }
        rows.append(row)
      }
    }
    let keys = Set(rows.flatMap(\.keys))
    let xKey = ["step", "epoch", "iteration", "iter"].first { keys.contains($0) }
    var out: [String: [(x: Double, y: Double)]] = [:]
    for (i, row) in rows.enumerated() {
      let x = xKey.flatMap { row[$0] } ?? Double(i)
      for (k, v) in row where k != xKey { out[k, default: []].append((x, v)) }
    }
    return out
  }

  /// The name of the x axis a file uses.
  public static func xLabel(_ bytes: [UInt8]) -> String {
    let head = String(decoding: bytes.prefix(4096), as: UTF8.self)
    return ["step", "epoch", "iteration", "iter"].first { head.contains($0) } ?? "row"
  }

  /// RFC 4180 fields of one line (quotes and doubled quotes).
  static func csvFields(_ line: String) -> [String] {
    var fields: [String] = []
    var cur = ""
    var quoted = false
    var chars = Array(line)[...]
    while let c = chars.popFirst() {
      if quoted {
        if c == "\"" {
          if chars.first == "\"" { cur.append("\""); chars = chars.dropFirst() } else { quoted = false }
        } else { cur.append(c) }
      } else if c == "\"" { quoted = true } else if c == "," { fields.append(cur); cur = "" } else { cur.append(c) }
    }
    fields.append(cur)
    return fields
  }
}
