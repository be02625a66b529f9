/// Aligned plain-text columns: two spaces apart, numbers right-aligned, a dashed rule under
/// the header, no trailing blanks. Widths count characters, which is right for the ASCII
/// and most Latin text that run names and values hold.
enum TextGrid {
  /// `groups`, when given, names a group per column (nil for none): a line above the
  /// header shows each group's name over its first column.
  static func render(header: [String], rows: [[String]], rightAligned: [Bool], groups: [String?]? = nil) -> String {
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
    if let groups, groups.contains(where: { $0 != nil }) {
      // a group's name starts over its first column and may run over the next ones
      var text = ""
      var col = 0
      var previous: String? = nil
      for (i, g) in groups.enumerated() {
        if let g, g != previous {
          if text.count < col { text += String(repeating: " ", count: col - text.count) } else if !text.isEmpty { text += " " }
          text += g
        }
        previous = g
        col += widths[i] + 2
      }
      out += text + "\n"
    }
    line(header)
    line(widths.map { String(repeating: "-", count: $0) })
    for row in rows { line(row) }
    return out
  }
}
