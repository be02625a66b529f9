import Foundation
import Testing

/// `mlv ls` and `mlv get` between two real repositories, the source's data on a shared
/// local-path remote.
@Suite struct CrossRepoTests {
  private func source() throws -> (Repo, String) {
    let src = try Repo()
    let remote = makeTempDir("mlv-src-remote")
    for i in 0..<3 { try src.write("data/images/\(i).bin", randomBytes(40_000 + i, seed: UInt64(10 + i))) }
    try src.write("data/labels.csv", "id,label\n1,cat\n")
    try src.write("model.bin", randomBytes(120_000, seed: 5))
    try src.mlvOK("add", "data", "model.bin")
    try src.mlvOK("remote", "add", "origin", remote)
    try src.mlvOK("commit", "-m", "v1")
    try src.git("tag", "v1")
    try src.mlvOK("push")
    return (src, remote)
  }

  @Test func lsAndGetFromAnotherRepositoryByteIdentical() throws {
    let (src, remote) = try source()
    defer { try? FileManager.default.removeItem(atPath: remote) }
    let dst = try Repo()
    let ls = try dst.mlvOK("ls", src.path)
    #expect(ls.stdout.contains("data/  4 files") && ls.stdout.contains("model.bin"), "\(ls.stdout)")
    #expect(try dst.mlvOK("ls", src.path, "data", "--rev", "v1").stdout.split(separator: "\n").count == 1)
    let missing = try dst.mlv("ls", src.path, "nothere")
    #expect(missing.code == 1 && missing.stderr.contains("nothere is not tracked"))

    let get = try dst.mlvOK("get", src.path, "data/images")
    #expect(get.stdout.contains("3 files"))
    #expect(try dst.snapshot("images") == (try src.snapshot("data/images")))
    try dst.mlvOK("get", src.path, "model.bin", "-o", "m.bin", "--rev", "v1")
    #expect(dst.read("m.bin") == src.read("model.bin"))
    let again = try dst.mlv("get", src.path, "data/images")
    #expect(again.code == 1 && again.stderr.contains("already exists"))
    let nowhere = try dst.mlv("get", "/nonexistent/repo", "data")
    #expect(nowhere.code == 1 && nowhere.stderr.contains("/nonexistent/repo"))
  }

  @Test func importPinsAndUpdateMovesThePin() throws {
    let (src, remote) = try source()
    defer { try? FileManager.default.removeItem(atPath: remote) }
    let v1 = try src.snapshot("data")
    let dst = try Repo()
    let imp = try dst.mlvOK("import", src.path, "data", "--rev", "v1")
    #expect(imp.stdout.contains("fetched"), "\(imp.stdout)")
    #expect(try dst.snapshot("data") == v1)
    let pin = try #require(dst.read("data.mlv-import"))
    let c1 = try src.gitOut("rev-parse", "v1")
    #expect(String(decoding: pin, as: UTF8.self) == "mlv-import: 1\nurl: \(src.path)\npath: data\nrev: v1\ncommit: \(c1)\n")
    #expect(dst.read("data.mlv") == (try exec("git", ["show", "v1:data.mlv"], cwd: src.path)).stdout.data(using: .utf8).map(Array.init))
    #expect(try dst.gitOut("diff", "--cached", "--name-only").contains("data.mlv-import"))
    try dst.git("commit", "-q", "-m", "import data")
    let part = try dst.mlv("import", src.path, "data/images", "-o", "imgs")
    #expect(part.code == 1 && part.stderr.contains("import data"))

    // The source moves; a tag pin stays, --rev moves it, and the new data arrives.
    try src.write("data/images/9.bin", randomBytes(30_000, seed: 99))
    try src.mlvOK("add", "data")
    try src.mlvOK("commit", "-m", "v2")
    try src.mlvOK("push")
    #expect(try dst.mlvOK("update", "data").stdout.contains("up to date"))
    try dst.mlvOK("update", "data", "--rev", "master")
    #expect(dst.read("data/images/9.bin") == src.read("data/images/9.bin"))
    #expect(try dst.snapshot("data") == (try src.snapshot("data")))
    let st = try dst.mlvOK("status")
    #expect(!st.stdout.contains("modified"), "\(st.stdout)")
    let notImported = try dst.mlv("update", "nothing")
    #expect(notImported.code == 1 && notImported.stderr.contains("was not imported"))
  }

  @Test func lineageThroughAnImportedInputToTheRegistry() throws {
    let (src, remote) = try source()
    defer { try? FileManager.default.removeItem(atPath: remote) }
    let dst = try Repo()
    try dst.mlvOK("import", src.path, "data", "--rev", "v1")
    try dst.write("params.yaml", "lr: 0.1\n")
    try dst.git("add", "-A")
    try dst.git("commit", "-q", "-m", "import and params")
    try dst.mlvOK("run", "-n", "train", "-p", "params.yaml", "-d", "data", "-o", "model.bin", "--", "sh", "-c", "cat data/labels.csv > model.bin")
    let reg = try dst.mlvOK("model", "register", "churn", "model.bin", "v1.0.0", "--rev", "refs/mlv/runs/train")
    #expect(reg.stdout.contains("made by run train"))
    try dst.mlvOK("model", "promote", "churn", "v1.0.0", "prod")
    let text = try dst.mlvOK("lineage", "model.bin", "--rev", "refs/mlv/runs/train").stdout
    #expect(text.contains("made by run train") && text.contains("lr=0.1"), "\(text)")
    #expect(text.contains("imported from \(src.path) data") && text.contains("registered as churn@v1.0.0 [prod]"), "\(text)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(try dst.mlvOK("lineage", "model.bin", "--rev", "refs/mlv/runs/train", "--json").stdout.utf8)) as? [String: Any])
    let made = try #require(json["producedBy"] as? [String: Any])
    let input = try #require((made["inputs"] as? [[String: Any]])?.first)
    let imported = try #require(input["imported"] as? [String: String])
    #expect(imported["commit"] == (try src.gitOut("rev-parse", "v1")))
    #expect(input["oid"] as? String == (try src.gitOut("show", "v1:data.mlv")).split(separator: "\n").first { $0.hasPrefix("oid: ") }.map { String($0.dropFirst(5)) })
  }

  @Test func hostileSourceGivesClearErrors() throws {
    let (src, remote) = try source()
    defer { try? FileManager.default.removeItem(atPath: remote) }
    // A pointer that is not one, and one whose data no remote has.
    try src.write("evil.mlv", "mlv-pointer: 1\nkind: file\noid: zz\nsize: -5\n")
    try src.write("ghost.bin.mlv", "mlv-pointer: 1\nkind: file\noid: \(String(repeating: "ab", count: 32))\nsize: 10\n")
    try src.git("add", "evil.mlv", "ghost.bin.mlv")
    try src.git("commit", "-q", "-m", "hostile")
    let dst = try Repo()
    let evil = try dst.mlv("get", src.path, "evil")
    #expect(evil.code == 1 && evil.stderr.contains("evil.mlv"), "\(evil.stderr)")
    let ghost = try dst.mlv("get", src.path, "ghost.bin")
    #expect(ghost.code == 4 && ghost.stderr.contains("ghost.bin"), "\(ghost.stderr)")
    #expect(!dst.exists("ghost.bin") && !dst.exists("evil"))
  }
}
