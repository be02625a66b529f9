import Foundation

/// Reads what a declared stage consumes and reports, relative to the repository `root`.
///
/// Keys from several files are merged the way `RunRecord.flatParams` does: the first file's
/// keys stay bare, the others are prefixed `file:` (the path as declared).
public enum StageInputs {
  /// The params values the stage reads: all keys of a bare `params.yaml` entry, or only the
  /// named keys (and keys under them). A missing file or key is an error.
  public static func params(for stage: Stage, root: String) throws -> [ParamEntry] {
    var out: [ParamEntry] = []
    for (i, ref) in stage.paramsRefs.enumerated() {
      let file = try ParamsFile.load(path: root + "/" + stage.resolve(ref.file))
      let (entries, missing) = file.selecting(ref.keys)
      if let key = missing.first { throw ExperimentError.missingParamKey(path: stage.resolve(ref.file), key: key) }
      out += entries.map { ParamEntry(key: i == 0 ? $0.key : "\(ref.file):\($0.key)", value: $0.value) }
    }
    return out
  }

  /// The stage's metrics files, loaded and merged; a missing or malformed file is an error.
  public static func metrics(for stage: Stage, root: String) throws -> [String: ParamValue] {
    var out: [String: ParamValue] = [:]
    for (i, path) in stage.metrics.enumerated() {
      let m = try Metrics.load(path: root + "/" + stage.resolve(path))
      for e in m.entries { out[i == 0 ? e.key : "\(path):\(e.key)"] = e.value }
    }
    return out
  }

  /// The stage's dependencies as repository-relative paths, ready for content ids.
  public static func dependencyPaths(for stage: Stage) -> [String] { stage.deps.map(stage.resolve) }
}

extension StageCacheKey {
  /// The key for a declared stage given its params values and its dependencies' content ids
  /// (repository-relative path to id, as from `StageInputs.dependencyPaths`).
  public init(stage: Stage, params: [ParamEntry], dependencyIDs: [String: String]) {
    self.init(command: stage.cmd, wdir: stage.wdir, deps: dependencyIDs, params: params)
  }
}
