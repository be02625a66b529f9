import Foundation

/// The stage fields `mlv run` accepts as flags (`-p -d -o -m --wdir`).
public struct StageFlags: Equatable, Sendable {
  public var params: [String] = []
  public var deps: [String] = []
  public var outs: [String] = []
  public var metrics: [String] = []
  public var wdir: String?

  public init(params: [String] = [], deps: [String] = [], outs: [String] = [], metrics: [String] = [], wdir: String? = nil) {
    self.params = params
    self.deps = deps
    self.outs = outs
    self.metrics = metrics
    self.wdir = wdir
  }

  /// True when no field is given: the run uses a declared stage as it is.
  public var isEmpty: Bool { params.isEmpty && deps.isEmpty && outs.isEmpty && metrics.isEmpty && wdir == nil }
}

/// Decides which stage `mlv run -n NAME [flags] [-- CMD]` runs (docs/experiments.md):
/// 1. with stage flags, stage `--stage` (default NAME) is declared or replaced from them;
/// 2. else a declared stage of that name is used (its command replaced if one is given);
/// 3. else, given a command that exactly one declared stage runs, that stage is used, so
///    `mlv run -n lr-small -S train.lr=0.001 -- python3 train.py` reuses the `train`
///    stage's params, deps and outputs under a new run name;
/// 4. else, given a command, a stage with just that command is declared.
public enum StageResolver {
  public static func resolve(
    runName: String, stageName: String?, command: [String], flags: StageFlags, defaultWdir: String, file: StageFile
  ) throws -> (stage: Stage, stages: StageFile) {
    let cmd = command.count == 1 ? command[0] : ShellQuote.join(command)
    let target = stageName ?? runName
    var updated = file
    if !flags.isEmpty {
      guard !command.isEmpty else { throw RunError.noCommand(name: target) }
      let stage = Stage(
        name: target, cmd: cmd, deps: flags.deps, params: flags.params, outs: flags.outs, metrics: flags.metrics,
        wdir: flags.wdir ?? defaultWdir)
      try updated.upsert(stage)
      return (stage, updated)
    }
    if var stage = file[target] {
      if !command.isEmpty && cmd != stage.cmd {
        stage.cmd = cmd
        try updated.upsert(stage)
      }
      return (stage, updated)
    }
    if !command.isEmpty {
      if stageName == nil {
        let same = file.stages.filter { $0.cmd == cmd }
        if same.count == 1 { return (same[0], file) }
      }
      let stage = Stage(name: target, cmd: cmd, wdir: defaultWdir)
      try updated.upsert(stage)
      return (stage, updated)
    }
    if let stageName { throw ExperimentError.unknownStage(name: stageName) }
    throw RunError.noCommand(name: target)
  }
}
