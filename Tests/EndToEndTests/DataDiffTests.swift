import Foundation
import MLVTestSupport
import Testing

/// `mlv diff` on tables and image-like folders, through the binary; the HTML report is
/// rendered by a real headless Chromium.
@Suite struct DataDiffTests {
  /// 1,000 rows; v2 deletes ids 10..<20, changes `score` of ids 100..<105 and adds ids
  /// 5000..<5007 — exact counts are known.
  func makeTables(_ repo: Repo) throws {
    var v1 = "id,score,group\n"
    for i in 0..<1000 { v1 += "\(i),\(Double(i % 97) / 10),\(["a", "b", "c"][i % 3])\n" }
    try repo.write("data/train.csv", v1)
    try repo.mlvOK("add", "data")
    try repo.mlvOK("commit", "-m", "v1")
    var v2 = "id,score,group\n"
    for i in 0..<1000 where !(10..<20).contains(i) {
      let score = (100..<105).contains(i) ? 99.5 : Double(i % 97) / 10
      v2 += "\(i),\(score),\(["a", "b", "c"][i % 3])\n"
    }
    for i in 5000..<5007 { v2 += "\(i),1.5,a\n" }
    try repo.write("data/train.csv", v2)
    try repo.mlvOK("commit", "-m", "v2")
  }

  @Test func rowLevelCountsWithAKey() throws {
    let repo = try Repo()
    try makeTables(repo)
    let r = try repo.mlvOK("diff", "HEAD~1", "HEAD", "--key", "id", "--json", "--", "data/train.csv")
    let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    let table = (doc["tables"] as! [[String: Any]])[0]
    let rows = table["rows"] as! [String: Any]
    #expect(rows["added"] as? Int == 7)
    #expect(rows["removed"] as? Int == 10)
    #expect(rows["modified"] as? Int == 5)
    let columns = table["columns"] as! [[String: Any]]
    let score = columns.first { $0["name"] as? String == "score" }!
    #expect(score["changedRows"] as? Int == 5)
    let text = try repo.mlvOK("diff", "HEAD~1", "HEAD", "--key", "id", "--", "data/train.csv").stdout
    #expect(text.contains("+7 added") && text.contains("-10 removed") && text.contains("~5 modified"))
  }

  @Test func withoutAKeyAChangedRowIsRemovedPlusAdded() throws {
    let repo = try Repo()
    try makeTables(repo)
    let r = try repo.mlvOK("diff", "HEAD~1", "HEAD", "--json", "--", "data/train.csv")
    let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    let rows = (doc["tables"] as! [[String: Any]])[0]["rows"] as! [String: Any]
    #expect(rows["added"] as? Int == 12)
    #expect(rows["removed"] as? Int == 15)
  }

  @Test func shiftedColumnDriftsAndOthersDoNot() throws {
    let repo = try Repo()
    var v1 = "id,value,steady,kind\n"
    var v2 = "id,value,steady,kind\n"
    var s: UInt64 = 12345
    func uniform() -> Double {
      s = s &* 6364136223846793005 &+ 1442695040888963407
      return Double(s >> 11) / Double(1 << 53)
    }
    for i in 0..<3000 {
      let steady = uniform()
      v1 += "\(i),\(uniform()),\(steady),\(["x", "y"][i % 2])\n"
      v2 += "\(i),\(uniform() + 0.5),\(steady),\(["x", "y"][i % 2])\n"
    }
    try repo.write("data/t.csv", v1)
    try repo.mlvOK("add", "data")
    try repo.mlvOK("commit", "-m", "v1")
    try repo.write("data/t.csv", v2)
    try repo.mlvOK("commit", "-m", "v2")
    let r = try repo.mlv("diff", "HEAD~1", "HEAD", "--json", "--fail-on-drift")
    #expect(r.code == 5)
    let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    let columns = (doc["tables"] as! [[String: Any]])[0]["columns"] as! [[String: Any]]
    func drifted(_ name: String) -> Bool? {
      (columns.first { $0["name"] as? String == name }?["drift"] as? [String: Any])?["drifted"] as? Bool
    }
    #expect(drifted("value") == true)
    #expect(drifted("steady") == false)
    #expect(drifted("kind") == false)
    #expect(try repo.mlv("diff", "HEAD~1", "HEAD").code == 0, "without --fail-on-drift drift is reported, not fatal")
  }

  @Test func malformedCSVNamesTheLine() throws {
    let repo = try Repo()
    try repo.write("data/bad.csv", "a,b\n1,2\n")
    try repo.mlvOK("add", "data")
    try repo.mlvOK("commit", "-m", "v1")
    try repo.write("data/bad.csv", "a,b\n1,2\n3,4,5\n")
    let r = try repo.mlv("diff", "--", "data/bad.csv")
    #expect(r.code == 1)
    #expect(r.stderr.contains("data/bad.csv:3:"), "\(r.stderr)")
  }

  @Test func folderBalanceShowsClassChanges() throws {
    let repo = try Repo()
    for i in 0..<6 { try repo.write("data/cat/\(i).bin", randomBytes(1000, seed: UInt64(i + 1))) }
    for i in 0..<2 { try repo.write("data/dog/\(i).bin", randomBytes(1000, seed: UInt64(i + 50))) }
    try repo.mlvOK("add", "data")
    try repo.mlvOK("commit", "-m", "v1")
    for i in 2..<6 { try repo.write("data/dog/\(i).bin", randomBytes(1000, seed: UInt64(i + 50))) }
    try repo.remove("data/cat/0.bin")
    let r = try repo.mlvOK("diff", "--json")
    let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    let balance = (doc["folders"] as! [String: Any])["data"] as! [String: Any]
    let folders = balance["folders"] as! [[String: Any]]
    let dog = folders.first { $0["folder"] as? String == "dog" }!
    let cat = folders.first { $0["folder"] as? String == "cat" }!
    #expect(dog["oldCount"] as? Int == 2 && dog["newCount"] as? Int == 6)
    #expect(cat["oldCount"] as? Int == 6 && cat["newCount"] as? Int == 5)
  }

  /// The HTML page is self-contained and renders in a real browser: Chromium parses it,
  /// and a screenshot contains the two histogram colours.
  @Test func htmlReportRendersInChromium() throws {
    let repo = try Repo()
    try makeTables(repo)
    try repo.mlvOK("diff", "HEAD~1", "HEAD", "--key", "id", "--html", "report.html")
    let html = String(decoding: repo.read("report.html") ?? [], as: UTF8.self)
    #expect(html.contains("<svg") && html.contains("data/train.csv"))
    #expect(!html.contains("http://") || !html.contains("<script"), "no network, no scripts")
    #expect(!html.contains("<script"))
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    guard let chromium else {
      Issue.record("chromium is not installed (scripts/setup.sh --test installs it)")
      return
    }
    let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(repo.path)/.chrome"]
    let dom = try exec(chromium, flags + ["--dump-dom", "file://\(repo.path)/report.html"], cwd: repo.path)
    #expect(dom.code == 0)
    #expect(dom.stdout.contains("<svg") && dom.stdout.contains("score"))
    let shot = try exec(
      chromium, flags + ["--window-size=1200,1600", "--screenshot=\(repo.path)/report.png", "file://\(repo.path)/report.html"],
      cwd: repo.path)
    #expect(shot.code == 0)
    let colours = try exec(
      "python3", [corpusDirectory() + "/png_pixels.py", "hues", repo.path + "/report.png"], cwd: repo.path
    ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    // The overlaid histograms draw old in blue and new in orange (translucent on white).
    #expect(colours.contains("blue") && colours.contains("orange"), "screenshot colours: \(colours)")
  }
}
