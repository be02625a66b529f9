import ArgumentParser
import Foundation
import MLVExperiments
import MLVWorkspace
import MLVSystem

extension MLVMain {
  struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "run",
      abstract: "Run a stage's command and record it as a run (a commit kept off the branch).",
      discussion: """
        With stage flags (-p -d -o -m --wdir) stage NAME is declared (or replaced) in
        mlv.stages.yaml; with only -n, the declared stage NAME is run; with a command
        that one declared stage runs, that stage is run under the new name. -S edits
        the params file first, keeping its format and comments.

        The outputs are added to the store, and one commit is made of the output
        pointers, the run record (.mlv/runs/NAME.json), params, metrics, the stage file
        and changed code, with HEAD as its parent; refs/mlv/runs/NAME points at it and
        the branch does not move (--on-branch commits on the branch instead). The
        workspace is left as the command left it. Run names are unique: reusing one is
        an error unless --force replaces that run.

        The git identity, the run name, the stage file and the declared paths are
        checked before the command runs. A failing or interrupted command records
        nothing and puts back the params file, the stage file and the index (after a
        kill, the next mlv command does) unless --keep-failed. Exit codes: 0 recorded;
        1 error or failed command; 128+N when the command was ended by signal N (130
        for Ctrl-C).

        Sweeps: comma lists in -S form a grid (`-S lr=0.1,0.01 -S epochs=10,20` is 4
        points; `\\,` is a literal comma). Each point runs in its own git worktree
        sharing the store (your workspace is not touched), --jobs at a time, and is
        recorded as run NAME-1, NAME-2...; a failed point is reported and the others go
        on (exit 1 if any failed).

        Examples:
          mlv run -n baseline -p params.yaml -d data/train.csv -d train.py \\
              -o models/ -m metrics.json -- python3 train.py
          mlv run -n lr-small -S train.lr=0.001 -- python3 train.py
          mlv run -n sweep -S train.lr=0.1,0.01 -S train.epochs=10,20 --jobs 2 \\
              -- python3 train.py
          mlv run -n baseline
        """)

    @OptionGroup var global: GlobalOptions
    @Option(name: [.short, .customLong("name")], help: "The run name (also the stage name unless --stage).")
    var name: String
    @Option(name: .customLong("stage"), help: "The declared stage to run or declare (default: NAME).")
    var stage: String?
    @Option(name: [.short, .customLong("params")], help: "A params file (.yaml/.json/.toml), or FILE:key1,key2.")
    var params: [String] = []
    @Option(name: [.short, .customLong("deps")], help: "A dependency (file or directory).") var deps: [String] = []
    @Option(name: [.short, .customLong("outs")], help: "An output to store (file or directory).") var outs: [String] = []
    @Option(name: [.short, .customLong("metrics")], help: "A metrics file (.json/.yaml), kept in git.")
    var metrics: [String] = []
    @Option(name: .customLong("plots"), help: "A per-step metrics file (CSV or JSON Lines with a step column), kept in git.")
    var plots: [String] = []
    @Option(name: [.customShort("S"), .customLong("set-param")], help: "Override a param: key.path=value or FILE:key=value.")
    var set: [String] = []
    @Option(name: .customLong("wdir"), help: "Working directory of the command, relative to the repository.")
    var wdir: String?
    @Flag(name: .customLong("keep-failed"), help: "Record a failing command as a failed run.") var keepFailed = false
    @Flag(name: .customLong("no-commit"), help: "Run and store outputs, but record and commit nothing.") var noCommit = false
    @Flag(name: .customLong("on-branch"), help: "Commit the run on the current branch (default: kept off it, under refs/mlv/runs/).")
    var onBranch = false
    @Flag(name: .customLong("force"), help: "Replace an existing run of this name.") var force = false
    @Option(name: .customLong("jobs"), help: "Sweeps: grid points run at once, each in its own worktree.") var jobs = 1
    @Option(name: .customLong("env"), help: "Also record this environment variable.") var env: [String] = []
    @Argument(parsing: .postTerminator, help: "The command, after `--`.") var command: [String] = []

    func run() throws {
      let ctx = Context(global)
      try ctx.run(locking: "mlv run") { ws in
        try RunStore.validate(name: name)
        // one grid point is a plain run; `\,` is unescaped either way
        let points = try SweepGrid.points(set)
        let sweep = points.count > 1
        let overrides = sweep ? [] : points.first ?? []
        let file = try StageFile.load(path: ws.absolute(StageFile.fileName))
        let cwd = (try? ws.relative(ctx.cwd, cwd: ctx.cwd)) ?? ""
        var flags = StageFlags(params: params, deps: deps, outs: outs, metrics: metrics, wdir: wdir)
        flags.plots = plots
        let (stage, stages, note) = try StageResolver.resolveNoting(
          runName: name, stageName: self.stage, command: command, flags: flags,
          defaultWdir: cwd.isEmpty ? "." : cwd, file: file)
        if let note, !global.quiet { FileHandle.standardError.write(Data((note + "\n").utf8)) }
        var request = RunRequest(name: name, stage: stage, stages: stages, mlvVersion: mlvVersion)
        request.overrides = overrides
        request.extraVariables = env
        request.keepFailed = keepFailed
        request.commit = !noCommit
        request.onBranch = onBranch
        request.replace = force
        request.log = { line in if !global.quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) } }
        if sweep {
          try runSweep(request, points: points, ws: ws, ctx: ctx)
          return
        }
        let outcome = try RunCommands.interruptible { try RunRecorder.run(request, in: ws) }
        guard !global.quiet else { return }
        if let id = outcome.id, let commit = outcome.commit {
          let place = onBranch ? "on the branch" : "off the branch"
          ctx.out.line("recorded run \(id) (stage \(stage.name)) in \(commit.short), \(place): \(RunStore.refPrefix)\(id)")
        } else {
          ctx.out.line("ran stage \(stage.name) (not recorded: --no-commit)")
        }
        for key in outcome.record.metrics.keys.sorted() {
          ctx.out.line("  \(key): \(outcome.record.metrics[key]?.canonical ?? "")")
        }
      }
    }
  }
}

extension MLVMain.Run {
  func runSweep(_ request: RunRequest, points: [SweepGrid.Point], ws: Workspace, ctx: Context) throws {
    let quiet = global.quiet
    let line = Locked("")
    let label = request.name
    let results = try Sweep.run(request, points: points, jobs: max(1, jobs), in: ws) { p in
      guard !quiet else { return }
      let text = "sweep \(label): \(p.done)/\(p.total) done, \(p.running) running, \(p.failed) failed"
      line.update { last in
        if last != text { FileHandle.standardError.write(Data((text + "\n").utf8)) }
        last = text
      }
    }
    for r in results {
      if let run = r.run {
        ctx.out.line("recorded run \(run): \(r.overrides.joined(separator: " "))")
      } else {
        FileHandle.standardError.write(Data("mlv: error: sweep point \(r.name) (\(r.overrides.joined(separator: " "))) failed: \(r.error ?? "")\n".utf8))
      }
    }
    let failed = results.filter { $0.run == nil }.count
    ctx.out.line("sweep \(request.name): \(results.count - failed) of \(results.count) points recorded" + (failed > 0 ? ", \(failed) failed" : ""))
    if failed > 0 { throw ExitCode(1) }
  }
}

/// Helpers shared by the run and repro commands.
enum RunCommands {
  /// Maps a command ended by a signal to exit 128+N (130 for Ctrl-C), as shells do.
  static func interruptible<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch RunError.interrupted(let signal) {
      FileHandle.standardError.write(Data("mlv: error: \(RunError.interrupted(signal: signal))\n".utf8))
      throw ExitCode(128 + signal)
    }
  }

  static func stderr(_ quiet: Bool) -> (String) -> Void {
    { line in if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) } }
  }
}

/// A run killed before it finished (SIGKILL, power loss) left a journal: the next mlv
/// command puts the params, stage file and index back before doing anything else.
enum RunJournalRecovery {
  static func recover(_ ws: Workspace) throws {
    let restored = try RunJournal.recover(in: ws)
    if !restored.isEmpty {
      ws.progress.warn("an interrupted mlv run was undone: put back " + restored.joined(separator: ", "))
    }
  }

  /// For commands that do not take the lock: recover only when a journal is there and the
  /// lock is free (a running `mlv run` holds it, and its journal is not yet to be undone).
  static func recoverUnlocked(_ ws: Workspace) {
    guard FileManager.default.fileExists(atPath: RunJournal.directory(in: ws)) else { return }
    guard let lock = try? RepoLock(path: ws.mlvDir + "/lock", command: "mlv (recovering a run)", timeout: 0) else { return }
    defer { withExtendedLifetime(lock) {} }
    try? recover(ws)
  }
}
