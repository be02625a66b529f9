import Foundation
import Testing

/// `mlv exp push` / `exp pull` reach the git remote through the `git` command line
/// (docs/experiments.md, "Sharing runs"): every transport git has works, with the user's
/// ssh and credential setup. Tested on loopback: a `file://` URL, `git daemon` on
/// 127.0.0.1 (git://), and ssh through `core.sshCommand` (a stand-in ssh that runs the
/// remote command locally, as sshd would), plus an unreachable and a refusing remote.
@Suite struct ExperimentTransportTests {
  /// A repository with one commit, an mlv remote and two recorded runs.
  static func repoWithRuns(store: String) throws -> Repo {
    let repo = try Repo()
    try repo.write("params.yaml", "seed: 1\n")
    try repo.mlvOK("remote", "add", "origin", store)
    try repo.git("add", "params.yaml")
    try repo.mlvOK("commit", "-m", "params")
    try repo.mlvOK("run", "-n", "a", "-p", "params.yaml", "-o", "out.txt", "--", "sh", "-c", "cat params.yaml > out.txt")
    try repo.mlvOK("run", "-n", "b", "-S", "seed=2", "--", "sh", "-c", "cat params.yaml > out.txt")
    return repo
  }

  /// Pushes both runs to `url`, clones the bare repository, pulls the runs there through
  /// `url` and reproduces one.
  func roundTrip(_ repo: Repo, url: String, bare: String, config: [[String]] = []) throws {
    try repo.git("push", "-q", bare, "master")  // the branch a teammate clones (with .mlv/config)
    let pushed = try repo.mlv("exp", "push", url)
    #expect(pushed.code == 0 && pushed.stdout.contains("pushed 2 runs"), "\(pushed.stdout) \(pushed.stderr)")
    let listed = try exec("git", ["ls-remote", bare, "refs/mlv/*"], cwd: bare).stdout
    #expect(listed.contains("refs/mlv/runs/a") && listed.contains("refs/mlv/runs/b"), "\(listed)")

    let parent = makeTempDir("mlv-transport-clone")
    defer { try? FileManager.default.removeItem(atPath: parent) }
    let copy = parent + "/copy"
    #expect(try exec("git", ["clone", "-q", bare, copy], cwd: parent).code == 0)
    for args in [["config", "user.name", "Teammate"], ["config", "user.email", "t@example.com"]] + config {
      _ = try exec("git", args, cwd: copy)
    }
    let pull = try exec(Binary.mlv, ["exp", "pull", url], cwd: copy)
    #expect(pull.code == 0 && pull.stdout.contains("pulled 2 runs"), "\(pull.stdout) \(pull.stderr)")
    #expect(try exec("git", ["for-each-ref", "--format=%(refname)", "refs/mlv/incoming"], cwd: copy).stdout.isEmpty)
    let r = try exec(Binary.mlv, ["repro", "b"], cwd: copy)
    #expect(r.code == 0 && r.stdout.contains("reproduced: identical"), "\(r.stdout) \(r.stderr)")
  }

  func bareRepo() throws -> (dir: String, bare: String) {
    let dir = makeTempDir("mlv-transport-git")
    let bare = dir + "/team.git"
    _ = try exec("git", ["init", "-q", "--bare", bare], cwd: dir)
    return (dir, bare)
  }

  @Test func fileURL() throws {
    let store = makeTempDir("mlv-transport-store")
    let (dir, bare) = try bareRepo()
    defer { for d in [store, dir] { try? FileManager.default.removeItem(atPath: d) } }
    let repo = try Self.repoWithRuns(store: store)
    try roundTrip(repo, url: "file://" + bare, bare: bare)
  }

  /// ssh as the user has it set up: git runs `core.sshCommand` (libgit2 would not), which
  /// here runs the remote side's command locally.
  @Test func sshThroughTheUsersSshCommand() throws {
    let store = makeTempDir("mlv-transport-store")
    let (dir, bare) = try bareRepo()
    defer { for d in [store, dir] { try? FileManager.default.removeItem(atPath: d) } }
    let ssh = dir + "/fake-ssh"
    let log = dir + "/ssh.log"
    // git calls `SSH [options] HOST COMMAND`; sshd would run COMMAND on HOST
    try Data("#!/bin/sh\necho \"$@\" >> '\(log)'\nfor last; do :; done\nexec sh -c \"$last\"\n".utf8)
      .write(to: URL(fileURLWithPath: ssh))
    chmod(ssh, 0o755)
    let repo = try Self.repoWithRuns(store: store)
    try repo.git("config", "core.sshCommand", ssh)
    try roundTrip(repo, url: "ssh://teammate.example" + bare, bare: bare, config: [["config", "core.sshCommand", ssh]])
    let calls = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
    #expect(calls.contains("teammate.example") && calls.contains("git-receive-pack") && calls.contains("git-upload-pack"), "\(calls)")
  }

  /// git:// from `git daemon` on 127.0.0.1, with pushing enabled.
  @Test func gitDaemonOnLoopback() throws {
    let store = makeTempDir("mlv-transport-store")
    let (dir, bare) = try bareRepo()
    defer { for d in [store, dir] { try? FileManager.default.removeItem(atPath: d) } }
    guard let (daemon, port) = try startDaemon(base: dir) else {
      Issue.record("git daemon did not start on 127.0.0.1")
      return
    }
    defer {
      // SIGKILL: the test runner starts children with SIGTERM blocked
      kill(daemon.processIdentifier, SIGKILL)
      daemon.waitUntilExit()
    }
    let repo = try Self.repoWithRuns(store: store)
    try roundTrip(repo, url: "git://127.0.0.1:\(port)/team.git", bare: bare)
  }

  /// Starts `git daemon` on a free loopback port (a few tries); nil if it never answers.
  func startDaemon(base: String) throws -> (Process, Int)? {
    // git-daemon itself, not the `git daemon` wrapper: SIGTERM to the wrapper leaves the
    // daemon running (and the test waiting for it)
    let execPath = try exec("git", ["--exec-path"], cwd: base).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    for _ in 0..<5 {
      let port = Int.random(in: 20000..<60000)
      let p = Process()
      p.executableURL = URL(fileURLWithPath: execPath + "/git-daemon")
      p.arguments = [
        "--listen=127.0.0.1", "--port=\(port)", "--base-path=" + base, "--export-all",
        "--enable=receive-pack", "--reuseaddr", base,
      ]
      p.standardOutput = FileHandle.nullDevice
      p.standardError = FileHandle.nullDevice
      p.standardInput = FileHandle.nullDevice
      try p.run()
      for _ in 0..<50 where p.isRunning {
        if try exec("git", ["ls-remote", "git://127.0.0.1:\(port)/team.git"], cwd: base).code == 0 { return (p, port) }
        usleep(100_000)
      }
      if p.isRunning { kill(p.processIdentifier, SIGKILL) }
      p.waitUntilExit()
    }
    return nil
  }

  @Test func anUnreachableOrRefusingRemoteIsAClearError() throws {
    let store = makeTempDir("mlv-transport-store")
    let (dir, bare) = try bareRepo()
    defer { for d in [store, dir] { try? FileManager.default.removeItem(atPath: d) } }
    let repo = try Self.repoWithRuns(store: store)

    // nothing listens on port 1; a path that is no repository
    let down = try repo.mlv("exp", "push", "git://127.0.0.1:1/team.git", "a")
    #expect(down.code == 1 && down.stderr.contains("git push git://127.0.0.1:1/team.git failed:"), "\(down.stderr)")
    let nowhere = try repo.mlv("exp", "pull", dir + "/missing.git")
    #expect(nowhere.code == 1 && nowhere.stderr.contains("git fetch") && nowhere.stderr.contains("missing.git"), "\(nowhere.stderr)")

    // a teammate's run `a` with another commit is on the remote: ours is refused, not forced
    let mate = try Self.repoWithRuns(store: store)
    try mate.mlvOK("run", "-n", "a", "--force", "-S", "seed=9", "--", "sh", "-c", "cat params.yaml > out.txt")
    try mate.mlvOK("exp", "push", bare, "a")
    let theirs = try exec("git", ["rev-parse", "refs/mlv/runs/a"], cwd: bare).stdout
    let refused = try repo.mlv("exp", "push", bare, "a", "b")
    #expect(refused.code == 1 && refused.stderr.contains("run a refused by"), "\(refused.stderr)")
    #expect(refused.stdout.contains("pushed 1 run"), "\(refused.stdout)")
    #expect(try exec("git", ["rev-parse", "refs/mlv/runs/a"], cwd: bare).stdout == theirs)
  }
}
