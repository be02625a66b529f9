import ArgumentParser
import Foundation
import MLVExperiments
import MLVWorkspace

extension MLVMain {
  struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run a stage's command and record it as a run (one commit, one ref, one tag).",
      discussion: """
        With stage flags (-p -d -o -m --wdir) stage NAME is declared (or replaced) in
        mlv.stages.yaml; with only -n, the declared stage NAME is run; with a command
        that one declared stage runs, that stage is run under the new name. -S edits
        the params file first, keeping its format and comments.

        The outputs are added to the store, and one commit is made of the output
        pointers, the run record (.mlv/runs/ID.json), params, metrics, the stage file
        and changed code; refs/mlv/runs/ID points at it and the tag run/NAME at the
        latest run of NAME. A failing command records nothing (and puts back the params
        file) unless --keep-failed. Exit codes: 0 recorded; 1 error or failed command;
        128+N when the command was ended by signal N (130 for Ctrl-C).

        Examples:
          mlv run -n baseline -p params.yaml -d data/train.csv -d train.py \\
              -o models/ -m metrics.json -- python3 train.py
          mlv run -n lr-small -S train.lr=0.001 -- python3 train.py
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
    @Option(name: [.customShort("S"), .customLong("set-param")], help: "Override a param: key.path=value or FILE:key=value.")
    var set: [String] = []
    @Option(name: .customLong("wdir"), help: "Working directory of the command, relative to the repository.")
    var wdir: String?
    @Flag(name: .customLong("keep-failed"), help: "Record a failing command as a failed run.") var keepFailed = false
    @Flag(name: .customLong("no-commit"), help: "Run and store outputs, but record and commit nothing.") var noCommit = false
    @Option(name: .customLong("env"), help: "Also record this environment variable.") var env: [String] = []
    @Argument(parsing: .postTerminator, help: "The command, after `--`.") var command: [String] = []

    func run() throws {
      let ctx = Context(global)
      try ctx.run(locking: "mlv run") { ws in
        try RunStore.validate(name: name)
        let overrides = try set.map(ParamOverride.parse)
        let file = try StageFile.load(path: ws.absolute(StageFile.fileName))
        let cwd = (try? ws.relative(ctx.cwd, cwd: ctx.cwd)) ?? ""
        let flags = StageFlags(params: params, deps: deps, outs: outs, metrics: metrics, wdir: wdir)
        let (stage, stages) = try StageResolver.resolve(
          runName: name, stageName: self.stage, command: command, flags: flags,
          defaultWdir: cwd.isEmpty ? "." : cwd, file: file)
        var request = RunRequest(name: name, stage: stage, stages: stages, mlvVersion: mlvVersion)
        request.overrides = overrides
        request.extraVariables = env
        request.keepFailed = keepFailed
        request.commit = !noCommit
        request.log = { line in if !global.quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) } }
        let outcome = try RunCommands.interruptible { try RunRecorder.run(request, in: ws) }
        guard !global.quiet else { return }
        if let id = outcome.id, let commit = outcome.commit {
          ctx.out.line("recorded run \(id) (stage \(stage.name)) in \(commit.short); tag \(RunStore.tagPrefix)\(name)")
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
