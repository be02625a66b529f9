import Foundation
import Testing

/// A repository with a tracked directory and a model, and a local-path remote next to it.
private func makeRepoWithData(remoteURL: String? = nil, extraArgs: [String] = []) throws -> (Repo, String) {
  let repo = try Repo()
  let remote = makeTempDir("mlv-remote")
  for i in 0..<6 { try repo.write("data/sub\(i % 2)/f\(i).bin", randomBytes(30_000 + i * 1_000, seed: UInt64(i + 1))) }
  try repo.write("model.bin", randomBytes(1_500_000, seed: 99))
  try repo.mlvOK("add", "data", "model.bin")
  try repo.mlvOK("commit", "-m", "data")
  try repo.mlvOK("remote", "add", "origin", remoteURL ?? remote)
  if !extraArgs.isEmpty { try repo.mlv(args: ["remote", "add"] + extraArgs) }
  try repo.git("commit", "-q", "-m", "remotes")
  return (repo, remote)
}

/// `git clone` of `repo` into a fresh directory, wrapped as a Repo.
private func clone(_ repo: Repo) throws -> Repo {
  let copy = try Repo(mlvInit: false)
  try FileManager.default.removeItem(atPath: copy.path)
  let r = try exec("git", ["clone", "-q", repo.path, copy.path], cwd: NSTemporaryDirectory())
  #expect(r.code == 0, "git clone: \(r.stderr)")
  return copy
}

/// "pushed 12 objects, 48.1 MB, ..." → the byte count, in bytes (approximately).
private func pushedBytes(_ summary: String) -> Double? {
  let parts = summary.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
  guard parts.count >= 2 else { return nil }
  let words = parts[1].split(separator: " ")
  guard words.count == 2, let v = Double(words[0]) else { return nil }
  let scale: [Substring: Double] = ["B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9]
  return scale[words[1]].map { $0 * v }
}

private func flipByte(inFirstFileUnder dir: String, suffix: String, at offset: Int) throws {
  let e = FileManager.default.enumerator(atPath: dir)
  while let name = e?.nextObject() as? String {
    guard name.hasSuffix(suffix) else { continue }
    let path = dir + "/" + name
    var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
    bytes[offset] ^= 0xFF
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return
  }
  Issue.record("no \(suffix) file under \(dir)")
}

@Suite struct LocalRemoteTests {
  @Test func teammateClonesAndPullsByteIdentical() throws {
    let (repo, remote) = try makeRepoWithData()
    defer { try? FileManager.default.removeItem(atPath: remote) }
    let first = try repo.mlvOK("push")
    #expect(first.stdout.contains("already on origin"))
    #expect(!first.stdout.hasPrefix("pushed 0 objects"))
    let second = try repo.mlvOK("push")
    #expect(second.stdout.hasPrefix("pushed 0 objects, 0 B"), "\(second.stdout)")

    let copy = try clone(repo)
    let r = try copy.mlvOK("pull")
    #expect(r.stdout.contains("fetched"))
    #expect(try copy.snapshot("data") == repo.snapshot("data"))
    #expect(copy.read("model.bin") == repo.read("model.bin"))
    #expect(try copy.mlvOK("status").stdout.contains("up to date"))
    // Nothing left to fetch.
    #expect(try copy.mlvOK("pull").stdout.contains("fetched 0 objects"))

    // One file inside a tracked directory: only it is restored.
    let partial = try clone(repo)
    try partial.mlvOK("pull", "data/sub1/f3.bin")
    #expect(partial.read("data/sub1/f3.bin") == repo.read("data/sub1/f3.bin"))
    #expect(!partial.exists("data/sub0/f0.bin"))
    #expect(!partial.exists("model.bin"))

    // fetch leaves the workspace alone; checkout then needs no remote.
    let fetched = try clone(repo)
    try fetched.mlvOK("fetch", "HEAD", "--", "model.bin")
    #expect(!fetched.exists("model.bin"))
    try fetched.mlvOK("checkout", "--", "model.bin")
    #expect(fetched.read("model.bin") == repo.read("model.bin"))
  }

  @Test func pushAfterSmallEditMovesOnlyNewChunks() throws {
    let (repo, remote) = try makeRepoWithData()
    defer { try? FileManager.default.removeItem(atPath: remote) }
    try repo.mlvOK("push")
    var model = repo.read("model.bin") ?? []
    for i in 700_000..<700_000 + 15_000 { model[i] = ~model[i] }  // 1% of the file
    try repo.write("model.bin", model)
    try repo.mlvOK("add", "model.bin")
    try repo.mlvOK("commit", "-m", "edit")
    let r = try repo.mlvOK("push")
    let bytes = try #require(pushedBytes(r.stdout), "\(r.stdout)")
    #expect(bytes > 0 && bytes < 0.15 * Double(model.count), "\(r.stdout)")
    #expect(r.stdout.contains("already on origin"))
    let copy = try clone(repo)
    try copy.mlvOK("pull")
    #expect(copy.read("model.bin") == model)
  }

  @Test func corruptRemoteObjectIsReportedByNameAndNotStored() throws {
    let (repo, remote) = try makeRepoWithData()
    defer { try? FileManager.default.removeItem(atPath: remote) }
    try repo.mlvOK("push")
    try flipByte(inFirstFileUnder: remote + "/packs", suffix: ".pack", at: 100)
    let copy = try clone(repo)
    let r = try copy.mlv("pull")
    #expect(r.code == 4)
    #expect(r.stderr.contains("remote origin"), "\(r.stderr)")
    #expect(r.stderr.contains("corrupt object") && r.stderr.contains("packs/"), "\(r.stderr)")
    // What was stored is sound.
    #expect(try !copy.mlv("fsck", "--keep", "HEAD").stdout.contains("corrupt"))
    let check = try repo.mlv("fsck", "--remote", "origin")
    #expect(check.code == 4)
    #expect(check.stdout.contains("corrupt object") && check.stdout.contains("needed by"), "\(check.stdout)")
  }

  @Test func fsckFindsFlippedByteAndRepairFixesItFromRemote() throws {
    let (repo, remote) = try makeRepoWithData()
    defer { try? FileManager.default.removeItem(atPath: remote) }
    try repo.mlvOK("push")
    try flipByte(inFirstFileUnder: repo.path + "/.mlv/store/packs", suffix: ".pack", at: 5_000)
    let bad = try repo.mlv("fsck")
    #expect(bad.code == 4)
    #expect(bad.stdout.contains("corrupt object"))
    let repair = try repo.mlvOK("fsck", "--repair")
    // Only the damaged object moves; the pack's good objects are kept locally.
    #expect(repair.stdout.contains("1 damaged object dropped"), "\(repair.stdout)")
    #expect(repair.stdout.contains("fetched 1 object ("), "\(repair.stdout)")
    try repo.mlvOK("fsck")
    try repo.remove("model.bin")
    try repo.remove("data")
    try repo.mlvOK("checkout")
    #expect(repo.read("model.bin") == randomBytes(1_500_000, seed: 99))
  }

  @Test func gcKeepsBranchDataAndFreesDeletedBranchLocallyAndOnRemote() throws {
    let (repo, remote) = try makeRepoWithData()
    defer { try? FileManager.default.removeItem(atPath: remote) }
    try repo.mlvOK("push")
    try repo.git("checkout", "-q", "-b", "exp")
    try repo.write("big.bin", randomBytes(800_000, seed: 7))
    try repo.mlvOK("add", "big.bin")
    try repo.mlvOK("commit", "-m", "exp data")
    try repo.mlvOK("push")
    try repo.git("checkout", "-q", "master")
    try repo.mlvOK("checkout")
    try repo.git("branch", "-q", "-D", "exp")

    let dry = try repo.mlvOK("gc", "--remote", "origin", "--dry-run")
    #expect(dry.stdout.contains("would free") && dry.stdout.contains("1 pack deleted"), "\(dry.stdout)")
    let r = try repo.mlvOK("gc", "--remote", "origin")
    #expect(r.stdout.contains("1 pack deleted"), "\(r.stdout)")
    #expect(!r.stdout.hasPrefix("freed 0 B"))
    try repo.mlvOK("fsck", "--remote", "origin")
    let local = try repo.mlvOK("gc")
    #expect(!local.stdout.hasPrefix("freed 0 B"), "\(local.stdout)")
    try repo.mlvOK("fsck")
    // Master's data is still complete on the remote.
    let copy = try clone(repo)
    try copy.mlvOK("pull")
    #expect(try copy.snapshot("data") == repo.snapshot("data"))
    #expect(copy.read("model.bin") == repo.read("model.bin"))
  }

  @Test func pullOfDataNeverPushedNamesWhatIsMissing() throws {
    let (repo, remote) = try makeRepoWithData()
    defer { try? FileManager.default.removeItem(atPath: remote) }
    try repo.mlvOK("push", "--", "model.bin")
    let copy = try clone(repo)
    let r = try copy.mlv("pull")
    #expect(r.code == 4)
    #expect(r.stderr.contains("lacks") && r.stderr.contains("data"), "\(r.stderr)")
    try copy.mlvOK("pull", "model.bin")
    #expect(copy.read("model.bin") == repo.read("model.bin"))
  }

  @Test func remoteConfigTravelsWithTheRepository() throws {
    let (repo, remote) = try makeRepoWithData(extraArgs: ["backup", "../elsewhere", "--default"])
    defer { try? FileManager.default.removeItem(atPath: remote) }
    let list = try repo.mlvOK("remote", "list").stdout
    #expect(list.contains("* backup") && list.contains("  origin"), "\(list)")
    let copy = try clone(repo)
    #expect(try copy.mlvOK("remote", "list").stdout == list)
    try repo.mlvOK("remote", "remove", "backup")
    #expect(!(try repo.mlvOK("remote", "list").stdout.contains("backup")))
    let bad = try repo.mlv("push", "nosuch-remote-or-path")
    #expect(bad.code != 0)
    #expect(try String(contentsOfFile: repo.path + "/.mlv/config", encoding: .utf8).contains("origin"))
  }
}

private func s3Env(_ server: MotoServer, secret: String = "test-secret") -> [String: String] {
  ["AWS_ACCESS_KEY_ID": "AKIDMLVTEST", "AWS_SECRET_ACCESS_KEY": secret, "AWS_REGION": "us-east-1",
   "AWS_ENDPOINT_URL": server.endpoint.absoluteString]
}

@Suite(.motoServer) struct S3RemoteTests {
  @Test func teammateScenarioOverS3() throws {
    let server = try #require(MotoServer.current)
    let bucket = "e2e-\(UInt32.random(in: 0...UInt32.max))"
    // moto without authentication accepts an unsigned CreateBucket.
    let made = try exec(
      "python3",
      ["-c", "import sys, urllib.request as u; u.urlopen(u.Request(sys.argv[1], method='PUT'))",
       "\(server.endpoint.absoluteString)/\(bucket)"], cwd: "/")
    #expect(made.code == 0)
    let (repo, remote) = try makeRepoWithData(remoteURL: "s3://\(bucket)/team/project")
    defer { try? FileManager.default.removeItem(atPath: remote) }
    let env = s3Env(server)
    let push = try repo.mlv("push", env: env)
    #expect(push.code == 0, "\(push.stderr)")
    #expect(try repo.mlv("push", env: env).stdout.hasPrefix("pushed 0 objects"))
    let copy = try clone(repo)
    let pull = try copy.mlv("pull", env: env)
    #expect(pull.code == 0, "\(pull.stderr)")
    #expect(try copy.snapshot("data") == repo.snapshot("data"))
    #expect(copy.read("model.bin") == repo.read("model.bin"))
    let fsck = try repo.mlv("fsck", "--remote", "origin", env: env)
    #expect(fsck.code == 0 && fsck.stdout.contains("no problems"), "\(fsck.stdout)\(fsck.stderr)")
  }
}

@Suite(.motoServerWithAuth) struct S3CredentialTests {
  @Test func wrongCredentialsGiveAClearError() throws {
    let server = try #require(MotoServer.current)
    let (repo, remote) = try makeRepoWithData(remoteURL: "s3://nobody-bucket/p")
    defer { try? FileManager.default.removeItem(atPath: remote) }
    let r = try repo.mlv("push", env: s3Env(server, secret: "wrong"))
    #expect(r.code != 0)
    #expect(r.stderr.contains("access denied"), "\(r.stderr)")
    #expect(r.stderr.contains("AWS_ACCESS_KEY_ID"))
  }
}
