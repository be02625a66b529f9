import Foundation
import Testing

/// The workflow from the README, run through the real binary, with git as witness.
@Suite struct WorkflowTests {
  @Test func initAddCommitEditDiffCheckout() throws {
    let repo = try Repo()
    #expect(repo.exists(".mlv/config") && repo.exists(".mlvignore"))
    for i in 0..<20 { try repo.write("data/class\(i % 3)/img\(i).bin", randomBytes(3000 + i * 700, seed: UInt64(i + 1))) }
    try repo.write("data/labels.csv", "id,label\n" + (0..<500).map { "\($0),\($0 % 7)" }.joined(separator: "\n") + "\n")
    try repo.write("models/model.bin", randomBytes(5_000_000, seed: 99))
    try repo.write("params.yaml", "lr: 0.1\n")
    try repo.write("train.py", "print('train')\n")

    let add = try repo.mlvOK("add", "data", "models/model.bin")
    #expect(add.stdout.contains("added data (21 files"))
    #expect(repo.exists("data.mlv") && repo.exists("models/model.bin.mlv"))
    // The data is git-ignored; the pointers and .gitignore files are staged.
    let staged = try repo.gitOut("diff", "--cached", "--name-only")
    #expect(staged.contains("data.mlv") && staged.contains("models/model.bin.mlv") && staged.contains(".gitignore"))
    #expect(try repo.gitOut("check-ignore", "data/labels.csv") == "data/labels.csv")
    #expect(try repo.gitOut("check-ignore", "models/model.bin") == "models/model.bin")

    try repo.git("add", "params.yaml", "train.py")
    try repo.mlvOK("commit", "-m", "baseline")
    #expect(try repo.gitOut("status", "--porcelain").isEmpty, "git status must be clean after mlv commit")
    #expect(try repo.gitOut("log", "--format=%s") == "baseline")
    #expect(try repo.gitOut("show", "HEAD:data.mlv").utf8.count > 0)
    #expect(try repo.gitOut("show", "HEAD:data.mlv") + "\n" == String(decoding: repo.read("data.mlv")!, as: UTF8.self))
    let v1Data = try repo.snapshot("data")
    let v1Model = repo.read("models/model.bin")!

    // status: clean, then edits inside the tracked directory are listed.
    #expect(try repo.mlvOK("status").stdout.contains("up to date"))
    try repo.write("data/labels.csv", "id,label\n0,1\n")
    try repo.remove("data/class0/img0.bin")
    try repo.write("data/class9/new.bin", randomBytes(4000, seed: 1234))
    var model = v1Model
    for i in 2_000_000..<2_050_000 { model[i] ^= 0x5a }
    try repo.write("models/model.bin", model)
    try repo.write("params.yaml", "lr: 0.01\n")
    let status = try repo.mlvOK("status").stdout
    #expect(status.contains("modified:     data/labels.csv"))
    #expect(status.contains("deleted:      data/class0/img0.bin"))
    #expect(status.contains("added:        data/class9/new.bin"))
    #expect(status.contains("data: 3 files changed"))
    #expect(status.contains("models/model.bin: modified"))

    try repo.git("add", "params.yaml")
    try repo.mlvOK("commit", "-m", "more data")
    #expect(try repo.gitOut("status", "--porcelain").isEmpty)
    #expect(try repo.gitOut("log", "--format=%s") == "more data\nbaseline")

    // diff: text and the JSON document agree on the counts.
    let diff = try repo.mlvOK("diff", "HEAD~1", "HEAD").stdout
    #expect(diff.contains("added     data/class9/new.bin"))
    #expect(diff.contains("removed   data/class0/img0.bin"))
    #expect(diff.contains("modified  data/labels.csv"))
    let json = try repo.mlvOK("diff", "HEAD~1", "HEAD", "--json").stdout
    let doc = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
    let totals = doc["totals"] as! [String: Any]
    #expect(totals["added"] as? Int == 1 && totals["removed"] as? Int == 1 && totals["modified"] as? Int == 2)
    // A 50 kB edit of a 5 MB model costs a few chunks, not the whole file.
    let paths = doc["paths"] as! [[String: Any]]
    let modelDiff = paths.first { $0["path"] as? String == "models/model.bin" }!
    let newBytes = modelDiff["newBytes"] as! Int
    #expect(newBytes > 0 && newBytes < 1_000_000, "new bytes \(newBytes)")

    // log: both versions of data, newest first.
    let log = try repo.mlvOK("log", "data").stdout.split(separator: "\n")
    #expect(log.count == 2 && log[0].contains("more data") && log[1].contains("baseline"))

    // checkout of the older version: code, params and data exactly.
    let v2Data = try repo.snapshot("data")
    try repo.mlvOK("checkout", "HEAD~1")
    #expect(try repo.snapshot("data") == v1Data)
    #expect(repo.read("models/model.bin") == v1Model)
    #expect(String(decoding: repo.read("params.yaml")!, as: UTF8.self) == "lr: 0.1\n")
    #expect(try repo.gitOut("log", "-1", "--format=%s") == "baseline")
    #expect(try repo.gitOut("status", "--porcelain").isEmpty)
    #expect(try repo.mlvOK("status").stdout.contains("up to date"))

    // and back to the branch.
    try repo.mlvOK("checkout", "master")
    #expect(try repo.snapshot("data") == v2Data)
    #expect(repo.read("models/model.bin") == model)
    #expect(try repo.gitOut("symbolic-ref", "--short", "HEAD") == "master")
    let fsck = try exec("git", ["fsck", "--strict"], cwd: repo.path)
    #expect(fsck.code == 0, "git fsck: \(fsck.stderr)")
  }

  @Test func gitCheckoutThenMlvCheckoutRestoresData() throws {
    let repo = try Repo()
    try repo.write("data/a.txt", "version one\n")
    try repo.mlvOK("add", "data")
    try repo.mlvOK("commit", "-m", "v1")
    try repo.git("tag", "v1")
    try repo.write("data/a.txt", "version two\n")
    try repo.mlvOK("commit", "-m", "v2")
    try repo.git("checkout", "-q", "v1")
    #expect(String(decoding: repo.read("data/a.txt")!, as: UTF8.self) == "version two\n")
    try repo.mlvOK("checkout")
    #expect(String(decoding: repo.read("data/a.txt")!, as: UTF8.self) == "version one\n")
  }

  @Test func checkoutOfPathsLeavesHeadAlone() throws {
    let repo = try Repo()
    try repo.write("data/a.txt", "one\n")
    try repo.write("other/b.txt", "b1\n")
    try repo.mlvOK("add", "data", "other")
    try repo.mlvOK("commit", "-m", "v1")
    try repo.write("data/a.txt", "two\n")
    try repo.write("other/b.txt", "b2\n")
    try repo.mlvOK("commit", "-m", "v2")
    try repo.mlvOK("checkout", "HEAD~1", "--", "data")
    #expect(String(decoding: repo.read("data/a.txt")!, as: UTF8.self) == "one\n")
    #expect(String(decoding: repo.read("other/b.txt")!, as: UTF8.self) == "b2\n")
    #expect(try repo.gitOut("log", "-1", "--format=%s") == "v2")
  }

  @Test func datasetAddedLaterIsRemovedWhenCheckingOutOlderCommit() throws {
    let repo = try Repo()
    try repo.write("code.py", "x = 1\n")
    try repo.git("add", "code.py")
    try repo.mlvOK("commit", "-m", "code only")
    try repo.write("data/a.bin", randomBytes(10_000, seed: 5))
    try repo.mlvOK("add", "data")
    try repo.mlvOK("commit", "-m", "with data")
    try repo.mlvOK("checkout", "HEAD~1")
    #expect(!repo.exists("data/a.bin"))
    try repo.mlvOK("checkout", "master")
    #expect(repo.read("data/a.bin") == randomBytes(10_000, seed: 5))
  }

  @Test func mlvignoreIsHonoured() throws {
    let repo = try Repo()
    try repo.write(".mlvignore", "*.tmp\ncache/\n!keep.tmp\n")
    try repo.write("data/a.txt", "a")
    try repo.write("data/b.tmp", "b")
    try repo.write("data/keep.tmp", "k")
    try repo.write("data/cache/c.txt", "c")
    let r = try repo.mlvOK("add", "data")
    #expect(r.stdout.contains("2 files"))
    try repo.mlvOK("commit", "-m", "v1")
    try repo.remove("data")
    try repo.mlvOK("checkout")
    #expect(repo.exists("data/a.txt") && repo.exists("data/keep.tmp"))
    #expect(!repo.exists("data/b.tmp") && !repo.exists("data/cache/c.txt"))
  }

  @Test func quietAndNonTerminalOutputHasNoProgress() throws {
    let repo = try Repo()
    try repo.write("m.bin", randomBytes(6_000_000, seed: 3))
    let r = try repo.mlvOK("add", "m.bin")
    #expect(r.stderr.isEmpty, "no progress when stderr is not a terminal: \(r.stderr)")
    let q = try repo.mlvOK("commit", "-q", "-m", "x")
    #expect(q.stdout.isEmpty && q.stderr.isEmpty)
  }

  @Test func helpForEveryCommandHasExamples() throws {
    let repo = try Repo(mlvInit: false)
    let commands = [
      "init", "add", "status", "commit", "checkout", "diff", "log", "gc", "fsck", "run", "repro", "exp",
      "exp show", "exp diff", "params", "params diff", "metrics", "metrics diff", "remote", "push", "fetch", "pull",
    ]
    for cmd in commands {
      let r = try repo.mlv(args: cmd.split(separator: " ").map(String.init) + ["--help"])
      #expect(r.code == 0)
      #expect(r.stdout.contains("Example"), "mlv \(cmd) --help has no examples")
    }
    #expect(try repo.mlv("add").code == 64, "a usage error exits 64")
  }
}
