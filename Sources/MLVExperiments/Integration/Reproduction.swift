import Foundation
import MLVGit
import MLVWorkspace

/// How `mlv repro RUN` judges a rerun.
public struct ReproOptions {
  /// Re-run in the user's workspace (checking out the run commit there) instead of an
  /// isolated worktree.
  public var inPlace = false
  /// Metrics within this absolute difference, or this fraction of the recorded value,
  /// count as reproduced (outputs must always be identical).
  public var absoluteTolerance = 0.0
  public var relativeTolerance = 0.0
  public var mlvVersion: String
  public var log: (String) -> Void = { _ in }

  public init(mlvVersion: String) { self.mlvVersion = mlvVersion }
}

/// The result of re-running a recorded run.
public struct ReproReport {
  /// An output or input whose content id differs from the record (`reproduced` nil when
  /// the rerun did not produce it).
  public struct Artifact: Equatable, Sendable {
    public var path: String
    public var recorded: String
    public var reproduced: String?
  }
  /// One recorded or reproduced metric and how they compare.
  public struct MetricResult: Equatable, Sendable {
    public var key: String
    public var recorded: ParamValue?
    public var reproduced: ParamValue?
    public var comparison: MetricComparison
  }

  public var run: StoredRun
  /// Where it ran (removed again unless in place).
  public var directory: String
  /// Outputs whose content differs from the record.
  public var differingOutputs: [Artifact] = []
  /// Inputs that did not come back as recorded (data missing or changed): a warning.
  public var differingInputs: [Artifact] = []
  /// Every metric of either side, sorted by key.
  public var metrics: [MetricResult] = []
  /// Interpreter and package versions that differ from the record: a warning.
  public var environmentChanges: [ValueChange] = []

  /// Outputs identical and every metric identical.
  public var identical: Bool { differingOutputs.isEmpty && metrics.allSatisfy { $0.comparison == .identical } }
  /// Outputs identical and every metric identical or within tolerance.
  public var reproduced: Bool { differingOutputs.isEmpty && metrics.allSatisfy { $0.comparison.isAcceptable } }
}

/// `mlv repro RUN|REV`: rebuilds the run's code, params and data at its commit and runs its
/// command again, then compares outputs (by content id) and metrics with the record.
public enum Reproduction {
  public static func reproduce(_ spec: String, in ws: Workspace, options: ReproOptions) throws -> ReproReport {
    let (commit, found) = try RunStore.resolve(spec, in: ws.git)
    guard let run = found else { throw RunError.noRunAt(revision: spec) }
    if options.inPlace {
      _ = try ws.checkout(revision: commit.hex, paths: [], force: false)
      return try rerun(run, in: ws, options: options)
    }
    let dir = try temporaryDirectory("mlv-repro-\(run.id)")
    defer {
      try? ws.git.removeWorktree(at: dir)
      try? FileManager.default.removeItem(atPath: dir)
    }
    _ = try? ws.git.pruneWorktrees()  // forget worktrees of a repro that was killed
    try ws.git.addWorktree(at: dir, commit: commit)
    let isolated = try Workspace.open(worktree: dir, storeRoot: ws.storeRoot)
    isolated.progress = ws.progress
    _ = try isolated.checkout(revision: nil, paths: [], force: false)
    return try rerun(run, in: isolated, options: options)
  }

  static func rerun(_ run: StoredRun, in target: Workspace, options: ReproOptions) throws -> ReproReport {
    let record = run.record
    var report = ReproReport(run: run, directory: target.root)
    let stages = try StageFile.load(path: target.absolute(StageFile.fileName))
    let stage = record.stage.flatMap { stages[$0] }
    for (path, id) in record.deps.sorted(by: { $0.key < $1.key }) {
      let got = try WorkspaceInputs.contentID(path, in: target)
      if got != id { report.differingInputs.append(.init(path: path, recorded: id, reproduced: got)) }
    }
    // Outputs restored from the store are removed first: a rerun that does not write one
    // must not pass by leaving the recorded copy in place.
    let metricsFiles = stage.map { s in s.metrics.map(s.resolve) } ?? []
    for path in Array(record.outs.keys) + metricsFiles where FileManager.default.fileExists(atPath: target.absolute(path)) {
      try FileManager.default.removeItem(atPath: target.absolute(path))
    }
    let workdir = target.absolute(StagePath.normalize(record.wdir) == "." ? "" : record.wdir)
    let current = EnvironmentCapture.capture(
      command: Array(record.command.dropFirst(2)), mlvVersion: options.mlvVersion, directory: workdir)
    report.environmentChanges = RunDiff.diff(old: record.environment.interpreters.mapValues(ParamValue.string),
      new: current.interpreters.mapValues(ParamValue.string))
    options.log("$ \(record.command.count == 3 && record.command[0] == "/bin/sh" ? record.command[2] : ShellQuote.join(record.command))")
    let result = try CommandRunner(workingDirectory: workdir).run(argv: record.command)
    if let signal = result.signal { throw RunError.interrupted(signal: signal) }
    if result.exitCode != 0 { throw RunError.rerunFailed(run: run.id, exitCode: result.exitCode) }
    for (path, id) in record.outs.sorted(by: { $0.key < $1.key }) {
      let got = try WorkspaceInputs.contentID(path, in: target)
      if got != id { report.differingOutputs.append(.init(path: path, recorded: id, reproduced: got)) }
    }
    target.statCache.save()
    var metrics: [String: ParamValue] = [:]
    if let stage {
      for path in stage.metrics {
        guard let m = try? Metrics.load(path: target.absolute(stage.resolve(path))) else { continue }
        let first = path == stage.metrics.first
        for e in m.entries { metrics[first ? e.key : "\(path):\(e.key)"] = e.value }
      }
    }
    let comparisons = MetricComparison.compareAll(
      old: record.metrics, new: metrics, absolute: options.absoluteTolerance, relative: options.relativeTolerance)
    report.metrics = comparisons.keys.sorted().map {
      .init(key: $0, recorded: record.metrics[$0], reproduced: metrics[$0], comparison: comparisons[$0] ?? .identical)
    }
    return report
  }

  static func temporaryDirectory(_ prefix: String) throws -> String {
    var template = Array((NSTemporaryDirectory() + "/\(prefix)-XXXXXX").utf8CString)
    guard let p = mkdtemp(&template) else { throw ExperimentError.noSuchDirectory(path: NSTemporaryDirectory()) }
    return String(cString: p)
  }
}
