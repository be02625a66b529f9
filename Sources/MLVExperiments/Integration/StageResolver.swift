import Foundation

/// The stage fields `mlv run` accepts as flags (`-p -d -o -m --wdir`).
public struct StageFlags: Equatable, Sendable {
  public var params: [String] = []
  public var deps: [String] = []
  public var outs: [String] = []
  public var metrics: [String] = []
  public var plots: [String] = []
  public var wdir: String?

  public init(params: [String] = [], deps: [String] = [], outs: [String] = [], metrics: [String] = [], wdir: String? = nil) {
    self.params = params
    self.deps = deps
    self.outs = outs
    self.metrics = metrics
    self.wdir = wdir
  }

  /// True when no field is given: the run uses a declared stage as it is.
  public var isEmpty: Bool { params.isEmpty && deps.isEmpty && outs.isEmpty && metrics.isEmpty && plots.isEmpty && wdir == nil }
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
    let r = try resolveNoting(
      runName: runName, stageName: stageName, command: command, flags: flags, defaultWdir: defaultWdir, file: file)
    return (r.stage, r.stages)
  }

  /// `resolve`, also saying what happened to the stage file: nil when it is unchanged, else
  /// a line such as `stage 'train' declared` or `stage 'train' updated: cmd, params`.
  public static func resolveNoting(
    runName: String, stageName: String?, command: [String], flags: StageFlags, defaultWdir: String, file: StageFile
  ) throws -> (stage: Stage, stages: StageFile, note: String?) {
    let cmd = command.count == 1 ? command[0] : ShellQuote.join(command)
    var updated = file
    if !flags.isEmpty {
      guard !command.isEmpty else { throw RunError.noCommand(name: stageName ?? runName) }
      var stage = Stage(
        name: stageName ?? runName, cmd: cmd, deps: flags.deps, params: flags.params, outs: flags.outs,
        metrics: flags.metrics, plots: flags.plots, wdir: flags.wdir ?? defaultWdir)
      // Without --stage, the flags describe a run of an existing stage when one has this very
      // definition (a new run name, same stage), or, failing that, when exactly one declared
      // stage writes any of these outputs: that stage's definition changed.
      if stageName == nil, file[runName] == nil {
        if let same = file.stages.first(where: { sameDefinition($0, stage) }) { return (same, file, nil) }
        let sharing = file.stages.filter { s in
          s.outs.map(s.resolve).contains { o in stage.outs.map(stage.resolve).contains { StagePath.overlaps($0, o) } }
        }
        if sharing.count == 1 { stage.name = sharing[0].name }
      }
      guard let old = file[stage.name] else {
        try updated.upsert(stage)
        return (stage, updated, "stage '\(stage.name)' declared in \(StageFile.fileName)")
      }
      if changedFields(old, stage).isEmpty { return (old, file, nil) }
      try updated.upsert(stage)
      return (stage, updated, "stage '\(stage.name)' updated in \(StageFile.fileName): \(changedFields(old, stage).joined(separator: ", ")) changed")
    }
    let target = stageName ?? runName
    if var stage = file[target] {
      if !command.isEmpty && cmd != stage.cmd {
        stage.cmd = cmd
        try updated.upsert(stage)
        return (stage, updated, "stage '\(stage.name)' updated in \(StageFile.fileName): cmd changed")
      }
      return (stage, updated, nil)
    }
    if !command.isEmpty {
      if stageName == nil {
        let same = file.stages.filter { $0.cmd == cmd }
        if same.count == 1 { return (same[0], file, nil) }
      }
      let stage = Stage(name: target, cmd: cmd, wdir: defaultWdir)
      try updated.upsert(stage)
      return (stage, updated, "stage '\(stage.name)' declared in \(StageFile.fileName)")
    }
    if let stageName { throw ExperimentError.unknownStage(name: stageName) }
    throw RunError.noCommand(name: target)
  }

  /// Everything but the name is equal (paths compared as resolved from wdir).
  static func sameDefinition(_ a: Stage, _ b: Stage) -> Bool {
    changedFields(a, b).isEmpty
  }

  static func changedFields(_ a: Stage, _ b: Stage) -> [String] {
    var fields: [String] = []
    if a.cmd != b.cmd { fields.append("cmd") }
    if StagePath.normalize(a.wdir) != StagePath.normalize(b.wdir) { fields.append("wdir") }
    if Set(a.deps.map(a.resolve)) != Set(b.deps.map(b.resolve)) { fields.append("deps") }
    if Set(a.params) != Set(b.params) { fields.append("params") }
    if Set(a.outs.map(a.resolve)) != Set(b.outs.map(b.resolve)) { fields.append("outs") }
    if Set(a.metrics.map(a.resolve)) != Set(b.metrics.map(b.resolve)) { fields.append("metrics") }
    if Set(a.plots.map(a.resolve)) != Set(b.plots.map(b.resolve)) { fields.append("plots") }
    return fields
  }
}
