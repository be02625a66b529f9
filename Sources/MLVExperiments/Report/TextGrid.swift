/// Aligned plain-text columns: two spaces apart, numbers right-aligned, a dashed rule under
/// the header, no trailing blanks. Widths count characters, which is right for the ASCII
/// and most Latin text that run names and values hold.
enum TextGrid {
  static func render(header: [String], rows: [[String]], rightAligned: [Bool]) -> String {
    var widths = header.map(\.count)
    for row in rows {
      for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
    }
    var out = ""
    out.reserveCapacity((widths.reduce(0, +) + 2 * widths.count + 1) * (rows.count + 2))
    func line(_ cells: [String]) {
      var parts: [String] = []
      parts.reserveCapacity(cells.count)
      for (i, cell) in cells.enumerated() {
        let pad = String(repeating: " ", count: widths[i] - cell.count)
        parts.append(rightAligned[i] ? pad + cell : cell + pad)
      }
      var text = parts.joined(separator: "  ")
      while text.last == " " { text.removeLast() }
      out += text + "\n"
    }
    line(header)
    line(widths.map { String(repeating: "-", count: $0) })
    for row in rows { line(row) }
    return out
  }
}
