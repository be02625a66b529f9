import Foundation
import MLVTestSupport
import Testing

/// Runs kept off the branch, unique run names, preconditions and the run journal, and
/// sharing runs (docs/experiments.md): the built binary in temporary git repositories,
/// with the git CLI as witness.
@Suite struct ExperimentSharingTests {
  typealias T = ExperimentTests

  func text(_ repo: Repo, _ rel: String) -> String { String(decoding: repo.read(rel) ?? [], as: UTF8.self) }

  @Test func runsLiveOffTheBranchWithHeadAsParent() throws {
    let repo = try T.trainingRepo()
    let head = try repo.gitOut("rev-parse", "HEAD")
    try T.runBaseline(repo)
    let fast = try repo.mlvOK("run", "-n", "fast", "-S", "train.lr=0.05", "--", "python3", "train.py")
    #expect(fast.stdout.contains("recorded run fast") && fast.stdout.contains("off the branch"), "\(fast.stdout)")

    // the branch did not move; each run commit has the starting HEAD as its parent
    #expect(try repo.gitOut("rev-parse", "HEAD") == head)
    #expect(try repo.gitOut("rev-list", "--count", "master") == "1")
    for run in ["baseline", "fast"] {
      #expect(try repo.gitOut("rev-parse", "refs/mlv/runs/\(run)^") == head)
      #expect(try repo.gitOut("show", "refs/mlv/runs/\(run):.mlv/runs/\(run).json").contains("\"stage\""))
    }
    #expect(try repo.gitOut("show", "refs/mlv/runs/fast:params.yaml").contains("lr: 0.05"))
    #expect(try repo.gitOut("show", "refs/mlv/runs/baseline:params.yaml").contains("lr: 0.1 "))
    // no tags are made or moved
    #expect(try repo.gitOut("tag", "-l") == "")
    // the workspace is as the command left it: outputs, metrics and the params it ran with;
    // no record file; only the output pointers are staged
    #expect(text(repo, "params.yaml").contains("lr: 0.05"))
    #expect(repo.exists("models/model.bin") && repo.exists("metrics.json"))
    #expect(!repo.exists(".mlv/runs/fast.json") && !repo.exists(".mlv/runs/baseline.json"))
    let staged = Set(try repo.gitOut("diff", "--cached", "--name-only").split(separator: "\n").map(String.init))
    #expect(staged.contains("models.mlv") && staged.isSubset(of: ["models.mlv", ".gitignore"]), "\(staged)")
    #expect(try repo.gitOut("status", "--porcelain").contains(" M params.yaml"))

    // both are listed, and the first reproduces from its own commit
    let shown = try repo.mlvOK("exp", "show", "--json").stdout
    #expect(shown.contains("\"baseline\"") && shown.contains("\"fast\""))
    let r = try repo.mlvOK("repro", "baseline")
    #expect(r.stdout.contains("reproduced: identical"), "\(r.stdout)")
    #expect(try repo.gitOut("rev-parse", "HEAD") == head)
  }

  @Test func onBranchCommitsTheRunOnTheBranch() throws {
    let repo = try T.trainingRepo()
    try repo.mlvOK(
      "run", "-n", "kept", "--on-branch", "-p", "params.yaml", "-d", "data/train.csv", "-d", "train.py", "-o", "models/",
      "-m", "metrics.json", "--", "python3", "train.py")
    #expect(try repo.gitOut("rev-list", "--count", "master") == "2")
    #expect(try repo.gitOut("rev-parse", "HEAD") == repo.gitOut("rev-parse", "refs/mlv/runs/kept"))
    #expect(try repo.gitOut("status", "--porcelain") == "")
  }

  @Test func runNamesAreUniqueAndStagesAreSeparate() throws {
    let repo = try T.trainingRepo()
    try T.runBaseline(repo)
    let first = try repo.gitOut("rev-parse", "refs/mlv/runs/baseline")
    // the same name again is refused before anything runs, suggesting --force or a new name
    try repo.remove("metrics.json")
    let again = try repo.mlv(
      "run", "-n", "baseline", "-p", "params.yaml", "-d", "data/train.csv", "-d", "train.py", "-o", "models/", "-m",
      "metrics.json", "--", "python3", "train.py")
    #expect(again.code == 1)
    #expect(again.stderr.contains("--force") && again.stderr.contains("new name"), "\(again.stderr)")
    #expect(!repo.exists("metrics.json"))  // the command did not run
    #expect(try repo.gitOut("rev-parse", "refs/mlv/runs/baseline") == first)

    // the same definition under a new name: a new run of the same stage
    let renamed = try repo.mlvOK(
      "run", "-n", "baseline-again", "-p", "params.yaml", "-d", "data/train.csv", "-d", "train.py", "-o", "models/", "-m",
      "metrics.json", "--", "python3", "train.py")
    #expect(renamed.stdout.contains("(stage baseline)"), "\(renamed.stdout)")
    #expect(!renamed.stderr.contains("updated"))
    let stages = text(repo, "mlv.stages.yaml")
    #expect(stages.components(separatedBy: "cmd:").count == 2, "one stage: \(stages)")

    // a changed definition updates that stage and says so
    let changed = try repo.mlvOK(
      "run", "-n", "no-data-dep", "-p", "params.yaml", "-d", "train.py", "-d", "data/train.csv", "-d", "gen.py", "-o", "models/",
      "-m", "metrics.json", "--", "python3", "train.py")
    #expect(changed.stderr.contains("stage 'baseline' updated in mlv.stages.yaml: deps changed"), "\(changed.stderr)")

    // --force replaces the run; no tag exists to move
    try repo.mlvOK("run", "-n", "baseline", "--force", "-S", "train.lr=0.2", "--", "python3", "train.py")
    #expect(try repo.gitOut("rev-parse", "refs/mlv/runs/baseline") != first)
    #expect(try repo.gitOut("show", "refs/mlv/runs/baseline:params.yaml").contains("lr: 0.2"))
    #expect(try repo.gitOut("tag", "-l") == "")
  }

  @Test func pipelineRunsNeverReplaceANamedRun() throws {
    let repo = try T.trainingRepo()
    try T.runBaseline(repo)
    let first = try repo.gitOut("rev-parse", "refs/mlv/runs/baseline")
    try repo.mlvOK("repro", "--force")
    try repo.mlvOK("repro", "--force")
    #expect(try repo.gitOut("for-each-ref", "--format=%(refname:short)", "refs/mlv/runs")
      == "mlv/runs/baseline\nmlv/runs/baseline-2\nmlv/runs/baseline-3")
    #expect(try repo.gitOut("rev-parse", "refs/mlv/runs/baseline") == first)
  }

  @Test func missingIdentityIsRefusedBeforeTheCommandRuns() throws {
    let repo = try T.trainingRepo()
    try repo.git("config", "--unset", "user.name")
    try repo.git("config", "--unset", "user.email")
    let home = makeTempDir("mlv-home")
    defer { try? FileManager.default.removeItem(atPath: home) }
    let env = ["HOME": home, "XDG_CONFIG_HOME": home, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": home + "/none"]
    let before = try repo.gitOut("status", "--porcelain")
    let r = try repo.mlv(
      args: ["run", "-n", "x", "-p", "params.yaml", "-d", "train.py", "-o", "out.txt", "-S", "train.lr=0.9", "--", "sh", "-c", "touch ran; echo 1 > out.txt"],
      env: env)
    #expect(r.code == 1)
    #expect(r.stderr.lowercased().contains("identity") || r.stderr.contains("user.name"), "\(r.stderr)")
    #expect(!repo.exists("ran"))
    #expect(try repo.gitOut("status", "--porcelain") == before)
    #expect(text(repo, "params.yaml").contains("lr: 0.1 "))
    #expect(try repo.gitOut("for-each-ref", "refs/mlv") == "")
  }

  @Test func aFailedRunLeavesNothingBehind() throws {
    let repo = try T.trainingRepo()
    let before = try repo.gitOut("status", "--porcelain")
    let r = try repo.mlv(
      "run", "-n", "bad", "-p", "params.yaml", "-d", "train.py", "-o", "out.txt", "-S", "train.lr=0.9", "--", "sh", "-c",
      "echo 1 > out.txt; exit 3")
    #expect(r.code == 1 && r.stderr.contains("exit code 3"), "\(r.stderr)")
    #expect(text(repo, "params.yaml").contains("lr: 0.1 "))
    #expect(!repo.exists("mlv.stages.yaml") && !repo.exists(".mlv/runs/bad.json"))
    #expect(try repo.gitOut("diff", "--cached", "--name-only") == "")
    #expect(try repo.gitOut("status", "--porcelain") == before + (before.isEmpty ? "" : "\n") + "?? out.txt")
    #expect(try repo.gitOut("for-each-ref", "refs/mlv") == "")
    // an overlapping output is refused before the command runs
    let overlap = try repo.mlv("run", "-n", "ov", "-d", "data", "-o", "data/derived.csv", "--", "sh", "-c", "touch ran")
    #expect(overlap.code == 1 && overlap.stderr.contains("overlaps"), "\(overlap.stderr)")
    #expect(!repo.exists("ran"))
  }

  /// SIGKILL of mlv while the command runs: the next mlv command puts params back.
  @Test func aKilledRunsParamsAreRestoredByTheNextCommand() throws {
    let repo = try T.trainingRepo()
    let p = try Binary.start([
      "run", "-n", "killed", "-p", "params.yaml", "-d", "train.py", "-o", "out.txt", "-S", "train.lr=0.7", "--", "sh", "-c",
      "echo $$ > child.pid; sleep 60",
    ], in: repo.path)
    // wait (bounded) for the command to start: then params.yaml has been edited
    var started = false
    for _ in 0..<600 where !started {
      started = repo.exists("child.pid") && !(repo.read("child.pid") ?? []).isEmpty
      if !started { usleep(50_000) }
    }
    #expect(started)
    #expect(text(repo, "params.yaml").contains("lr: 0.7"))
    kill(p.processIdentifier, SIGKILL)
    p.waitUntilExit()
    if let pid = Int32(text(repo, "child.pid").trimmingCharacters(in: .whitespacesAndNewlines)) { kill(pid, SIGKILL) }

    let next = try repo.mlv("status")
    #expect(next.stderr.contains("interrupted mlv run was undone"), "\(next.stderr)")
    #expect(text(repo, "params.yaml").contains("lr: 0.1 "))
    #expect(!repo.exists("mlv.stages.yaml"))
    #expect(!repo.exists(".mlv/state/run-journal"))
    #expect(try repo.gitOut("for-each-ref", "refs/mlv") == "")
  }

  @Test func applyAndBranchBringARunBack() throws {
    let repo = try T.trainingRepo()
    let head = try repo.gitOut("rev-parse", "HEAD")
    try T.runBaseline(repo)
    let baseModel = repo.read("models/model.bin")
    try repo.mlvOK("run", "-n", "fast", "-S", "train.lr=0.3", "--", "python3", "train.py")
    #expect(repo.read("models/model.bin") != baseModel)

    let applied = try repo.mlvOK("exp", "apply", "baseline")
    #expect(applied.stdout.contains("applied run baseline"), "\(applied.stdout)")
    #expect(text(repo, "params.yaml").contains("lr: 0.1 "))
    #expect(repo.read("models/model.bin") == baseModel)
    #expect(try repo.gitOut("rev-parse", "HEAD") == head)
    try repo.mlvOK("commit", "-m", "take baseline")
    #expect(try repo.gitOut("show", "HEAD:params.yaml").contains("lr: 0.1 "))

    // an edit of the user's own is not overwritten
    try repo.write("train.py", text(repo, "train.py") + "\n# my edit\n")
    try repo.mlvOK("run", "-n", "edited", "--", "python3", "train.py")
    try repo.write("train.py", text(repo, "train.py") + "# another edit\n")
    let refused = try repo.mlv("exp", "apply", "edited")
    #expect(refused.code == 1 && refused.stderr.contains("train.py") && refused.stderr.contains("--force"), "\(refused.stderr)")

    try repo.mlvOK("exp", "branch", "fast", "tune-fast")
    #expect(try repo.gitOut("rev-parse", "tune-fast") == repo.gitOut("rev-parse", "refs/mlv/runs/fast"))
    #expect(try repo.gitOut("rev-parse", "tune-fast^") == head)
    #expect(try repo.mlv("exp", "branch", "fast", "tune-fast").code == 1)

    // once no branch holds it either, a removed run is gone from the listing
    try repo.git("branch", "-D", "tune-fast")
    try repo.mlvOK("exp", "remove", "fast")
    #expect(try repo.gitOut("for-each-ref", "--format=%(refname)", "refs/mlv/runs/fast") == "")
    #expect(!(try repo.mlvOK("exp", "show", "--json").stdout.contains("\"fast\"")))
    #expect(try repo.mlv("exp", "remove", "nope").code == 1)
  }

  /// Push runs to a bare git remote and a local mlv remote, clone, pull, reproduce.
  @Test func pushCloneePullAndRepro() throws {
    let repo = try T.trainingRepo()
    let bare = makeTempDir("mlv-exp-git")
    let store = makeTempDir("mlv-exp-store")
    let parent = makeTempDir("mlv-exp-clone")
    defer { for d in [bare, store, parent] { try? FileManager.default.removeItem(atPath: d) } }
    _ = try exec("git", ["init", "-q", "--bare", bare], cwd: bare)
    try repo.git("remote", "add", "origin", bare)
    try repo.mlvOK("remote", "add", "origin", store)
    try repo.mlvOK("commit", "-m", "mlv remote")
    try repo.git("push", "-q", "origin", "master")
    try T.runBaseline(repo)
    try repo.mlvOK("run", "-n", "fast", "-S", "train.lr=0.3", "--", "python3", "train.py")

    let pushed = try repo.mlvOK("exp", "push", "origin", "baseline")
    #expect(pushed.stdout.contains("pushed 1 run"), "\(pushed.stdout)")
    #expect(try exec("git", ["ls-remote", bare, "refs/mlv/*"], cwd: bare).stdout.contains("refs/mlv/runs/baseline"))
    #expect(!(try exec("git", ["ls-remote", bare, "refs/mlv/*"], cwd: bare).stdout.contains("fast")))
    try repo.mlvOK("exp", "push", "origin")
    let listed = try exec("git", ["ls-remote", bare, "refs/mlv/*"], cwd: bare).stdout
    #expect(listed.contains("refs/mlv/runs/baseline") && listed.contains("refs/mlv/runs/fast"))

    let copy = parent + "/copy"
    #expect(try exec("git", ["clone", "-q", bare, copy], cwd: parent).code == 0)
    for args in [["config", "user.name", "Teammate"], ["config", "user.email", "t@example.com"]] { _ = try exec("git", args, cwd: copy) }
    #expect(try exec(Binary.mlv, ["repro", "baseline"], cwd: copy).code == 1)  // not there before the pull
    // refs first: exp show lists the runs and marks their data as not local
    let refsOnly = try exec(Binary.mlv, ["exp", "pull", "origin", "--no-data"], cwd: copy)
    #expect(refsOnly.code == 0 && refsOnly.stdout.contains("pulled 2 runs"), "\(refsOnly.stdout) \(refsOnly.stderr)")
    let marked = try exec(Binary.mlv, ["exp", "show", "--json"], cwd: copy).stdout
    #expect(marked.contains("\"data\": \"remote\"") && !marked.contains("\"data\": \"local\""), "\(marked)")
    let pull = try exec(Binary.mlv, ["exp", "pull", "origin"], cwd: copy)
    #expect(pull.code == 0 && pull.stdout.contains("2 already here") && pull.stdout.contains("fetched"), "\(pull.stdout) \(pull.stderr)")
    #expect(!(try exec(Binary.mlv, ["exp", "show", "--json"], cwd: copy).stdout.contains("\"data\": \"remote\"")))
    // data is local now: repro works with the mlv remote gone
    try FileManager.default.moveItem(atPath: store, toPath: store + "-gone")
    defer { try? FileManager.default.removeItem(atPath: store + "-gone") }
    let r = try exec(Binary.mlv, ["repro", "baseline"], cwd: copy)
    #expect(r.code == 0 && r.stdout.contains("reproduced: identical"), "\(r.stdout) \(r.stderr)")
    let again = try exec(Binary.mlv, ["exp", "pull", "origin"], cwd: copy)
    #expect(again.stdout.contains("pulled 0 runs from origin, 2 already here"), "\(again.stdout)")
  }

  /// Everything of the workspace a sweep must not touch: git's view and the files' bytes.
  func workspaceState(_ repo: Repo) throws -> [String] {
    var files = try repo.snapshot("models").map { "\($0.key) \($0.value.count) \($0.value.hashValue)" }.sorted()
    for f in ["params.yaml", "metrics.json", "mlv.stages.yaml", "models.mlv"] { files.append("\(f): \(text(repo, f))") }
    return [try repo.gitOut("status", "--porcelain", "--ignored"), try repo.gitOut("diff", "--cached"), try repo.gitOut("rev-parse", "HEAD")] + files
  }

  @Test func aTwoByTwoSweepOnTwoJobsLeavesTheWorkspaceAlone() throws {
    let repo = try T.trainingRepo()
    try T.runBaseline(repo)
    let before = try workspaceState(repo)
    let r = try repo.mlv("run", "-n", "sweep", "-S", "train.lr=0.1,0.05", "-S", "train.epochs=10,20", "--jobs", "2", "--", "python3", "train.py")
    #expect(r.code == 0, "\(r.stderr)")
    #expect(r.stdout.contains("sweep sweep: 4 of 4 points recorded"), "\(r.stdout)")
    #expect(r.stderr.contains("sweep sweep: 4/4 done, 0 running, 0 failed"), "\(r.stderr)")
    #expect(try workspaceState(repo) == before)
    #expect(try repo.gitOut("worktree", "list").split(separator: "\n").count == 1)
    let head = try repo.gitOut("rev-parse", "HEAD")
    for i in 1...4 { #expect(try repo.gitOut("rev-parse", "refs/mlv/runs/sweep-\(i)^") == head) }
    // each point is its own run, with its params, in exp show; the grid's first flag varies slowest
    let shown = try JSONSerialization.jsonObject(with: Data(try repo.mlvOK("exp", "show", "--json").stdout.utf8)) as? [[String: Any]] ?? []
    var grid: [String: [Double]] = [:]
    for row in shown {
      guard let run = row["run"] as? String, run.hasPrefix("sweep-"), let p = row["params"] as? [String: Any] else { continue }
      grid[run] = [(p["train.lr"] as? Double) ?? -1, Double((p["train.epochs"] as? Int) ?? -1)]
      #expect((row["metrics"] as? [String: Any])?["loss"] != nil)
    }
    #expect(grid == ["sweep-1": [0.1, 10], "sweep-2": [0.1, 20], "sweep-3": [0.05, 10], "sweep-4": [0.05, 20]])
    // a point reproduces like any run
    #expect(try repo.mlvOK("repro", "sweep-4").stdout.contains("reproduced: identical"))
  }

  @Test func aFailedSweepPointIsReportedAndTheOthersRecorded() throws {
    let repo = try T.trainingRepo()
    try T.runBaseline(repo)
    let r = try repo.mlv("run", "-n", "bad", "-S", "train.seed=abc,7", "--jobs", "2", "--", "python3", "train.py")
    #expect(r.code == 1)
    #expect(r.stderr.contains("sweep point bad-1 (train.seed=abc) failed"), "\(r.stderr)")
    #expect(r.stdout.contains("1 of 2 points recorded, 1 failed"), "\(r.stdout)")
    #expect(try repo.gitOut("for-each-ref", "--format=%(refname)", "refs/mlv/runs/bad-*") == "refs/mlv/runs/bad-2")
    // names are checked before anything runs: the same sweep again is refused at once
    let again = try repo.mlv("run", "-n", "bad", "-S", "train.seed=3,7", "--", "python3", "train.py")
    #expect(again.code == 1 && again.stderr.contains("a run named 'bad-2' exists"), "\(again.stderr)")
    // a literal comma is escaped
    let esc = try repo.mlv("run", "-n", "one", "-S", "note=a\\,b", "--", "python3", "train.py")
    #expect(esc.code == 0, "\(esc.stderr)")
    #expect(try repo.gitOut("show", "refs/mlv/runs/one:params.yaml").contains("a,b"))
  }

  /// The plots page: rendered by headless Chromium, the screenshot must show the curves.
  @Test func thePlotsPageShowsRunsAndCurves() throws {
    let repo = try T.trainingRepo()
    try repo.write(
      "curve.py",
      """
      import re
      lr = float(re.search(r"lr:\\s*([0-9.]+)", open("params.yaml").read()).group(1))
      with open("steps.csv", "w") as f:
          f.write("step,loss\\n")
          for s in range(30): f.write(f"{s},{1.0 / (1 + lr * 10 * s):.6f}\\n")
      open("metrics.json", "w").write('{"final": %f}' % (1.0 / (1 + lr * 290)))
      """)
    try repo.mlvOK("run", "-n", "c1", "-p", "params.yaml", "-d", "curve.py", "-m", "metrics.json", "--plots", "steps.csv", "--", "python3", "curve.py")
    try repo.mlvOK("run", "-n", "c2", "-S", "train.lr=0.5", "--", "python3", "curve.py")
    let out = try repo.mlvOK("plots", "--html", "runs.html")
    #expect(out.stdout.contains("2 runs, 2 runs with per-step curves"), "\(out.stdout)")
    let html = text(repo, "runs.html")
    #expect(html.contains("<polyline") && html.contains("steps.csv: loss") && html.contains("final vs train.lr"))
    #expect(!html.contains("http://") || html.components(separatedBy: "http://").count == html.components(separatedBy: "http://www.w3.org/2000/svg").count)
    #expect(!html.contains("<script") && !html.contains("src="))

    let shot = repo.path + "/shot.png"
    let chrome = try exec(
      "chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--screenshot=" + shot, "--window-size=1000,1400", "file://" + repo.path + "/runs.html"],
      cwd: repo.path)
    #expect(chrome.code == 0, "\(chrome.stderr)")
    // the two line colours must be on the screenshot (a curve each), with many pixels
    let counts = try exec("python3", [corpusDirectory() + "/png_pixels.py", "count", shot, "40", "1f77b4", "ff7f0e"], cwd: repo.path).stdout
    let parts = counts.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    #expect(parts.count == 2 && parts.allSatisfy { $0 > 300 }, "pixels of the two run colours: \(counts)")
  }

  @Test func paramsAndMetricsDiffDefaultToHeadAgainstTheWorkspace() throws {
    let repo = try T.trainingRepo()
    try repo.mlvOK(
      "run", "-n", "kept", "--on-branch", "-p", "params.yaml", "-d", "data/train.csv", "-d", "train.py", "-o", "models/",
      "-m", "metrics.json", "--", "python3", "train.py")
    #expect(try repo.mlvOK("params", "diff").stdout.contains("no differences"))
    try repo.mlvOK("run", "-n", "fast", "-S", "train.lr=0.3", "--", "python3", "train.py")
    // the off-branch run left its params and metrics in the workspace: HEAD vs workspace shows them
    let params = try repo.mlvOK("params", "diff").stdout
    #expect(params.contains("train.lr") && params.contains("0.3") && params.contains("0.1"), "\(params)")
    let metrics = try repo.mlvOK("metrics", "diff", "--json").stdout
    #expect(metrics.contains("\"loss\""), "\(metrics)")
    #expect(try repo.mlvOK("params", "diff", "fast").stdout.contains("no differences"))
  }
}
