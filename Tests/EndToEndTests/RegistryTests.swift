import Foundation
import Testing

/// The model registry end to end: tags checked through the git command line, the stage
/// view checked against GTO itself, signatures checked with `ssh-keygen -Y verify`.
enum GTO {
  /// GTO_BIN, or `gto` on PATH (scripts/setup.sh --test installs it).
  static func run(_ args: [String], cwd: String) throws -> Result {
    let bin = ProcessInfo.processInfo.environment["GTO_BIN"] ?? "gto"
    return try exec(bin, args, cwd: cwd)
  }
}

/// Tag times are seconds: each registry command gets its own second, as GTO orders events
/// by tag time.
func registryTime(_ second: Int) -> [String: String] {
  ["GIT_COMMITTER_DATE": "\(1_700_000_000 + second * 60) +0000"]
}

@discardableResult
func regOK(_ repo: Repo, _ second: Int, _ args: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> Result {
  let r = try repo.mlv(args: args, env: registryTime(second))
  #expect(r.code == 0, "mlv \(args.joined(separator: " ")): \(r.stderr)", sourceLocation: sourceLocation)
  return r
}

/// A repository with a two-file model in two committed versions and a local-path remote.
func modelRepo() throws -> (repo: Repo, remote: String, v1: [String: [UInt8]], commits: [String]) {
  let repo = try Repo()
  let remote = makeTempDir("mlv-reg-remote")
  try repo.write("models/churn/weights.bin", randomBytes(200_000, seed: 1))
  try repo.write("models/churn/config.json", "{\"layers\": 3}\n")
  try repo.mlvOK("add", "models/churn")
  try repo.mlvOK("commit", "-m", "churn v1")
  let v1 = try repo.snapshot("models/churn")
  let c1 = try repo.gitOut("rev-parse", "HEAD")
  try repo.mlvOK("remote", "add", "origin", remote)
  try repo.git("commit", "-q", "-m", "remote")
  try repo.write("models/churn/weights.bin", randomBytes(200_000, seed: 2))
  try repo.mlvOK("add", "models/churn")
  try repo.mlvOK("commit", "-m", "churn v2")
  let c2 = try repo.gitOut("rev-parse", "HEAD")
  try repo.mlvOK("push", "--all-commits")
  return (repo, remote, v1, [c1, c2])
}

func jsonObject(_ s: String) throws -> [String: Any] {
  try #require(try JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any])
}

private func prodOfShowJSON(_ out: String) throws -> String? {
  let models = try #require(try jsonObject(out)["models"] as? [[String: Any]])
  let stages = try #require(models.first?["stages"] as? [String: Any])
  return (stages["prod"] as? [String: Any])?["version"] as? String
}

@Suite(.serialized) struct RegistryTests {
  @Test func registerPromoteRollbackGetAgreeWithGitAndGTO() throws {
    let (repo, remote, v1Files, commits) = try modelRepo()
    defer { try? FileManager.default.removeItem(atPath: remote) }
    try regOK(repo, 1, "model", "register", "churn", "models/churn", "v1.0.0", "--rev", commits[0])
    try regOK(repo, 2, "model", "register", "churn", "models/churn", "v1.1.0")
    try regOK(repo, 3, "model", "promote", "churn", "v1.0.0", "prod")
    try regOK(repo, 4, "model", "promote", "churn", "v1.1.0", "prod")

    // git sees annotated tags on the commits of the pointers.
    #expect(try repo.gitOut("cat-file", "-t", "churn@v1.0.0") == "tag")
    #expect(try repo.gitOut("rev-parse", "churn@v1.0.0^{commit}") == commits[0])
    #expect(try repo.gitOut("rev-parse", "churn@v1.1.0^{commit}") == commits[1])
    #expect(try repo.gitOut("rev-parse", "churn#prod#2^{commit}") == commits[1])
    #expect(try repo.gitOut("tag", "-l").split(separator: "\n") == ["churn#prod#1", "churn#prod#2", "churn@v1.0.0", "churn@v1.1.0"])

    // GTO reads the same registry.
    let g = try GTO.run(["show", "churn#prod", "--ref"], cwd: repo.path)
    #expect(g.code == 0, "gto: \(g.stderr)")
    #expect(g.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "churn@v1.1.0")
    #expect(try prodOfShowJSON(try regOK(repo, 4, "model", "show", "--json").stdout) == "v1.1.0")

    let rb = try regOK(repo, 5, "model", "rollback", "churn", "prod")
    #expect(rb.stdout.contains("v1.1.0 -> v1.0.0"))
    #expect(try repo.gitOut("rev-parse", "churn#prod#3^{commit}") == commits[0])
    let g2 = try GTO.run(["show", "churn#prod", "--ref"], cwd: repo.path)
    #expect(g2.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "churn@v1.0.0", "gto: \(g2.stdout) \(g2.stderr)")
    #expect(try prodOfShowJSON(try regOK(repo, 5, "model", "show", "--json").stdout) == "v1.0.0")
    // `gto show --json`: {"churn": {"version": latest, "stage": {"prod": "v1.0.0"}}}.
    let gshow = try GTO.run(["show", "--json"], cwd: repo.path)
    #expect(gshow.code == 0, "gto show: \(gshow.stderr)")
    let gtoChurn = try #require(try jsonObject(gshow.stdout)["churn"] as? [String: Any])
    #expect(gtoChurn["version"] as? String == "v1.1.0")
    #expect(gtoChurn["stage"] as? [String: String] == ["prod": "v1.0.0"])
    let text = try regOK(repo, 5, "model", "show", "churn").stdout
    #expect(text.contains("v1.0.0") && text.contains("[prod]") && text.contains("prod: v1.0.0"))

    // A teammate's clone has no objects: get fetches them from the remote and verifies them.
    let copy = try Repo(mlvInit: false)
    try FileManager.default.removeItem(atPath: copy.path)
    #expect(try exec("git", ["clone", "-q", repo.path, copy.path], cwd: NSTemporaryDirectory()).code == 0)
    let out = makeTempDir("mlv-reg-out")
    defer { try? FileManager.default.removeItem(atPath: out) }
    let r = try copy.mlv("model", "get", "churn", "--stage", "prod", "-o", out + "/serve")
    #expect(r.code == 0, "\(r.stderr)")
    #expect(r.stdout.contains("fetched"))
    let served = try Repo(adopting: out)
    #expect(try served.snapshot("serve") == v1Files)
    _ = withExtendedLifetime(served) {}
  }

  @Test func refusesWhatGTOWouldRefuseWithClearErrors() throws {
    let (repo, remote, _, commits) = try modelRepo()
    defer { try? FileManager.default.removeItem(atPath: remote) }
    let bad = try repo.mlv("model", "register", "Bad Name", "models/churn", "v1.0.0")
    #expect(bad.code == 1 && bad.stderr.contains("invalid model name"))
    let badVersion = try repo.mlv("model", "register", "churn", "models/churn", "1.0")
    #expect(badVersion.code == 1 && badVersion.stderr.contains("invalid version"))
    let untracked = try repo.mlv("model", "register", "churn", "models/none", "v1.0.0")
    #expect(untracked.code == 1 && untracked.stderr.contains("not tracked"))
    try regOK(repo, 1, "model", "register", "churn", "models/churn", "v1.0.0")
    let again = try repo.mlv("model", "register", "churn", "models/churn", "v1.0.0")
    #expect(again.code == 1 && again.stderr.contains("already registered"))
    let sameCommit = try repo.mlv("model", "register", "churn", "models/churn", "v1.0.1")
    #expect(sameCommit.code == 1 && sameCommit.stderr.contains("already has a version"))
    try repo.write("models/churn/config.json", "{\"layers\": 4}\n")
    try repo.mlvOK("add", "models/churn")
    let dirty = try repo.mlv("model", "register", "churn", "models/churn", "v2.0.0")
    #expect(dirty.code == 1 && dirty.stderr.contains("uncommitted"))
    let noRollback = try repo.mlv("model", "rollback", "churn", "prod")
    #expect(noRollback.code == 1 && noRollback.stderr.contains("no version in stage prod"))
    try regOK(repo, 2, "model", "promote", "churn", "v1.0.0", "prod")
    let twice = try repo.mlv(args: ["model", "promote", "churn", "v1.0.0", "prod"], env: registryTime(3))
    #expect(twice.code == 1 && twice.stderr.contains("already in stage"))
    let none = try repo.mlv(args: ["model", "rollback", "churn", "prod"], env: registryTime(3))
    #expect(none.code == 1 && none.stderr.contains("no earlier version"))
    _ = commits
  }

  @Test func hostileTagsFromATeammateAreWarningsOrClearErrors() throws {
    let (repo, remote, _, commits) = try modelRepo()
    defer { try? FileManager.default.removeItem(atPath: remote) }
    try regOK(repo, 1, "model", "register", "churn", "models/churn", "v1.0.0", "--rev", commits[0])
    try repo.git("tag", "churn#prod")  // no number
    try repo.git("tag", "churn@v01.0.0")
    try repo.write("blob.txt", "x")
    let blob = try repo.gitOut("hash-object", "-w", "blob.txt")
    try repo.git("tag", "churn@v5.0.0", blob)  // a tag of a blob
    try repo.git("tag", "-a", "churn@v9.0.0", "-m", "Registering\n\nmlv-model: 1\npath: ../../etc/passwd\nkind: file\noid: 00\nsize: 1\nfiles: 1\n", commits[1])
    try repo.git("tag", "-a", "churn@v8.0.0", "-m", "mlv-model: 1\npath: models/churn\nkind: dir\noid: \(String(repeating: "0", count: 64))\nsize: 1\nfiles: 1\n", commits[1])
    try repo.git("tag", "-a", "churn@v7.0.0", "-m", "mlv-model: 77\n", commits[1])
    try repo.git("tag", "-a", "churn@v6.0.0", "-m", "made by hand", commits[1])

    let show = try repo.mlv("model", "show")
    #expect(show.code == 0, "\(show.stderr)")
    #expect(show.stderr.contains("ignoring tag churn#prod") && show.stderr.contains("churn@v01.0.0"))
    #expect(show.stderr.contains("churn@v5.0.0: does not lead to a commit"))
    #expect(show.stderr.contains("unsupported mlv-model: 77"))
    #expect(show.stdout.contains("v1.0.0") && show.stdout.contains("v9.0.0"))

    let out = makeTempDir("mlv-reg-hostile")
    defer { try? FileManager.default.removeItem(atPath: out) }
    let traversal = try repo.mlv("model", "get", "churn", "--version", "v9.0.0", "-o", out)
    #expect(traversal.code == 1 && traversal.stderr.contains("mlv: error:") && traversal.stderr.contains(".."), "\(traversal.stderr)")
    let lying = try repo.mlv("model", "get", "churn", "--version", "v8.0.0", "-o", out)
    #expect(lying.code == 1 && lying.stderr.contains("does not match its commit"), "\(lying.stderr)")
    let handMade = try repo.mlv("model", "get", "churn", "--version", "v6.0.0", "-o", out)
    #expect(handMade.code == 1 && handMade.stderr.contains("no mlv record"), "\(handMade.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: out).isEmpty)
  }
}
