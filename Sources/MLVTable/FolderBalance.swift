import Foundation

/// Files and bytes per top-level folder (the class, for image-like datasets) in both
/// versions.
public struct FolderBalanceEntry: Codable, Equatable, Sendable {
  /// First path component; `.` for files at the root.
  public var folder: String
  public var oldCount: Int
  public var newCount: Int
  public var oldBytes: Int64
  public var newBytes: Int64
  public var countDelta: Int { newCount - oldCount }
  public var bytesDelta: Int64 { newBytes - oldBytes }

  enum CodingKeys: String, CodingKey { case folder, oldCount, newCount, oldBytes, newBytes, countDelta, bytesDelta }

  public init(folder: String, oldCount: Int = 0, newCount: Int = 0, oldBytes: Int64 = 0, newBytes: Int64 = 0) {
    self.folder = folder
    self.oldCount = oldCount
    self.newCount = newCount
    self.oldBytes = oldBytes
    self.newBytes = newBytes
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    folder = try c.decode(String.self, forKey: .folder)
    oldCount = try c.decode(Int.self, forKey: .oldCount)
    newCount = try c.decode(Int.self, forKey: .newCount)
    oldBytes = try c.decode(Int64.self, forKey: .oldBytes)
    newBytes = try c.decode(Int64.self, forKey: .newBytes)
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(folder, forKey: .folder)
    try c.encode(oldCount, forKey: .oldCount)
    try c.encode(newCount, forKey: .newCount)
    try c.encode(oldBytes, forKey: .oldBytes)
    try c.encode(newBytes, forKey: .newBytes)
    try c.encode(countDelta, forKey: .countDelta)
    try c.encode(bytesDelta, forKey: .bytesDelta)
  }
}

public struct FolderBalanceReport: Codable, Equatable, Sendable {
  /// Sorted by folder name.
  public var folders: [FolderBalanceEntry]
  public var total: FolderBalanceEntry

  public func jsonData() throws -> Data {
    try ReportJSON.encoder().encode(self)
  }

  public func renderText(color: Bool = false) -> String {
    typealias F = TextFormatting
    var rows: [[String]] = [["folder", "files", "delta", "bytes", "delta"]]
    var colors: [[String?]] = [[nil, nil, nil, nil, nil]]
    for e in folders + [total] {
      rows.append([
        F.clean(e.folder), "\(e.oldCount) -> \(e.newCount)", F.signed(Int64(e.countDelta)),
        "\(F.bytes(e.oldBytes)) -> \(F.bytes(e.newBytes))", F.signed(e.bytesDelta),
      ])
      let c: String? = e.countDelta > 0 ? F.green : e.countDelta < 0 ? F.red : nil
      colors.append([nil, nil, c, nil, nil])
    }
    return F.table(rows, colors: color ? colors : nil)
  }

  public func renderHTML(title: String) -> String { HTML.page(title: title, body: renderHTMLBody()) }

  /// The page's content without the page around it, to combine several reports in one page.
  public func renderHTMLBody() -> String {
    let peak = Double(max(folders.map { max($0.oldCount, $0.newCount) }.max() ?? 1, 1))
    var rows: [[String]] = []
    for e in folders + [total] {
      let bar: String
      if e.folder == total.folder && e == total {
        bar = ""
      } else {
        let wo = Double(e.oldCount) / peak * 200
        let wn = Double(e.newCount) / peak * 200
        bar = String(
          format: "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"14\">"
            + "<rect x=\"0\" y=\"0\" width=\"%.1f\" height=\"6\" fill=\"#1f77b4\"/>"
            + "<rect x=\"0\" y=\"7\" width=\"%.1f\" height=\"6\" fill=\"#ff7f0e\"/></svg>", wo, wn)
      }
      rows.append([
        HTML.escape(e.folder), "\(e.oldCount)", "\(e.newCount)", TextFormatting.signed(Int64(e.countDelta)),
        HTML.escape(TextFormatting.bytes(e.oldBytes)), HTML.escape(TextFormatting.bytes(e.newBytes)),
        TextFormatting.signed(e.bytesDelta), bar,
      ])
    }
    let body =
      HTML.legend
      + HTML.table(
        ["folder", "old files", "new files", "delta", "old bytes", "new bytes", "delta", ""], rows, rawCells: true)
    return body
  }
}

public enum FolderBalance {
  /// Groups (relativePath, size) lists by top-level folder and compares the versions.
  public static func compare(old: [(String, Int64)], new: [(String, Int64)]) -> FolderBalanceReport {
    var by: [String: FolderBalanceEntry] = [:]
    func folder(_ path: String) -> String {
      let trimmed = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
      guard let slash = trimmed.firstIndex(of: "/") else { return "." }
      return String(trimmed[..<slash])
    }
    for (p, size) in old {
      let f = folder(p)
      by[f, default: FolderBalanceEntry(folder: f)].oldCount += 1
      by[f, default: FolderBalanceEntry(folder: f)].oldBytes += size
    }
    for (p, size) in new {
      let f = folder(p)
      by[f, default: FolderBalanceEntry(folder: f)].newCount += 1
      by[f, default: FolderBalanceEntry(folder: f)].newBytes += size
    }
    let folders = by.values.sorted { $0.folder < $1.folder }
    var total = FolderBalanceEntry(folder: "total")
    for e in folders {
      total.oldCount += e.oldCount
      total.newCount += e.newCount
      total.oldBytes += e.oldBytes
      total.newBytes += e.newBytes
    }
    return FolderBalanceReport(folders: folders, total: total)
  }
}
