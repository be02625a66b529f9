import Foundation
import Testing

/// Signed attestations end to end: mlv's in-toto statement checked by `ssh-keygen -Y
/// verify` and the git command line alone, GTO still reading the same registry, the
/// attestation travelling with `git push --tags`, and every way verify must fail.
@Suite(.serialized) struct AttestationTests {
  /// An ed25519 key pair and an allowed-signers file naming it for the mlv-model namespace.
  private func keys(_ dir: String, _ name: String, principal: String) throws -> (key: String, allowed: String) {
    let key = dir + "/" + name
    let k = try exec("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", principal, "-f", key], cwd: dir)
    #expect(k.code == 0, "\(k.stderr)")
    let pub = try String(contentsOfFile: key + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    let allowed = dir + "/" + name + ".allowed"
    try Data("\(principal) namespaces=\"mlv-model\" \(pub)\n".utf8).write(to: URL(fileURLWithPath: allowed))
    return (key, allowed)
  }

  /// `sha256sum` of bytes, the independent witness of the subjects' digests.
  private func sha256sum(_ bytes: [UInt8], _ dir: String) throws -> String {
    let f = dir + "/digest-input"
    try Data(bytes).write(to: URL(fileURLWithPath: f))
    return String(try exec("sha256sum", [f], cwd: dir).stdout.prefix(64))
  }

  /// Writes `git show SPEC` (raw) to `file`.
  private func gitShow(_ repo: Repo, _ spec: String, to file: String) throws {
    let r = try exec("git", ["show", spec], cwd: repo.path)
    #expect(r.code == 0, "git show \(spec): \(r.stderr)")
    try Data(r.stdout.utf8).write(to: URL(fileURLWithPath: file))
  }

  @Test func signedAttestationIsCheckedByMlvSshKeygenGitAndGTO() throws {
    let (repo, remote, v1Files, commits) = try modelRepo()
    defer { try? FileManager.default.removeItem(atPath: remote) }
    let dir = makeTempDir("mlv-att-keys")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let alice = try keys(dir, "alice", principal: "alice@example.com")
    let mallory = try keys(dir, "mallory", principal: "mallory@example.com")
    let reg = try regOK(repo, 1, "model", "register", "churn", "models/churn", "v1.0.0", "--rev", commits[0], "--sign", alice.key)
    #expect(reg.stdout.contains("signed: mlv-attestation/churn/v1.0.0"), "\(reg.stdout)")
    try regOK(repo, 2, "model", "register", "churn", "models/churn", "v1.1.0")
    try regOK(repo, 3, "model", "promote", "churn", "v1.0.0", "prod")

    let good = try repo.mlv("model", "verify", "churn@v1.0.0", "--allowed-signers", alice.allowed)
    #expect(good.code == 0, "\(good.stderr)")
    #expect(good.stdout.contains("good signature by alice@example.com") && good.stdout.contains("2 files"), "\(good.stdout)")

    // git alone: an annotated tag of a tree holding the statement and its signature.
    let att = "mlv-attestation/churn/v1.0.0"
    #expect(try repo.gitOut("cat-file", "-t", att) == "tag")
    #expect(try repo.gitOut("cat-file", "-t", att + "^{}") == "tree")
    #expect(try repo.gitOut("ls-tree", "--name-only", att) == "statement.json\nstatement.json.sig")
    #expect(try repo.gitOut("tag", "-l", "--format=%(contents)", "churn@v1.0.0").contains("attestation: " + (try repo.gitOut("rev-parse", att + "^{}"))))
    try gitShow(repo, att + ":statement.json", to: dir + "/statement.json")
    try gitShow(repo, att + ":statement.json.sig", to: dir + "/statement.json.sig")

    // The in-toto Statement: every file with the digest sha256sum gives, the version, the lineage.
    let doc = try jsonObject(try String(contentsOfFile: dir + "/statement.json", encoding: .utf8))
    #expect(doc["_type"] as? String == "https://in-toto.io/Statement/v1")
    #expect(doc["predicateType"] as? String == "urn:mlv:predicate:lineage:v1")
    let subjects = try #require(doc["subject"] as? [[String: Any]])
    var want: [String: String] = [:]
    for (name, bytes) in v1Files { want["models/churn/" + name] = try sha256sum(bytes, dir) }
    var got: [String: String] = [:]
    for s in subjects { got[s["name"] as? String ?? ""] = (s["digest"] as? [String: String])?["sha256"] }
    #expect(got == want)
    let predicate = try #require(doc["predicate"] as? [String: Any])
    let version = try #require(predicate["version"] as? [String: Any])
    #expect(version["commit"] as? String == commits[0] && version["name"] as? String == "churn")
    #expect((predicate["lineage"] as? [String: Any])?["path"] as? String == "models/churn")

    // The oracle: ssh-keygen checks mlv's signature without mlv.
    let oracle = try exec(
      "sh", ["-c", "ssh-keygen -Y verify -f \"$1\" -I alice@example.com -n mlv-model -s \"$2\" < \"$3\"", "sh",
        alice.allowed, dir + "/statement.json.sig", dir + "/statement.json"], cwd: dir)
    #expect(oracle.code == 0, "ssh-keygen: \(oracle.stdout) \(oracle.stderr)")

    // GTO reads the same registry: the attestation tag is not an artifact to it.
    let gshow = try GTO.run(["show", "--json"], cwd: repo.path)
    #expect(gshow.code == 0, "gto show: \(gshow.stderr)")
    let gto = try jsonObject(gshow.stdout)
    #expect(Array(gto.keys) == ["churn"], "\(gshow.stdout)")
    let gtoChurn = try #require(gto["churn"] as? [String: Any])
    #expect(gtoChurn["version"] as? String == "v1.1.0")
    #expect(gtoChurn["stage"] as? [String: String] == ["prod": "v1.0.0"])
    #expect(try regOK(repo, 3, "model", "show", "churn").stdout.contains("signed"))
    let shown = try #require((try jsonObject(try regOK(repo, 3, "model", "show", "--json").stdout)["models"] as? [[String: Any]])?.first)
    let v1 = try #require((shown["versions"] as? [[String: Any]])?.first { $0["version"] as? String == "v1.0.0" })
    let attTree = try repo.gitOut("rev-parse", att + "^{}")
    #expect(v1["signed"] as? Bool == true && v1["attestation"] as? String == attTree)

    // It travels with `git push --tags`: a clone verifies (fetching the data it lacks).
    let bare = makeTempDir("mlv-att-bare")
    defer { try? FileManager.default.removeItem(atPath: bare) }
    #expect(try exec("git", ["init", "-q", "--bare", bare], cwd: dir).code == 0)
    try repo.git("push", "-q", bare, "master", "--tags")
    let copy = try Repo(mlvInit: false)
    try FileManager.default.removeItem(atPath: copy.path)
    #expect(try exec("git", ["clone", "-q", bare, copy.path], cwd: dir).code == 0)
    let far = try copy.mlv("model", "verify", "churn@v1.0.0", "--allowed-signers", alice.allowed)
    #expect(far.code == 0 && far.stdout.contains("good signature by alice@example.com"), "\(far.stdout) \(far.stderr)")

    // A wrong signer, an unsigned version, a missing allowed-signers file.
    let wrong = try repo.mlv("model", "verify", "churn@v1.0.0", "--allowed-signers", mallory.allowed)
    #expect(wrong.code == 1 && wrong.stderr.contains("by no signer in the allowed-signers file"), "\(wrong.stderr)")
    let unsigned = try repo.mlv("model", "verify", "churn@v1.1.0", "--allowed-signers", alice.allowed)
    #expect(unsigned.code == 1 && unsigned.stderr.contains("carries no signature"), "\(unsigned.stderr)")
    let noFile = try repo.mlv("model", "verify", "churn@v1.0.0", "--allowed-signers", dir + "/missing")
    #expect(noFile.code == 1 && noFile.stderr.contains("allowed-signers"))

    // A replaced attestation (Mallory signs the same statement) is not the one the version names.
    let original = try repo.gitOut("rev-parse", "refs/tags/" + att)
    try FileManager.default.removeItem(atPath: dir + "/statement.json.sig")
    #expect(try exec("ssh-keygen", ["-Y", "sign", "-n", "mlv-model", "-f", mallory.key, dir + "/statement.json"], cwd: dir).code == 0)
    let blobs = try ["statement.json", "statement.json.sig"].map { try repo.gitOut("hash-object", "-w", dir + "/" + $0) }
    try Data("100644 blob \(blobs[0])\tstatement.json\n100644 blob \(blobs[1])\tstatement.json.sig\n".utf8)
      .write(to: URL(fileURLWithPath: dir + "/tree.txt"))
    let forged = try exec("sh", ["-c", "git mktree < \"$1\"", "sh", dir + "/tree.txt"], cwd: repo.path).stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(forged != (try repo.gitOut("rev-parse", att + "^{}")))
    try repo.git("tag", "-f", "-a", "-m", "forged", att, forged)
    let swapped = try repo.mlv("model", "verify", "churn@v1.0.0", "--allowed-signers", mallory.allowed)
    #expect(swapped.code == 1 && swapped.stderr.contains("was rewritten"), "\(swapped.stderr)")
    try repo.git("update-ref", "refs/tags/" + att, original)
    #expect(try repo.mlv("model", "verify", "churn@v1.0.0", "--allowed-signers", alice.allowed).code == 0)

    // A rewritten version tag: the same message moved to another commit with the same pointer.
    let message = try repo.gitOut("tag", "-l", "--format=%(contents)", "churn@v1.0.0")
    try Data((message + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/msg"))
    try repo.git("checkout", "-q", commits[0])
    try repo.git("commit", "-q", "--allow-empty", "-m", "same pointer, other commit")
    try repo.git("tag", "-f", "-a", "-F", dir + "/msg", "churn@v1.0.0", "HEAD")
    let moved = try repo.mlv("model", "verify", "churn@v1.0.0", "--allowed-signers", alice.allowed)
    #expect(moved.code == 1 && moved.stderr.contains("was rewritten") && moved.stderr.contains(String(commits[0].prefix(7))), "\(moved.stderr)")
  }

  /// A changed byte in a pack, in a file of many chunks and in a file of one: exit 4 naming
  /// the file; with the bytes intact again, verify passes.
  @Test func aChangedStoreByteFailsVerifyWithExit4() throws {
    let repo = try Repo()
    let dir = makeTempDir("mlv-att-keys")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let alice = try keys(dir, "alice", principal: "alice@example.com")
    try repo.write("model/weights.bin", randomBytes(1_500_000, seed: 9))
    try repo.mlvOK("add", "model")
    try repo.mlvOK("commit", "-m", "model")
    try regOK(repo, 1, "model", "register", "m", "model", "v1.0.0", "--sign", alice.key)
    #expect(try repo.mlv("model", "verify", "m@v1.0.0", "--allowed-signers", alice.allowed).code == 0)
    let packs = try FileManager.default.subpathsOfDirectory(atPath: repo.path + "/.mlv/store/packs").filter { $0.hasSuffix(".pack") }
    #expect(packs.count == 1)
    let packPath = repo.path + "/.mlv/store/packs/" + packs[0]
    let intact = try Data(contentsOf: URL(fileURLWithPath: packPath))
    var bytes = Array(intact)
    bytes[bytes.count / 2] ^= 0x01
    try Data(bytes).write(to: URL(fileURLWithPath: packPath))
    let r = try repo.mlv("model", "verify", "m@v1.0.0", "--allowed-signers", alice.allowed)
    #expect(r.code == 4, "\(r.stdout) \(r.stderr)")
    #expect(r.stderr.contains("model/weights.bin") && r.stderr.contains("do not match"), "\(r.stderr)")
    try intact.write(to: URL(fileURLWithPath: packPath))
    #expect(try repo.mlv("model", "verify", "m@v1.0.0", "--allowed-signers", alice.allowed).code == 0)
  }
}
