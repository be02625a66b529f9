import Foundation
import Testing

/// `mlv run`, `exp show`, the diffs and `repro`, driven through the binary with a real
/// Python training script (numpy, fixed seed) and checked with the git CLI as witness.
@Suite struct ExperimentTests {
  /// Generates a small regression CSV (seeded) and a gradient-descent trainer that writes
  /// models/model.bin and metrics.json; commits them with data tracked by mlv.
  static func trainingRepo() throws -> Repo {
    let repo = try Repo()
    try repo.write(
      "gen.py",
      """
      import numpy as np, os
      rng = np.random.default_rng(0)
      x = rng.normal(size=(300, 3))
      y = x @ np.array([1.5, -2.0, 0.5]) + 0.3 + rng.normal(scale=0.1, size=300)
      os.makedirs("data", exist_ok=True)
      np.savetxt("data/train.csv", np.column_stack([x, y]), delimiter=",", fmt="%.6f")
      """)
    try repo.write(
      "train.py",
      """
      import json, os, re
      import numpy as np
      params = {}
      for line in open("params.yaml"):
          m = re.match(r"\\s+(\\w+):\\s*([^#\\s]+)", line)
          if m: params[m.group(1)] = float(m.group(2))
      data = np.loadtxt("data/train.csv", delimiter=",")
      x, y = data[:, :-1], data[:, -1]
      rng = np.random.default_rng(int(params["seed"]))
      w = rng.normal(size=x.shape[1]); b = 0.0
      for _ in range(int(params["epochs"])):
          err = x @ w + b - y
          w -= params["lr"] * (x.T @ err) / len(y); b -= params["lr"] * err.mean()
      loss = float(np.mean((x @ w + b - y) ** 2))
      os.makedirs("models", exist_ok=True)
      np.concatenate([w, [b]]).astype("<f8").tofile("models/model.bin")
      json.dump({"loss": round(loss, 10), "eval": {"weights": len(w)}}, open("metrics.json", "w"))
      """)
    try repo.write("params.yaml", "# training params\ntrain:\n  lr: 0.1   # learning rate\n  epochs: 40\n  seed: 42\n")
    let gen = try exec("python3", ["gen.py"], cwd: repo.path)
    #expect(gen.code == 0, "gen.py: \(gen.stderr)")
    try repo.mlvOK("add", "data/train.csv")
    try repo.git("add", "gen.py", "train.py", "params.yaml")
    try repo.mlvOK("commit", "-m", "data and trainer")
    return repo
  }

  static func runBaseline(_ repo: Repo) throws {
    try repo.mlvOK(
      "run", "-n", "baseline", "-p", "params.yaml", "-d", "data/train.csv", "-d", "train.py", "-o", "models/", "-m",
      "metrics.json", "--", "python3", "train.py")
  }

  func jsonArray(_ text: String) throws -> [[String: Any]] {
    (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]) ?? []
  }

  @Test func twoRunsAreListedDiffedAndTheFirstReproducedInIsolation() throws {
    let repo = try Self.trainingRepo()
    try Self.runBaseline(repo)
    try repo.mlvOK("run", "-n", "lr-small", "-S", "train.lr=0.01", "--", "python3", "train.py")

    // the override changed only that value, keeping comments and layout
    #expect(String(decoding: repo.read("params.yaml") ?? [], as: UTF8.self)
      == "# training params\ntrain:\n  lr: 0.01   # learning rate\n  epochs: 40\n  seed: 42\n")
    // git as witness: one commit per run kept off the branch, a ref per run, the record inside
    #expect(try repo.gitOut("rev-list", "--count", "HEAD") == "1")
    #expect(try repo.gitOut("for-each-ref", "--format=%(refname)", "refs/mlv/runs")
      == "refs/mlv/runs/baseline\nrefs/mlv/runs/lr-small")
    #expect(try repo.gitOut("show", "refs/mlv/runs/baseline:params.yaml").contains("lr: 0.1 "))
    let record = try repo.gitOut("show", "refs/mlv/runs/baseline:.mlv/runs/baseline.json")
    #expect(record.contains("\"python3\"") && record.contains("\"data/train.csv\"") && record.contains("\"models\""))
    #expect(try repo.gitOut("show", "--format=%s", "-s", "refs/mlv/runs/lr-small") == "run lr-small: python3 train.py")

    let shown = try jsonArray(try repo.mlvOK("exp", "show", "--json").stdout)
    #expect(shown.map { $0["run"] as? String } == ["baseline", "lr-small"])
    let lrs = shown.map { ($0["params"] as? [String: Any])?["train.lr"] as? Double }
    #expect(lrs == [0.1, 0.01])
    let losses = shown.compactMap { ($0["metrics"] as? [String: Any])?["loss"] as? Double }
    #expect(losses.count == 2 && losses[0] < losses[1])
    let csv = try repo.mlvOK("exp", "show", "--csv", "--sort", "loss", "--desc").stdout
    #expect(csv.split(separator: "\r\n").dropFirst().first?.hasPrefix("lr-small,") == true)

    let params = try repo.mlvOK("params", "diff", "baseline", "lr-small").stdout
    #expect(params.contains("train.lr") && params.contains("0.01") && !params.contains("train.seed"))
    let metrics = try repo.mlvOK("metrics", "diff", "baseline", "lr-small", "--json").stdout
    let m = try JSONSerialization.jsonObject(with: Data(metrics.utf8)) as? [String: [[String: Any]]]
    let loss = m?["metrics"]?.first { $0["key"] as? String == "loss" }
    #expect((loss?["delta"] as? Double).map { $0 > 0 } == true)
    #expect(try repo.mlvOK("exp", "diff", "baseline", "lr-small").stdout.contains("models"))

    // repro of the first run leaves the workspace on the second, untouched
    let head = try repo.gitOut("rev-parse", "HEAD")
    let branch = try repo.gitOut("symbolic-ref", "HEAD")
    let status = try repo.gitOut("status", "--porcelain", "--ignored")
    let files = try repo.snapshot("models").merging(["params.yaml": repo.read("params.yaml") ?? [], "metrics.json": repo.read("metrics.json") ?? []]) { a, _ in a }
    let repro = try repo.mlv("repro", "baseline")
    #expect(repro.code == 0, "\(repro.stderr)")
    #expect(repro.stdout.contains("reproduced: identical"))
    #expect(try repo.gitOut("rev-parse", "HEAD") == head)
    #expect(try repo.gitOut("symbolic-ref", "HEAD") == branch)
    #expect(try repo.gitOut("status", "--porcelain", "--ignored") == status)
    #expect(try repo.snapshot("models").merging(["params.yaml": repo.read("params.yaml") ?? [], "metrics.json": repo.read("metrics.json") ?? []]) { a, _ in a } == files)
    #expect(try repo.gitOut("worktree", "list").split(separator: "\n").count == 1)
    #expect(try repo.gitOut("branch", "--list") == "* master")

    // runs recorded on the branch stay findable from its history when their refs are gone
    try repo.mlvOK("run", "-n", "kept", "--on-branch", "-S", "train.lr=0.02", "--", "python3", "train.py")
    try repo.git("update-ref", "-d", "refs/mlv/runs/kept")
    let again = try jsonArray(try repo.mlvOK("exp", "show", "--json").stdout)
    #expect(again.map { $0["run"] as? String } == ["baseline", "lr-small", "kept"])
    #expect(try repo.mlv("repro", "kept").stdout.contains("reproduced: identical"))
  }

  /// A teammate's clone has none of the run's data: repro fetches it from the default
  /// remote, then reproduces the run exactly.
  @Test func reproInACloneFetchesTheRunsDataFromTheRemote() throws {
    let repo = try Self.trainingRepo()
    try Self.runBaseline(repo)
    let remote = makeTempDir("mlv-repro-remote")
    let clone = makeTempDir("mlv-repro-clone")
    defer {
      try? FileManager.default.removeItem(atPath: remote)
      try? FileManager.default.removeItem(atPath: clone)
    }
    try repo.mlvOK("remote", "add", "origin", remote)
    try repo.mlvOK("commit", "-m", "remote")
    try repo.mlvOK("push", "--all-commits")
    let c = try exec("git", ["clone", "-q", repo.path, clone + "/copy"], cwd: clone)
    #expect(c.code == 0, "\(c.stderr)")
    let copy = clone + "/copy"
    for args in [["config", "user.name", "Teammate"], ["config", "user.email", "t@example.com"], ["fetch", "-q", "origin", "refs/mlv/*:refs/mlv/*", "refs/tags/*:refs/tags/*"]] {
      _ = try exec("git", args, cwd: copy)
    }
    let r = try exec(Binary.mlv, ["repro", "baseline"], cwd: copy)
    #expect(r.code == 0, "repro in the clone: \(r.stderr)")
    #expect(r.stdout.contains("fetched") && r.stdout.contains("reproduced: identical"), "\(r.stdout)")
  }

  @Test func nonDeterministicRunsAreReportedAsDiffering() throws {
    let repo = try Repo()
    // output random bytes and a random metric: nothing about it reproduces
    try repo.write("noisy.py", "import os, json, random\nopen('out.bin','wb').write(os.urandom(64))\njson.dump({'score': random.random()}, open('m.json','w'))\n")
    // deterministic output, a metric that jitters by less than 1e-9
    try repo.write("jitter.py", "import json, random\nopen('w.txt','w').write('same')\njson.dump({'acc': 0.5 + random.random() * 1e-9}, open('j.json','w'))\n")
    try repo.git("add", "noisy.py", "jitter.py")
    try repo.mlvOK("commit", "-m", "scripts")
    try repo.mlvOK("run", "-n", "noisy", "-d", "noisy.py", "-o", "out.bin", "-m", "m.json", "--", "python3", "noisy.py")
    try repo.mlvOK("run", "-n", "jitter", "-d", "jitter.py", "-o", "w.txt", "-m", "j.json", "--", "python3", "jitter.py")

    let r = try repo.mlv("repro", "noisy")
    #expect(r.code == 1)
    #expect(r.stdout.contains("differs: output out.bin"))
    #expect(r.stdout.contains("differs: metric score"))
    #expect(r.stdout.contains("reproduced: differs"))
    let strict = try repo.mlv("repro", "jitter")
    #expect(strict.code == 1 && strict.stdout.contains("differs: metric acc") && !strict.stdout.contains("output"))
    // a rerun whose command fails is an error, and the worktree is still removed
    try repo.mlvOK("run", "-n", "flaky", "-o", "f.txt", "--", "test -z \"$FAIL\" && echo ok > f.txt")
    let rerun = try repo.mlv(args: ["repro", "flaky"], env: ["FAIL": "1"])
    #expect(rerun.code == 1 && rerun.stderr.contains("run 'flaky': the command failed with exit code 1 when run again"))
    #expect(try repo.gitOut("worktree", "list").split(separator: "\n").count == 1)
    let tolerant = try repo.mlv("repro", "jitter", "--tolerance", "1e-6")
    #expect(tolerant.code == 0, "\(tolerant.stdout)\(tolerant.stderr)")
    #expect(tolerant.stdout.contains("within tolerance: metric acc") && tolerant.stdout.contains("reproduced: within tolerance"))
  }

  @Test func reproSkipsUnchangedStagesAndReusesRevertedOnes() throws {
    let repo = try Repo()
    try repo.write("raw.txt", "c\na\nb\n")
    try repo.write("params.yaml", "scale: 2 # multiplier\n")
    try repo.git("add", "raw.txt", "params.yaml")
    try repo.mlvOK("commit", "-m", "inputs")
    // "zprep" sorts after "train" by name, so running it first proves dependency order
    try repo.mlvOK("run", "-n", "zprep", "-d", "raw.txt", "-o", "sorted.txt", "--", "sort raw.txt > sorted.txt")
    try repo.mlvOK(
      "run", "-n", "train", "-d", "sorted.txt", "-p", "params.yaml", "-o", "model.txt", "-m", "metrics.json", "--",
      "sh", "-c", "s=$(sed 's/ *#.*//;s/scale: //' params.yaml); (cat sorted.txt; echo \"x$s\") > model.txt; echo \"{\\\"scale\\\": $s}\" > metrics.json")
    let commits = try repo.gitOut("rev-list", "--count", "HEAD")

    let upToDate = try repo.mlvOK("repro").stdout
    #expect(upToDate == "stage zprep: up to date\nstage train: up to date\n")
    #expect(try repo.gitOut("rev-list", "--count", "HEAD") == commits)

    try repo.write("params.yaml", "scale: 3 # multiplier\n")
    let changed = try repo.mlvOK("repro").stdout
    #expect(changed.contains("stage zprep: up to date\nstage train: running\n"))
    #expect(String(decoding: repo.read("model.txt") ?? [], as: UTF8.self) == "a\nb\nc\nx3\n")

    try repo.write("params.yaml", "scale: 2 # multiplier\n")
    let reverted = try repo.mlvOK("repro").stdout
    #expect(reverted == "stage zprep: up to date\nstage train: restored from cache (run train)\n")
    #expect(String(decoding: repo.read("model.txt") ?? [], as: UTF8.self) == "a\nb\nc\nx2\n")
    #expect(String(decoding: repo.read("metrics.json") ?? [], as: UTF8.self) == "{\"scale\": 2}\n")
    #expect(try repo.mlvOK("repro").stdout == "stage zprep: up to date\nstage train: up to date\n")

    try repo.write("raw.txt", "d\nc\na\nb\n")
    let upstream = try repo.mlvOK("repro").stdout
    #expect(upstream.contains("stage zprep: running") && upstream.contains("stage train: running"))
    #expect(String(decoding: repo.read("model.txt") ?? [], as: UTF8.self) == "a\nb\nc\nd\nx2\n")
  }

  @Test func failedCommandsRecordNothingUnlessAsked() throws {
    let repo = try Repo()
    try repo.write("params.yaml", "lr: 0.1 # keep me\n")
    try repo.git("add", "params.yaml")
    try repo.mlvOK("commit", "-m", "params")
    let before = try repo.gitOut("rev-list", "--count", "HEAD")
    let failed = try repo.mlv("run", "-n", "boom", "-p", "params.yaml", "-S", "lr=0.5", "--", "sh", "-c", "exit 3")
    #expect(failed.code == 1)
    #expect(failed.stderr.contains("command failed with exit code 3; nothing recorded"))
    #expect(try repo.gitOut("rev-list", "--count", "HEAD") == before)
    #expect(try repo.gitOut("for-each-ref", "refs/mlv", "refs/tags") == "")
    #expect(String(decoding: repo.read("params.yaml") ?? [], as: UTF8.self) == "lr: 0.1 # keep me\n")
    #expect(!repo.exists("mlv.stages.yaml"))
    #expect(try repo.mlv("repro").stderr.contains("no stages declared in mlv.stages.yaml"))
    #expect(try repo.gitOut("status", "--porcelain") == "")

    let kept = try repo.mlv("run", "-n", "boom", "-p", "params.yaml", "--keep-failed", "--", "sh", "-c", "exit 3")
    #expect(kept.code == 1 && kept.stderr.contains("recorded as failed"))
    #expect(try repo.gitOut("rev-list", "--count", "HEAD") == before)
    #expect(try repo.gitOut("rev-parse", "refs/mlv/runs/boom^") == repo.gitOut("rev-parse", "HEAD"))
    #expect(try jsonArray(repo.mlvOK("exp", "show", "--json").stdout).isEmpty)
    #expect(try jsonArray(repo.mlvOK("exp", "show", "--json", "--all").stdout).count == 1)
  }

  @Test func badInputIsAClearErrorAndCommitsNothing() throws {
    let repo = try Repo()
    try repo.write("bad.yaml", "train: [1\n")
    try repo.write("b.txt", "b\n")
    try repo.git("add", "bad.yaml", "b.txt")
    try repo.mlvOK("commit", "-m", "inputs")
    try repo.mlvOK("run", "-n", "make-a", "-d", "b.txt", "-o", "a.txt", "--", "cp b.txt a.txt")
    let commits = try repo.gitOut("rev-list", "--count", "HEAD")
    let refs = try repo.gitOut("for-each-ref")
    let cases: [([String], String)] = [
      (["repro", "nope"], "unknown run or revision 'nope'"),
      (["exp", "diff", "make-a", "nope"], "unknown run or revision 'nope'"),
      (["run", "-n", "p1", "-p", "missing.yaml", "--", "true"], "missing.yaml: file not found"),
      (["run", "-n", "p2", "-p", "bad.yaml", "--", "true"], "bad.yaml:2: malformed params"),
      (["run", "-n", "m1", "-m", "m.json", "--", "echo '{oops' > m.json"], "m.json: malformed metrics"),
      (["run", "-n", "o1", "-o", "never.bin", "--", "true"], "declared output 'never.bin' was not produced"),
      (["run", "-n", "make-b", "-d", "a.txt", "-o", "b.txt", "--", "cp a.txt b.txt"], "dependency cycle: make-a -> make-b -> make-a"),
      (["run", "-n", "bad name", "--", "true"], "invalid run name"),
      (["run", "-n", "ghost"], "no stage 'ghost' is declared"),
      (["repro", "HEAD"], "no run was recorded by this commit"),
    ]
    for (args, message) in cases {
      let r = try repo.mlv(args: args)
      #expect(r.code == 1, "\(args)")
      #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
    }
    #expect(try repo.gitOut("rev-list", "--count", "HEAD") == commits)
    #expect(try repo.gitOut("for-each-ref") == refs)
    #expect(try repo.gitOut("show", "refs/mlv/runs/make-a:mlv.stages.yaml") == String(decoding: repo.read("mlv.stages.yaml") ?? [], as: UTF8.self).trimmingCharacters(in: .newlines))
  }

  @Test func ctrlCEndsTheRunWith130AndRecordsNothing() throws {
    let repo = try Repo()
    try repo.write("params.yaml", "a: 1 # first\n")
    try repo.git("add", "params.yaml")
    try repo.mlvOK("commit", "-m", "params")
    let p = try Binary.start(["run", "-n", "slow", "-p", "params.yaml", "-S", "a=2", "--", "sh", "-c", "touch started; sleep 30"], in: repo.path)
    let deadline = Date().addingTimeInterval(20)
    while !repo.exists("started") && Date() < deadline { usleep(20_000) }
    kill(p.processIdentifier, SIGINT)
    p.waitUntilExit()
    #expect(p.terminationStatus == 130)
    #expect(try repo.gitOut("rev-list", "--count", "HEAD") == "1")
    #expect(try repo.gitOut("for-each-ref", "refs/mlv", "refs/tags") == "")
    #expect(String(decoding: repo.read("params.yaml") ?? [], as: UTF8.self) == "a: 1 # first\n")
  }
}
