import Foundation
import MLVWorkspace

/// What `mlv repro` (without a run) did with one stage.
public enum StageOutcome: Equatable, Sendable {
  /// Inputs unchanged and outputs as the matching run left them: nothing to do.
  case upToDate
  /// Inputs match an earlier run (e.g. a reverted change): its outputs were brought back
  /// from the store instead of running the command.
  case restored(run: String?)
  /// The command ran; `run` is the recorded run id (nil with `--no-commit`).
  case ran(run: String?)
}

/// `mlv repro`: runs the declared stages in dependency order, skipping a stage when its
/// cache key (command, dependency content ids, params values) matches an earlier successful
/// run. Dependency ids come through the stat cache, so an unchanged stage is decided
/// without reading its data again.
public enum Pipeline {
  public struct Options {
    /// Only these stages and what they depend on; empty means every stage.
    public var stages: [String] = []
    /// Run even stages that are up to date.
    public var force = false
    /// Run stages without recording runs or committing.
    public var commit = true
    /// Record each stage's run on the current branch instead of off it.
    public var onBranch = false
    public var mlvVersion: String
    public var log: (String) -> Void = { _ in }
    public init(mlvVersion: String) { self.mlvVersion = mlvVersion }
  }

  public static func reproduce(in ws: Workspace, options: Options) throws -> [(stage: String, outcome: StageOutcome)] {
    let file = try WorkspaceInputs.relative(ws.root) { try StageFile.load(path: ws.absolute(StageFile.fileName)) }
    guard !file.stages.isEmpty else { throw RunError.noStages }
    let ordered = options.stages.isEmpty
      ? try StageGraph.order(file.stages) : try StageGraph.upstream(of: options.stages, in: file.stages)
    var done: [(String, StageOutcome)] = []
    for stage in ordered {
      let (key, _, _) = try WorkspaceInputs.cacheKey(of: stage, in: ws)
      if !options.force, let entry = StageCache.load(in: ws).entries[key.digest] {
        if try outputsMatch(entry, in: ws) {
          options.log("stage \(stage.name): up to date")
          done.append((stage.name, .upToDate))
          continue
        }
        if try restore(entry, in: ws) {
          options.log("stage \(stage.name): restored from cache\(entry.run.map { " (run \($0))" } ?? "")")
          done.append((stage.name, .restored(run: entry.run)))
          continue
        }
      }
      options.log("stage \(stage.name): running")
      var request = RunRequest(name: stage.name, stage: stage, stages: file, mlvVersion: options.mlvVersion)
      request.commit = options.commit
      request.numbered = true  // `train`, `train-2`...: an earlier run is never replaced
      request.onBranch = options.onBranch
      request.log = options.log
      let outcome = try RunRecorder.run(request, in: ws)
      if let id = outcome.id { options.log("stage \(stage.name): recorded run \(id)") }
      done.append((stage.name, .ran(run: outcome.id)))
    }
    return done
  }

  /// Whether the workspace outputs are exactly what the cached run produced: the same
  /// pointers, data matching them (stat cache), the same metrics files.
  static func outputsMatch(_ entry: StageCache.Entry, in ws: Workspace) throws -> Bool {
    for (path, text) in entry.outs {
      guard let pointer = try ws.readPointer(path), pointer.encode() == Array(text.utf8) else { return false }
      guard try WorkspaceInputs.contentID(path, in: ws) == pointer.oid.hex else { return false }
    }
    for (path, text) in entry.metrics {
      guard let data = FileManager.default.contents(atPath: ws.absolute(path)), data == Data(text.utf8) else { return false }
    }
    ws.statCache.save()
    return true
  }

  /// Puts the cached run's outputs back: pointers written and staged, data restored from
  /// the store, metrics files rewritten. False when an output's data is not in the store.
  static func restore(_ entry: StageCache.Entry, in ws: Workspace) throws -> Bool {
    for (path, text) in entry.outs {
      let pointer = try Pointer.decode(Array(text.utf8), file: "stage cache: \(path)")
      if !ws.store.contains(pointer.oid) { return false }
    }
    for (path, text) in entry.outs {
      try Data(text.utf8).write(to: URL(fileURLWithPath: ws.absolute(Pointer.pointerPath(forData: path))), options: .atomic)
    }
    try ws.git.stage(entry.outs.keys.map { Pointer.pointerPath(forData: $0) }.sorted())
    if !entry.outs.isEmpty { _ = try ws.checkout(revision: nil, paths: Array(entry.outs.keys), force: false) }
    for (path, text) in entry.metrics {
      try Data(text.utf8).write(to: URL(fileURLWithPath: ws.absolute(path)), options: .atomic)
    }
    try ws.git.stage(entry.metrics.keys.sorted())
    return true
  }
}
