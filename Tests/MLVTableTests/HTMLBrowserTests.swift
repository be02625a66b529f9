import Foundation
import Testing

@testable import MLVTable

/// The pull-request report in headless Chromium (installed by scripts/setup.sh), at a
/// desktop and a phone width: the summary comes first and fits one desktop screen, the
/// file list is collapsed, and the page never scrolls sideways, even for a table of 120
/// columns with long nested values. A test-only script measures the layout and writes
/// the results into the DOM that `--dump-dom` prints; the report itself has no scripts.
@Suite(.enabled(if: Chromium.path != nil, "chromium is not installed"))
struct HTMLBrowserTests {
  func wideReport(_ dir: TempDir) throws -> TableDiffReport {
    let names = ["id", "cat", "nested"] + (0..<120).map { "feature_\($0)_with_a_long_name" }
    func rows(_ version: Int) -> [[String]] {
      (0..<300).map { i in
        let cat = version == 2 && i % 10 == 0 ? "brand-new-label" : ["red", "green", "blue"][i % 3]
        let nested = "\"{\"\"tags\"\":[\"\"a\"\",\"\"b\"\"],\"\"deep\"\":{\"\"x\"\":\(i),\"\"text\"\":\"\"\(String(repeating: "long", count: 30))\"\"}}\""
        return ["\(i)", cat, nested] + (0..<120).map { c in String((i * (c + 1) + (version == 2 && c == 5 ? 900 : 0)) % 1000) }
      }
    }
    let a = try dir.write("a.csv", csv(names, rows(1)))
    let b = try dir.write("b.csv", csv(names, rows(2)))
    return try #require(try TableDiff.compare(old: a, new: b, displayPath: "data/wide.csv", options: .init(keyColumns: ["id"])))
  }

  static let probe = """
    <script>
    const s = document.getElementById('summary'), f = document.getElementById('files');
    const b = document.body;
    b.setAttribute('data-overflow', String(document.documentElement.scrollWidth > window.innerWidth));
    b.setAttribute('data-order', String(!!(s && f && (s.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING))));
    b.setAttribute('data-files-open', String(!!(f && f.open)));
    b.setAttribute('data-summary-bottom', String(Math.round(s.getBoundingClientRect().bottom)));
    b.setAttribute('data-height', String(window.innerHeight));
    </script>
    """

  @Test func summaryFirstCollapsedFilesNoSidewaysScrollAtDesktopAndPhoneWidth() throws {
    let dir = try TempDir()
    let report = try wideReport(dir)
    #expect(report.driftedColumns.contains("cat"))
    let cat = try #require(report.columns.first { $0.name == "cat" })
    #expect(cat.drift?.newCategories == ["brand-new-label"])
    let page = HTMLReport.pullRequestPage(
      title: "mlv diff HEAD workspace", tables: [report],
      filesText: "data/wide.csv (file): 1 MB -> 1 MB\n  modified  data/wide.csv", filesChanged: 1)
    #expect(page.contains("id=\"summary\"") && page.contains("<details id=\"files\">") && page.contains("(new)"))
    #expect(page.contains("χ² p"))
    let html = dir.url.appendingPathComponent("report.html")
    try page.replacingOccurrences(of: "</body>", with: Self.probe + "</body>").write(to: html, atomically: true, encoding: .utf8)
    for (width, height) in [(1280, 900), (390, 844)] {
      let dom = try Chromium.dumpDOM(html.path, width: width, height: height)
      func attr(_ name: String) -> String? {
        guard let r = dom.range(of: "\(name)=\"") else { return nil }
        return String(dom[r.upperBound...].prefix { $0 != "\"" })
      }
      #expect(attr("data-overflow") == "false", "sideways scroll at width \(width)")
      #expect(attr("data-order") == "true")
      #expect(attr("data-files-open") == "false")
      if width == 1280, let bottom = attr("data-summary-bottom").flatMap(Int.init) {
        #expect(bottom <= height, "summary ends at \(bottom)px on a \(height)px screen")
      }
      // Screenshots for a person to look at (kept in the temporary directory).
      if let out = ProcessInfo.processInfo.environment["MLV_HTML_SCREENSHOTS"] {
        try Chromium.screenshot(html.path, to: "\(out)/report-\(width).png", width: width, height: height)
      }
    }
  }
}

enum Chromium {
  static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }

  static func run(_ args: [String]) throws -> String {
    let profile = FileManager.default.temporaryDirectory.appendingPathComponent("mlv-chromium-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: profile) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path!)
    p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(profile)"] + args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
  }

  static func dumpDOM(_ file: String, width: Int, height: Int) throws -> String {
    return try run(["--window-size=\(width),\(height)", "--dump-dom", "file://" + file])
  }

  static func screenshot(_ file: String, to png: String, width: Int, height: Int) throws {
    _ = try run(["--window-size=\(width),\(height)", "--screenshot=\(png)", "file://" + file])
  }
}
