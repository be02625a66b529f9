import Foundation
import MLVTestSupport
import Testing

/// Lineage drawn as a page (checked in headless Chromium), signed into an attestation and
/// checked against the repository, and `status --check-imports`, between two repositories
/// sharing a local-path remote.
@Suite(.serialized) struct RegistryLineageTests {
  private func source() throws -> (Repo, String) {
    let src = try Repo()
    let remote = makeTempDir("mlv-src-remote")
    for i in 0..<3 { try src.write("data/images/\(i).bin", randomBytes(40_000 + i, seed: UInt64(10 + i))) }
    try src.write("data/labels.csv", "id,label\n1,cat\n")
    try src.mlvOK("add", "data")
    try src.mlvOK("remote", "add", "origin", remote)
    try src.mlvOK("commit", "-m", "v1")
    try src.git("tag", "v1")
    try src.mlvOK("push")
    return (src, remote)
  }

  @Test func lineageIsSignedCheckedAndDrawn() throws {
    let (src, remote) = try source()
    defer { try? FileManager.default.removeItem(atPath: remote) }
    let dst = try Repo()
    try dst.mlvOK("import", src.path, "data", "--rev", "v1")
    try dst.write("params.yaml", "lr: 0.1\n")
    try dst.git("add", "-A")
    try dst.git("commit", "-q", "-m", "import and params")
    try dst.mlvOK("run", "-n", "train", "-p", "params.yaml", "-d", "data", "-o", "model.bin", "--", "sh", "-c", "cat data/labels.csv > model.bin")
    let keys = makeTempDir("mlv-lineage-keys")
    defer { try? FileManager.default.removeItem(atPath: keys) }
    #expect(try exec("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "ci", "-f", keys + "/ci"], cwd: keys).code == 0)
    let pub = try String(contentsOfFile: keys + "/ci.pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    try Data("ci@example.com \(pub)\n".utf8).write(to: URL(fileURLWithPath: keys + "/allowed"))
    let reg = try dst.mlvOK("model", "register", "churn", "model.bin", "v1.0.0", "--rev", "refs/mlv/runs/train", "--sign", keys + "/ci")
    #expect(reg.stdout.contains("made by run train"), "\(reg.stdout)")
    try dst.mlvOK("model", "promote", "churn", "v1.0.0", "prod")

    // The signed predicate is the lineage `mlv lineage --json` gives, without the forward part.
    let json = try jsonObject(try dst.mlvOK("lineage", "model.bin", "--rev", "refs/mlv/runs/train", "--json").stdout)
    let statement = try jsonObject(try exec("git", ["show", "mlv-attestation/churn/v1.0.0:statement.json"], cwd: dst.path).stdout)
    var forward = json
    forward["registered"] = nil
    let signed = try #require((statement["predicate"] as? [String: Any])?["lineage"] as? [String: Any])
    #expect(NSDictionary(dictionary: signed).isEqual(to: forward))
    let input = try #require(((signed["producedBy"] as? [String: Any])?["inputs"] as? [[String: Any]])?.first)
    #expect((input["imported"] as? [String: String])?["commit"] == (try src.gitOut("rev-parse", "v1")))
    let verified = try dst.mlvOK("model", "verify", "churn@v1.0.0", "--allowed-signers", keys + "/allowed")
    #expect(verified.stdout.contains("lineage: matches"), "\(verified.stdout)")

    // The page: self-contained, every node drawn, and Chromium shows it.
    let page = try dst.mlvOK("lineage", "model.bin", "--rev", "refs/mlv/runs/train", "--html", "lineage.html")
    #expect(page.stdout.contains("lineage.html"))
    let html = String(decoding: dst.read("lineage.html") ?? [], as: UTF8.self)
    for kind in ["artifact", "run", "import", "registry"] { #expect(html.contains("class=\"node \(kind)\""), "\(kind)") }
    #expect(html.contains("churn@v1.0.0") && html.contains("stages: prod") && html.contains("run train"))
    #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href="))
    let shot = dst.path + "/lineage.png"
    let chrome = try exec(
      "chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + dst.path + "/.chromium",
        "--screenshot=" + shot, "--window-size=1600,700", "file://" + dst.path + "/lineage.html"], cwd: dst.path)
    #expect(chrome.code == 0, "\(chrome.stderr)")
    // Each kind of node fills a box of 300x64 pixels in its own colour.
    let counts = try exec("python3", [corpusDirectory() + "/png_pixels.py", "count", shot, "12", "4e79a7", "f28e2b", "59a14f", "b07aa1"], cwd: dst.path).stdout
    let n = counts.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    #expect(n.count == 4 && n.allSatisfy { $0 > 5000 }, "pixels of artifact, run, import, registry colours: \(counts)")

    // A run record rewritten after signing (another command, same output): the lineage no
    // longer matches the signed one.
    let forge = """
      set -e
      ref=refs/mlv/runs/train; rec=.mlv/runs/train.json
      git show "$ref:$rec" | sed 's/labels.csv >/labels.csv  >/' > forged.json
      export GIT_INDEX_FILE=$PWD/.git/forged-index
      git read-tree "$ref"
      git update-index --add --cacheinfo 100644,$(git hash-object -w forged.json),$rec
      git update-ref "$ref" $(git commit-tree $(git write-tree) -p "$ref^" -m forged)
      """
    #expect(try exec("sh", ["-c", forge], cwd: dst.path).code == 0)
    let rewritten = try dst.mlv("model", "verify", "churn@v1.0.0", "--allowed-signers", keys + "/allowed")
    #expect(rewritten.code == 1 && rewritten.stderr.contains("lineage of churn@v1.0.0 in this repository differs from the signed one"), "\(rewritten.stdout) \(rewritten.stderr)")
  }

  @Test func statusCheckImportsSaysWhenTheSourceMoved() throws {
    let (src, remote) = try source()
    defer { try? FileManager.default.removeItem(atPath: remote) }
    let dst = try Repo()
    try dst.mlvOK("import", src.path, "data")
    try dst.git("commit", "-q", "-m", "import")
    let same = try dst.mlvOK("status", "--check-imports")
    #expect(same.stdout.contains("data: import up to date"), "\(same.stdout)")

    try src.write("data/labels.csv", "id,label\n1,dog\n")
    try src.mlvOK("add", "data")
    try src.mlvOK("commit", "-m", "v2")
    let moved = try dst.mlvOK("status", "--check-imports")
    let head = try src.gitOut("rev-parse", "--short=7", "HEAD")
    #expect(moved.stdout.contains("data: source moved: HEAD of \(src.path) is now \(head)"), "\(moved.stdout)")
    #expect(moved.stdout.contains("data changed there") && moved.stdout.contains("mlv update data"), "\(moved.stdout)")
    let doc = try jsonObject(try dst.mlvOK("status", "--check-imports", "--json").stdout)
    let imports = try #require(doc["imports"] as? [[String: Any]])
    #expect(imports.first?["moved"] as? Bool == true && imports.first?["dataChanged"] as? Bool == true)
    #expect(!(try dst.mlvOK("status").stdout.contains("source moved")))

    // An unreachable source: every import reported, then a clear error and exit 1.
    let away = src.path + "-moved"
    try FileManager.default.moveItem(atPath: src.path, toPath: away)
    defer { try? FileManager.default.moveItem(atPath: away, toPath: src.path) }
    let gone = try dst.mlv("status", "--check-imports")
    #expect(gone.code == 1, "\(gone.stdout) \(gone.stderr)")
    #expect(gone.stdout.contains("data: cannot check its import") && gone.stderr.contains("cannot reach the source of data (\(src.path))"), "\(gone.stdout) \(gone.stderr)")
  }
}
