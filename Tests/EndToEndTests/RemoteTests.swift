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

  /// A killed push leaves its lock, which blocks `gc --remote`; `mlv remote unlock` removes
  /// locks whose process is gone or that are stale, keeps a running process's lock, and
  /// removes that too with --all.
  @Test func remoteUnlockRemovesLocksOfKilledProcesses() throws {
    let (repo, remote) = try makeRepoWithData()
    defer { try? FileManager.default.removeItem(atPath: remote) }
    try repo.mlvOK("push")
    // A pid that no longer runs: a child that has exited and been reaped.
    let dead = try exec("sh", ["-c", "sh -c 'exit 0' & wait $!; echo $!"], cwd: "/")
    let deadPID = try #require(Int32(dead.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
    let host = ProcessInfo.processInfo.hostName
    let now = Int(Date().timeIntervalSince1970)
    try FileManager.default.createDirectory(atPath: remote + "/locks", withIntermediateDirectories: true)
    func lock(_ name: String, _ body: String) throws {
      try Data(body.utf8).write(to: URL(fileURLWithPath: remote + "/locks/" + name))
    }
    try lock("push-\(now)-1", "push by process \(deadPID) on \(host)\npid \(deadPID)\nhost \(host)\n")
    let blocked = try repo.mlv("gc", "--remote", "origin")
    #expect(blocked.code != 0 && blocked.stderr.contains("locked by push"), "\(blocked.stderr)")
    #expect(blocked.stderr.contains("mlv remote unlock"))
    // A lock of a live process (this test), one from another machine, one seven hours old
    // written by an older mlv (no owner recorded).
    let me = ProcessInfo.processInfo.processIdentifier
    try lock("gc-\(now)-2", "gc by process \(me) on \(host)\npid \(me)\nhost \(host)\n")
    try lock("push-\(now)-3", "push by process 7 on far-away-host\npid 7\nhost far-away-host\n")
    try lock("push-\(now - 7 * 3600)-4", "push by process 1 on \(host)\n")

    let unlock = try repo.mlvOK("remote", "unlock", "origin")
    #expect(unlock.stdout.contains("removed locks/push-\(now)-1 (push since"), "\(unlock.stdout)")
    #expect(unlock.stdout.contains("process \(deadPID) on \(host) is gone"), "\(unlock.stdout)")
    #expect(unlock.stdout.contains("removed locks/push-\(now - 7 * 3600)-4"), "\(unlock.stdout)")
    #expect(unlock.stdout.contains("stale (7 hours old)"), "\(unlock.stdout)")
    #expect(unlock.stdout.contains("kept locks/gc-\(now)-2"), "\(unlock.stdout)")
    #expect(unlock.stdout.contains("process \(me) is running"), "\(unlock.stdout)")
    #expect(unlock.stdout.contains("kept locks/push-\(now)-3"), "\(unlock.stdout)")
    #expect(unlock.stdout.contains("removed 2 locks on origin, kept 2"), "\(unlock.stdout)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: remote + "/locks").sorted() == ["gc-\(now)-2", "push-\(now)-3"])
    // The live gc lock still blocks pushes; --all removes everything.
    #expect(try repo.mlv("push").code != 0)
    let all = try repo.mlvOK("remote", "unlock", "--all")
    #expect(all.stdout.contains("removed 2 locks on origin"), "\(all.stdout)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: remote + "/locks").isEmpty)
    try repo.mlvOK("gc", "--remote", "origin")
    #expect(try repo.mlvOK("remote", "unlock").stdout.contains("removed 0 locks on origin"))
  }

  /// fsck --remote reads the remote's indexes from the remote: an index damaged on the
  /// remote is found although the local cache holds a good copy, and a damaged cached copy
  /// does not make a healthy remote look damaged (the cache is refreshed from the remote).
  @Test func fsckRemoteReadsIndexesFromTheRemoteNotTheCache() throws {
    let (repo, remote) = try makeRepoWithData()
    defer { try? FileManager.default.removeItem(atPath: remote) }
    try repo.mlvOK("push")
    let cache = repo.path + "/.mlv/remotes/origin/index"
    let names = try FileManager.default.contentsOfDirectory(atPath: remote + "/index")
    #expect(names.count == 1)
    let name = try #require(names.first)
    #expect(try FileManager.default.contentsOfDirectory(atPath: cache) == [name])
    let good = try Data(contentsOf: URL(fileURLWithPath: remote + "/index/" + name))

    // The cached copy is damaged, the remote's is intact: the remote is healthy.
    var flipped = [UInt8](good)
    flipped[flipped.count / 2] ^= 0x01
    try Data(flipped).write(to: URL(fileURLWithPath: cache + "/" + name))
    let healthy = try repo.mlv("fsck", "--remote", "origin")
    #expect(healthy.code == 0 && healthy.stdout.contains("no problems"), "\(healthy.stdout)\(healthy.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: cache + "/" + name)) == good)

    // The remote's index is damaged, the cache holds a good copy: fsck must say so.
    try Data(flipped).write(to: URL(fileURLWithPath: remote + "/index/" + name))
    let damaged = try repo.mlv("fsck", "--remote", "origin")
    #expect(damaged.code == 4, "\(damaged.stdout)\(damaged.stderr)")
    #expect(damaged.stdout.contains("damaged index index/\(name) on origin"), "\(damaged.stdout)")
    #expect(damaged.stdout.contains("missing on origin"), "\(damaged.stdout)")
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

/// S3 end-to-end tests run against Ceph RGW when scripts/ceph-rgw.sh exported it (as
/// scripts/test.sh and .ci/run do), else against moto (MLVTestSupport/S3TestServer.swift).
@Suite(.s3Server) struct S3RemoteTests {
  @Test func teammateScenarioOverS3() throws {
    let server = try #require(S3TestServer.current)
    let bucket = try server.makeBucket(prefix: "e2e")
    let (repo, remote) = try makeRepoWithData(remoteURL: "s3://\(bucket)/team/project")
    defer { try? FileManager.default.removeItem(atPath: remote) }
    let env = server.environment()
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

  /// A pack over the multipart threshold goes up in parts (the object's ETag names the part
  /// count), RGW's empty completion ETag is not taken for a failure, and the data comes back
  /// byte for byte. 5 MiB parts: RGW, like S3, refuses smaller ones.
  @Test func packOverTheThresholdIsUploadedInParts() throws {
    let server = try #require(S3TestServer.current)
    let bucket = try server.makeBucket(prefix: "e2e-mp")
    let repo = try Repo()
    try repo.write("weights.bin", randomBytes(12 << 20, seed: 41))  // incompressible: a ~12 MiB pack
    try repo.mlvOK("add", "weights.bin")
    try repo.mlvOK("commit", "-m", "weights")
    try repo.mlvOK("remote", "add", "origin", "s3://\(bucket)/mp")
    try repo.git("commit", "-q", "-m", "remote")
    var env = server.environment()
    env["MLV_S3_MULTIPART_THRESHOLD"] = "5M"
    env["MLV_S3_PART_SIZE"] = "5MiB"
    let push = try repo.mlv("push", env: env)
    #expect(push.code == 0, "\(push.stderr)")
    let listing = try server.request("GET", "/\(bucket)?list-type=2&prefix=mp%2Fpacks%2F")
    let keys = listing.body.components(separatedBy: "<Key>").dropFirst().compactMap { $0.components(separatedBy: "</Key>").first }
    var multipart = 0
    for key in keys {
      let head = try server.request("HEAD", "/\(bucket)/\(key)")
      let size = Int(head.headers["content-length"] ?? "") ?? 0
      guard size > 5 << 20 else { continue }
      // S3 names a multipart object "<hex>-<part count>".
      let parts = (size + (5 << 20) - 1) / (5 << 20)
      #expect(head.headers["etag"]?.hasSuffix("-\(parts)\"") == true, "\(key): etag \(head.headers["etag"] ?? "none")")
      multipart += 1
    }
    #expect(multipart >= 1, "no pack above the threshold: \(listing.body)")
    let copy = try clone(repo)
    let pull = try copy.mlv("pull", env: env)
    #expect(pull.code == 0, "\(pull.stderr)")
    #expect(copy.read("weights.bin") == randomBytes(12 << 20, seed: 41))
    let bad = try repo.mlv("push", env: ["MLV_S3_PART_SIZE": "lots"].merging(env) { a, _ in a })
    #expect(bad.code != 0 && bad.stderr.contains("MLV_S3_PART_SIZE=lots"), "\(bad.stderr)")
  }

  /// A multipart upload a killed push left behind (its parts invisible to listings but
  /// stored) is aborted by gc --remote; --dry-run only counts it.
  @Test func gcRemoteAbortsUnfinishedUploads() throws {
    let server = try #require(S3TestServer.current)
    let bucket = try server.makeBucket(prefix: "e2e-gc")
    let (repo, remote) = try makeRepoWithData(remoteURL: "s3://\(bucket)/p")
    defer { try? FileManager.default.removeItem(atPath: remote) }
    let env = server.environment()
    #expect(try repo.mlv("push", env: env).code == 0)
    let key = "p/packs/ab/" + String(repeating: "ab", count: 32) + ".pack"
    let created = try server.request("POST", "/\(bucket)/\(key)?uploads=")
    #expect(created.status == 200 && created.body.contains("<UploadId>"), "\(created.body)")
    func openUploads() throws -> Int {
      try server.request("GET", "/\(bucket)?uploads=").body.components(separatedBy: "<UploadId>").count - 1
    }
    #expect(try openUploads() == 1)
    let dry = try repo.mlv("gc", "--remote", "origin", "--dry-run", env: env)
    #expect(dry.code == 0 && dry.stdout.contains("would abort 1 unfinished upload"), "\(dry.stdout)\(dry.stderr)")
    #expect(try openUploads() == 1)
    let gc = try repo.mlv("gc", "--remote", "origin", env: env)
    #expect(gc.code == 0 && gc.stdout.contains("aborted 1 unfinished upload"), "\(gc.stdout)\(gc.stderr)")
    #expect(try openUploads() == 0)
    #expect(try repo.mlv("fsck", "--remote", "origin", env: env).code == 0)
  }
}

/// RGW checks every request's signature against its users (also with `auth none` between
/// its daemons); without RGW, moto told to authenticate every request.
@Suite(.s3ServerWithAuth) struct S3CredentialTests {
  @Test func wrongCredentialsGiveAClearError() throws {
    let server = try #require(S3TestServer.current)
    // On RGW the bucket exists, so only the credentials can be at fault.
    let bucket = server.isRGW ? try server.makeBucket(prefix: "e2e-auth") : "nobody-bucket"
    let (repo, remote) = try makeRepoWithData(remoteURL: "s3://\(bucket)/p")
    defer { try? FileManager.default.removeItem(atPath: remote) }
    let wrongSecret = try repo.mlv("push", env: server.environment(secret: "wrong"))
    #expect(wrongSecret.code != 0)
    #expect(wrongSecret.stderr.contains("access denied"), "\(wrongSecret.stderr)")
    #expect(wrongSecret.stderr.contains("AWS_ACCESS_KEY_ID"))
    if server.isRGW {
      #expect(wrongSecret.stderr.contains("secret access key does not match"), "\(wrongSecret.stderr)")
    }
    let unknownKey = try repo.mlv("push", env: server.environment(secret: "x", accessKey: "AKIDNOBODYKNOWS"))
    #expect(unknownKey.code != 0)
    #expect(unknownKey.stderr.contains("access denied"), "\(unknownKey.stderr)")
    if server.isRGW {
      #expect(unknownKey.stderr.contains("access key id is not known"), "\(unknownKey.stderr)")
      // The right credentials work on the same repository: the failures were the keys.
      let good = try repo.mlv("push", env: server.environment())
      #expect(good.code == 0, "\(good.stderr)")
    }
  }
}
