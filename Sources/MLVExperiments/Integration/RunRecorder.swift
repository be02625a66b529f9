import Foundation
import MLVGit
import MLVWorkspace

/// One `mlv run` (or one stage run by `mlv repro`), fully resolved.
public struct RunRequest {
  /// The run name (`-n`); the run id is derived from it.
  public var name: String
  /// The stage to run, already declared in `stages`.
  public var stage: Stage
  /// The declarations to write to `mlv.stages.yaml` before running (unchanged if equal).
  public var stages: StageFile
  /// `-S` overrides, applied to the params files before running.
  public var overrides: [ParamOverride] = []
  /// `--env NAME`: variables recorded besides the default allow-list.
  public var extraVariables: [String] = []
  /// `--keep-failed`: record a failed command as a failed run.
  public var keepFailed = false
  /// false for `--no-commit`: run and add outputs, but record and commit nothing.
  public var commit = true
  /// `--on-branch`: the run commit moves the current branch (every run in history);
  /// by default it is kept off the branch under `refs/mlv/runs/`.
  public var onBranch = false
  /// `--force`: replace an existing run of this name.
  public var replace = false
  /// Stages run by `mlv repro`: record under `name`, `name-2`... (first free), never refusing.
  public var numbered = false
  /// Sweeps: the lock the run holds only while it stores its outputs and commits.
  public var gate: RunGate?
  /// The environment, when captured already (a sweep shares one between its points);
  /// otherwise it is captured beside the command.
  public var environment: EnvironmentProbe?
  public var mlvVersion: String
  /// Receives progress lines (`stage train: running`).
  public var log: (String) -> Void = { _ in }

  public init(name: String, stage: Stage, stages: StageFile, mlvVersion: String) {
    self.name = name
    self.stage = stage
    self.stages = stages
    self.mlvVersion = mlvVersion
  }
}

/// What a run left behind.
public struct RunOutcome {
  /// The run id and commit; nil with `--no-commit`.
  public var id: String?
  public var commit: GitOID?
  public var record: RunRecord
}

/// Runs a stage in the workspace and records it (docs/experiments.md, "What `mlv run` does").
/// Everything that can be checked before the command runs is checked first; if the
/// command fails or its outputs or metrics are bad, the files mlv edited (params, stage
/// file) are put back and no commit is made.
public enum RunRecorder {
  public static func run(_ request: RunRequest, in ws: Workspace) throws -> RunOutcome {
    // Preconditions, before anything is written or run: the identity the commit needs,
    // the run name, the stage graph and the paths the stage declares.
    var id: String?
    if request.commit {
      _ = try ws.git.signature()
      id = try RunStore.claimID(name: request.name, replace: request.replace, numbered: request.numbered, in: ws)
    }
    try checkPaths(request.stage)
    _ = try StageGraph.order(request.stages.stages)  // a cycle or a shared output is refused up front
    let journal = try RunJournal(in: ws)
    let outcome: RunOutcome
    do {
      outcome = try perform(request, id, journal, in: ws)
    } catch {
      journal.rollback()
      throw error
    }
    // a failed run kept with --keep-failed is committed, and still fails the command
    if outcome.record.exitCode != 0 { throw RunError.commandFailed(exitCode: outcome.record.exitCode, recorded: true) }
    return outcome
  }

  private static func perform(_ request: RunRequest, _ id: String?, _ journal: RunJournal, in ws: Workspace) throws
    -> RunOutcome
  {
    let stage = request.stage
    let stagePath = ws.absolute(StageFile.fileName)
    let current = (try? readText(stagePath)).flatMap { try? StageFile.parse($0, path: StageFile.fileName) }
    if current != request.stages || !FileManager.default.fileExists(atPath: stagePath) {
      try journal.save(stagePath)
      try request.stages.write(to: stagePath)
    }
    try applyOverrides(request.overrides, stage: stage, journal: journal, in: ws)
    let (key, _, deps) = try WorkspaceInputs.cacheKey(of: stage, in: ws)
    let (params, paramsFiles) = try WorkspaceInputs.relative(ws.root) { try WorkspaceInputs.paramsSnapshot(of: stage, in: ws) }
    let outs = stage.outs.map(stage.resolve)
    try removeStaleOutputs(outs, in: ws)

    let workdir = ws.absolute(stage.resolve("."))
    let argv = ["/bin/sh", "-c", stage.cmd]
    let environment = request.environment ?? EnvironmentProbe(
      command: [stage.cmd], mlvVersion: request.mlvVersion, extraVariables: request.extraVariables, directory: workdir)
    request.log("$ \(stage.cmd)")
    let result = try CommandRunner(workingDirectory: workdir).run(argv: argv)
    if let signal = result.signal { throw RunError.interrupted(signal: signal) }
    let failed = result.exitCode != 0
    if failed && !request.keepFailed { throw RunError.commandFailed(exitCode: result.exitCode, recorded: false) }

    var metrics: [String: ParamValue] = [:]
    if !failed {
      try OutputCheck.verify(stage, root: ws.root)
      metrics = try WorkspaceInputs.relative(ws.root) { try StageInputs.metrics(for: stage, root: ws.root) }
    } else {
      metrics = (try? StageInputs.metrics(for: stage, root: ws.root)) ?? [:]
    }
    let captured = environment.environment
    // In a sweep, only this part (the store and the shared git refs and objects) runs one
    // point at a time; everything above touches the point's own worktree.
    return try (request.gate ?? RunGate()).inside {
      try recordRun(
        request, id, journal, key: key, deps: deps, params: params, paramsFiles: paramsFiles, outs: outs,
        metrics: metrics, result: result, environment: captured, in: ws)
    }
  }

  /// Stores the outputs, writes the record and makes the run commit and ref.
  private static func recordRun(
    _ request: RunRequest, _ id: String?, _ journal: RunJournal, key: StageCacheKey, deps: [String: String],
    params: [String: ParamValue], paramsFiles: [RunRecord.FileID], outs: [String], metrics: [String: ParamValue],
    result: CommandResult, environment: RunEnvironment, in ws: Workspace
  ) throws -> RunOutcome {
    let stage = request.stage
    let failed = result.exitCode != 0
    var outIDs: [String: String] = [:]
    if !failed && !outs.isEmpty {
      for r in try ws.add(outs).results { outIDs[r.path] = r.pointer.oid.hex }
    }

    var record = RunRecord(
      name: request.name, stage: stage.name, command: ["/bin/sh", "-c", stage.cmd], wdir: StagePath.normalize(stage.wdir),
      paramsFiles: paramsFiles, params: params, deps: deps, outs: outIDs, metrics: metrics,
      exitCode: result.exitCode, signal: result.signal, startedAt: result.startedAt,
      durationSeconds: result.durationSeconds, environment: environment, commit: try ws.git.head()?.hex,
      cacheKey: key.digest)
    guard let id else {
      if !failed { try StageCache.remember(key, stage: stage, run: nil, in: ws) }
      journal.finish()
      return RunOutcome(id: nil, commit: nil, record: record)
    }

    record.name = id
    let recordPath = RunStore.recordPath(id)
    try FileManager.default.createDirectory(
      atPath: ws.absolute(RunStore.recordsDirectory), withIntermediateDirectories: true)
    try journal.save(ws.absolute(recordPath))
    try journal.save(ws.mlvDir + "/.gitignore")
    try record.canonicalJSON().write(to: URL(fileURLWithPath: ws.absolute(recordPath)), options: .atomic)
    try RunsIgnoreRule.ensure(in: ws)
    let message = "run \(id): \(stage.cmd)\n\nmlv run record: \(recordPath)\n"
    let commit: GitOID
    if request.onBranch {
      try stageRunFiles(stage, recordPath: recordPath, in: ws)
      commit = try ws.commit(message: message).commit
      try ws.git.setReference(RunStore.refPrefix + id, to: commit, message: "mlv run \(id)")
      journal.finish()
    } else {
      commit = try commitOffBranch(stage, recordPath: recordPath, message: message, in: ws)
      try ws.git.setReference(RunStore.refPrefix + id, to: commit, message: "mlv run \(id)")
      // The workspace keeps what the command left (and the params it ran with); the
      // record and the ignore rule live only in the run commit, and the index is as it
      // was except the outputs' pointers, staged as `mlv add` leaves them.
      try journal.putBack(except: Set([StageFile.fileName] + stage.paramsRefs.map { stage.resolve($0.file) }))
      var pointers = Set(outIDs.keys.map { Pointer.pointerPath(forData: $0) })
      for out in outIDs.keys {
        // the ignore rule `mlv add` writes beside the output keeps the data out of git
        let dir = (out as NSString).deletingLastPathComponent
        let ignore = dir.isEmpty ? ".gitignore" : dir + "/.gitignore"
        if FileManager.default.fileExists(atPath: ws.absolute(ignore)) { pointers.insert(ignore) }
      }
      if !pointers.isEmpty { try ws.git.stage(pointers.sorted()) }
      journal.finish()
    }
    if !failed { try StageCache.remember(key, stage: stage, run: id, in: ws) }
    return RunOutcome(id: id, commit: commit, record: record)
  }

  /// Makes the run commit from the index (parent: HEAD) without moving the branch: the
  /// run files and every changed tracked file are staged, tracked data the user changed
  /// is re-added first (as `mlv commit` does) and the pointers of data dependencies are
  /// staged, so the commit holds the code, params and data exactly as the run saw them.
  static func commitOffBranch(_ stage: Stage, recordPath: String, message: String, in ws: Workspace) throws -> GitOID {
    let changed = try ws.status().filter(\.isRecordable).map(\.path)
    if !changed.isEmpty { _ = try ws.add(changed) }
    try stageRunFiles(stage, recordPath: recordPath, in: ws)
    var pointers: [String] = []
    for dep in StageInputs.dependencyPaths(for: stage)
    where FileManager.default.fileExists(atPath: ws.absolute(Pointer.pointerPath(forData: dep))) {
      pointers.append(Pointer.pointerPath(forData: dep))
    }
    if !pointers.isEmpty { try ws.git.stage(pointers) }
    return try ws.git.commitIndex(message: message, parents: try ws.git.head().map { [$0] } ?? [])
  }

  /// Paths checked before the command runs: a metrics file inside an output, and an
  /// output that is also a dependency or a params file of the same stage.
  static func checkPaths(_ stage: Stage) throws {
    try checkMetricsNotInOutputs(stage)
    for p in stage.plots.map(stage.resolve) {
      if let out = stage.outs.map(stage.resolve).first(where: { StagePath.overlaps($0, p) }) {
        throw RunError.conflictingPath(path: p, reason: "is a plots file inside the output '\(out)'; plots are kept in git")
      }
    }
    let outs = stage.outs.map(stage.resolve)
    let inputs = StageInputs.dependencyPaths(for: stage) + stage.paramsRefs.map { stage.resolve($0.file) }
    for input in inputs {
      if let out = outs.first(where: { StagePath.overlaps($0, input) }) {
        throw RunError.conflictingPath(path: input, reason: "is read by stage '\(stage.name)' and overlaps its output '\(out)'")
      }
    }
  }

  /// Applies `-S` overrides: `file:key=value` to that file (relative to the stage's
  /// directory), a bare `key=value` to the stage's first params file.
  static func applyOverrides(_ overrides: [ParamOverride], stage: Stage, journal: RunJournal, in ws: Workspace) throws {
    guard !overrides.isEmpty else { return }
    var byFile: [(String, [ParamOverride])] = []
    for o in overrides {
      guard let file = o.file ?? stage.paramsRefs.first?.file else { throw RunError.noParamsFile(stage: stage.name) }
      let path = stage.resolve(file)
      if let i = byFile.firstIndex(where: { $0.0 == path }) { byFile[i].1.append(o) } else { byFile.append((path, [o])) }
    }
    for (path, list) in byFile {
      guard FileManager.default.fileExists(atPath: ws.absolute(path)) else { throw ExperimentError.fileNotFound(path: path) }
      try journal.save(ws.absolute(path))
      try WorkspaceInputs.relative(ws.root) { try ParamOverride.apply(list, toFileAt: ws.absolute(path)) }
    }
  }

  /// Removes outputs left by an earlier run before the command runs, so an output the
  /// command no longer writes is noticed. Only outputs whose content is safely in the store
  /// (tracked and unchanged since added) are removed; anything else is left alone.
  static func removeStaleOutputs(_ outs: [String], in ws: Workspace) throws {
    guard !outs.isEmpty else { return }
    let clean = Set(try ws.status(filter: outs).filter(\.isClean).map(\.path))
    for out in outs where clean.contains(out) { try FileManager.default.removeItem(atPath: ws.absolute(out)) }
  }

  static func checkMetricsNotInOutputs(_ stage: Stage) throws {
    for m in stage.metrics.map(stage.resolve) {
      if let out = stage.outs.map(stage.resolve).first(where: { StagePath.overlaps($0, m) }) {
        throw RunError.conflictingPath(path: m, reason: "is a metrics file inside the output '\(out)'; metrics are kept in git")
      }
    }
  }

  /// Stages what the run commit holds besides the output pointers (`ws.add` staged those):
  /// the record, the stage file, params and metrics files, code dependencies, and every
  /// tracked file that changed, so the commit is the code exactly as it ran.
  static func stageRunFiles(_ stage: Stage, recordPath: String, in ws: Workspace) throws {
    var paths = [recordPath, ".mlv/.gitignore", StageFile.fileName]
    paths += stage.paramsRefs.map { stage.resolve($0.file) }
    paths += stage.metrics.map(stage.resolve)
    paths += stage.plots.map(stage.resolve).filter { FileManager.default.fileExists(atPath: ws.absolute($0)) }
    var data: [String] = []
    let tracked = try ws.trackedPaths()
    for dep in StageInputs.dependencyPaths(for: stage) {
      // data mlv tracks (or a path inside or around it) is re-added by `ws.commit` if changed
      if tracked.contains(where: { StagePath.overlaps($0, dep) }) { continue }
      if try isCode(dep, in: ws) { paths.append(dep) } else { data.append(dep) }
    }
    if !data.isEmpty { _ = try ws.add(data) }
    for entry in try ws.git.status() where !entry.isUntracked && entry.workdirStatus != nil {
      paths.append(entry.path)
    }
    try ws.git.stage(Array(Set(paths)).sorted())
  }

  /// A dependency that mlv does not track goes to git when git already tracks it, or when
  /// it is a small file git does not ignore; otherwise (a directory, a large or ignored
  /// file) it is data and is added to the store like `mlv add`.
  static func isCode(_ path: String, in ws: Workspace) throws -> Bool {
    if try ws.git.isTracked(path) { return true }
    if try !ws.git.indexFiles(withPrefix: path + "/").isEmpty { return true }
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: ws.absolute(path), isDirectory: &isDir), !isDir.boolValue else { return false }
    let size = (try? FileManager.default.attributesOfItem(atPath: ws.absolute(path))[.size] as? Int) ?? 0
    let ignored = try ws.git.isIgnored(path)
    return size <= 1 << 20 && !ignored
  }
}

/// `.mlv/.gitignore` keeps everything under `.mlv` out of git except what is listed;
/// run records must be committed, so `!/runs/` is added when the first run is recorded
/// in a repository made before `mlv init` wrote it.
enum RunsIgnoreRule {
  static let rule = "!/runs/"

  static func ensure(in ws: Workspace) throws {
    let path = ws.mlvDir + "/.gitignore"
    var text = (try? readText(path)) ?? "/*\n!/config\n!/.gitignore\n"
    guard !text.split(separator: "\n").contains(where: { $0 == rule }) else { return }
    if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
    text += rule + "\n"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
  }
}
