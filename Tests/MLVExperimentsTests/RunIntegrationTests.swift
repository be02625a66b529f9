import Foundation
import MLVGit
import MLVWorkspace
import Testing

@testable import MLVExperiments

@Suite struct StageResolverTests {
  let declared = StageFile(stages: [
    Stage(name: "train", cmd: "python3 train.py", deps: ["data.csv"], params: ["params.yaml"], outs: ["models/"])
  ])

  @Test func flagsDeclareOrReplaceTheStage() throws {
    let flags = StageFlags(params: ["p.yaml"], outs: ["out/"])
    let (stage, file) = try StageResolver.resolve(
      runName: "exp1", stageName: nil, command: ["python3", "x.py", "--big run"], flags: flags, defaultWdir: "src",
      file: declared)
    #expect(stage == Stage(name: "exp1", cmd: "python3 x.py '--big run'", params: ["p.yaml"], outs: ["out/"], wdir: "src"))
    #expect(file.stages.map(\.name) == ["exp1", "train"])
    #expect(throws: RunError.noCommand(name: "exp1")) {
      try StageResolver.resolve(runName: "exp1", stageName: nil, command: [], flags: flags, defaultWdir: ".", file: declared)
    }
  }

  @Test func aDeclaredStageIsUsedByNameOrByItsCommand() throws {
    let byName = try StageResolver.resolve(
      runName: "train", stageName: nil, command: [], flags: StageFlags(), defaultWdir: ".", file: declared)
    #expect(byName.stage == declared["train"] && byName.stages == declared)
    // a new run name with the command of the declared stage reuses that stage unchanged
    let byCommand = try StageResolver.resolve(
      runName: "lr-small", stageName: nil, command: ["python3 train.py"], flags: StageFlags(), defaultWdir: ".",
      file: declared)
    #expect(byCommand.stage.name == "train" && byCommand.stages == declared)
    // a new command for a declared stage replaces only its command
    let replaced = try StageResolver.resolve(
      runName: "train", stageName: nil, command: ["python3", "train2.py"], flags: StageFlags(), defaultWdir: ".",
      file: declared)
    #expect(replaced.stage.cmd == "python3 train2.py" && replaced.stage.outs == ["models/"])
    #expect(replaced.stages["train"]?.cmd == "python3 train2.py")
  }

  @Test func unknownStagesWithoutACommandAreErrors() throws {
    #expect(throws: RunError.noCommand(name: "ghost")) {
      try StageResolver.resolve(runName: "ghost", stageName: nil, command: [], flags: StageFlags(), defaultWdir: ".", file: declared)
    }
    #expect(throws: ExperimentError.unknownStage(name: "other")) {
      try StageResolver.resolve(runName: "r", stageName: "other", command: [], flags: StageFlags(), defaultWdir: ".", file: declared)
    }
    let adHoc = try StageResolver.resolve(
      runName: "quick", stageName: nil, command: ["echo", "hi"], flags: StageFlags(), defaultWdir: ".", file: declared)
    #expect(adHoc.stage == Stage(name: "quick", cmd: "echo hi") && adHoc.stages.stages.count == 2)
  }

  @Test func runNamesAreSafeReferenceNames() throws {
    for ok in ["baseline", "lr-small", "v1.2_b", "9"] { try RunStore.validate(name: ok) }
    for bad in ["", "-x", ".x", "a b", "a/b", "a..b", "x.lock", "x.", "ü"] {
      #expect(throws: RunError.self, "\(bad)") { try RunStore.validate(name: bad) }
    }
  }

  @Test func diffReportJSONHasDeltasPerSection() throws {
    let env = RunEnvironment(os: "x", mlvVersion: "0")
    let a = RunRecord(name: "a", command: [], params: ["lr": .double(0.1)], outs: ["m": "aa"], metrics: ["loss": .double(2)],
      exitCode: 0, startedAt: Date(), durationSeconds: 0, environment: env)
    var b = a
    b.params["lr"] = .double(0.2)
    b.metrics["loss"] = .double(1.5)
    b.metrics["acc"] = .double(0.9)
    let r = DiffReport(a, b)
    #expect(r.outs.isEmpty && r.params.map(\.key) == ["lr"] && r.metrics.map(\.key) == ["acc", "loss"])
    let json = DiffReport.json([("metrics", r.metrics)])
    let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: [[String: Any]]]
    let loss = parsed?["metrics"]?.first { $0["key"] as? String == "loss" }
    #expect(loss?["delta"] as? Double == -0.5 && loss?["relative"] as? Double == -0.25 && loss?["change"] as? String == "changed")
    #expect(parsed?["metrics"]?.first?["change"] as? String == "added")
  }
}

/// A git repository with an identity and `mlv init` done, opened as a workspace.
struct ScratchRepo {
  let dir: TempDir
  let ws: Workspace

  init() throws {
    dir = try TempDir()
    let root = dir.url.path
    for args in [["init", "-q", "-b", "main"], ["config", "user.name", "T"], ["config", "user.email", "t@example.com"]] {
      let p = Process()
      p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      p.arguments = ["git", "-C", root] + args
      try p.run()
      p.waitUntilExit()
    }
    ws = try Workspace.initialize(cwd: root)
    _ = try ws.git.commit(message: "init")
  }

  func write(_ rel: String, _ text: String) throws { _ = try dir.write(rel, text) }
}

/// Counts the hashing passes `ws.scan` starts: none means every id came from the stat cache.
final class HashingCounter: ProgressSink, @unchecked Sendable {
  private let lock = NSLock()
  private var labels: [String] = []
  var started: [String] { lock.withLock { labels } }
  func begin(_ label: String, totalBytes: Int64) { lock.withLock { labels.append(label) } }
  func advance(_ bytes: Int64) {}
  func end() {}
  func warn(_ message: String) {}
}

extension SpawningTests {
  @Suite struct RunRecorderTests {
    func request(_ name: String, _ stage: Stage, in repo: ScratchRepo) throws -> RunRequest {
      var file = try StageFile.load(path: repo.ws.absolute(StageFile.fileName))
      try file.upsert(stage)
      return RunRequest(name: name, stage: stage, stages: file, mlvVersion: "test")
    }

    @Test func runsAreUniquelyNamedKeptOffTheBranchAndResolveByIdOrRevision() throws {
      let repo = try ScratchRepo()
      defer { repo.dir.cleanup() }
      try repo.write("in.txt", "hello\n")
      let head = try repo.ws.git.head()
      let stage = Stage(name: "copy", cmd: "cp in.txt out.txt && echo '{\"n\": 1}' > m.json", deps: ["in.txt"], outs: ["out.txt"], metrics: ["m.json"])
      let first = try RunRecorder.run(try request("copy", stage, in: repo), in: repo.ws)
      // a taken name is refused before anything runs; --force replaces; numbered picks the next
      #expect(throws: RunError.runExists(name: "copy")) { try RunRecorder.run(try request("copy", stage, in: repo), in: repo.ws) }
      var numbered = try request("copy", stage, in: repo)
      numbered.numbered = true
      let second = try RunRecorder.run(numbered, in: repo.ws)
      #expect(first.id == "copy" && second.id == "copy-2")
      #expect(first.record.metrics == ["n": .int(1)] && first.record.outs.keys.sorted() == ["out.txt"])
      // both start from HEAD, which did not move
      #expect(try repo.ws.git.head() == head)
      #expect(second.record.commit == head?.hex && first.record.commit == head?.hex)
      #expect(try repo.ws.git.commitInfo(try #require(second.commit)).parents == [try #require(head)])
      let all = try RunStore.all(in: repo.ws.git)
      #expect(all.map(\.id) == ["copy", "copy-2"])
      #expect(try RunStore.resolve("copy", in: repo.ws.git).run?.id == "copy")
      #expect(try RunStore.resolve("copy-2", in: repo.ws.git).run?.id == "copy-2")
      let byHash = try #require(first.commit)
      #expect(try RunStore.resolve(byHash.hex, in: repo.ws.git).run?.id == "copy")
      #expect(try RunStore.resolve("HEAD", in: repo.ws.git).run == nil)
      #expect(throws: RunError.unknownRun(name: "nope")) { try RunStore.resolve("nope", in: repo.ws.git) }
      // the ignore rule that lets records into git is in the run commit, not the workspace
      let ignore = String(decoding: try #require(try repo.ws.git.readFile(".mlv/.gitignore", at: byHash)), as: UTF8.self)
      #expect(ignore.split(separator: "\n").filter { $0 == "!/runs/" }.count == 1)
      #expect(!FileManager.default.fileExists(atPath: repo.ws.absolute(RunStore.recordPath("copy"))))
    }

    @Test func anUnchangedStageIsDecidedFromTheStatCacheWithoutHashing() throws {
      let repo = try ScratchRepo()
      defer { repo.dir.cleanup() }
      for i in 0..<200 { try repo.write("data/f\(i).txt", "row \(i)\n") }
      try repo.write("params.yaml", "k: 1\n")
      usleep(100_000)  // past the stat cache's racy window, as a real dataset would be
      let stage = Stage(name: "count", cmd: "ls data | wc -l > n.txt", deps: ["data"], params: ["params.yaml"], outs: ["n.txt"])
      _ = try RunRecorder.run(try request("count", stage, in: repo), in: repo.ws)
      usleep(100_000)
      let counter = HashingCounter()
      let again = try Workspace.open(cwd: repo.dir.url.path)
      again.progress = counter
      var lines: [String] = []
      var options = Pipeline.Options(mlvVersion: "test")
      options.log = { lines.append($0) }
      let result = try Pipeline.reproduce(in: again, options: options)
      #expect(result.map(\.outcome) == [.upToDate])
      #expect(lines == ["stage count: up to date"])
      // the 200-file dependency comes from the stat cache; only an output the command wrote
      // within the cache's racy window (a few ms before it was added) may be hashed again
      #expect(counter.started.allSatisfy { $0 == "hashing n.txt" }, "rehashed: \(counter.started)")
    }

    @Test func aFailedCommandPutsBackParamsAndStageFile() throws {
      let repo = try ScratchRepo()
      defer { repo.dir.cleanup() }
      try repo.write("params.yaml", "lr: 0.1  # note\n")
      let stage = Stage(name: "bad", cmd: "exit 7", params: ["params.yaml"])
      var req = try request("bad", stage, in: repo)
      req.overrides = [try ParamOverride.parse("lr=0.3")]
      let head = try repo.ws.git.head()
      #expect(throws: RunError.commandFailed(exitCode: 7, recorded: false)) { try RunRecorder.run(req, in: repo.ws) }
      #expect(try repo.dir.read("params.yaml") == "lr: 0.1  # note\n")
      #expect(!FileManager.default.fileExists(atPath: repo.dir.path(StageFile.fileName)))
      #expect(try repo.ws.git.head() == head)
      #expect(try RunStore.all(in: repo.ws.git).isEmpty)
    }
  }
}
