import Foundation
import MLVStore
import MLVWorkspace

/// Content ids and file reads for stages inside a workspace, with error paths shown
/// relative to the repository (the pure readers are given absolute paths).
enum WorkspaceInputs {
  /// The content id of a file or directory, as `mlv add` would compute it, found through
  /// the stat cache (unchanged files are not read again); nil when the path does not exist.
  static func contentID(_ path: String, in ws: Workspace) throws -> String? {
    guard let scanned = try ws.scan(path, storeObjects: false, label: "hashing \(path)") else { return nil }
    switch scanned.kind {
    case .file: return scanned.files[""]?.id.hex
    case .dir:
      // The root of the tree `mlv add` would write (from the stat cache's directory
      // summary when no file changed).
      return try ws.directoryTreeID(path, scanned).hex
    }
  }

  /// The stage's dependency ids; a missing dependency is an error naming it.
  static func dependencyIDs(of stage: Stage, in ws: Workspace) throws -> [String: String] {
    var ids: [String: String] = [:]
    for dep in StageInputs.dependencyPaths(for: stage) {
      guard let id = try contentID(dep, in: ws) else { throw RunError.missingDependency(stage: stage.name, path: dep) }
      ids[dep] = id
    }
    ws.statCache.save()
    return ids
  }

  /// The stage's cache key as the workspace is now.
  static func cacheKey(of stage: Stage, in ws: Workspace) throws -> (key: StageCacheKey, params: [ParamEntry], deps: [String: String]) {
    let params = try relative(ws.root) { try StageInputs.params(for: stage, root: ws.root) }
    let deps = try dependencyIDs(of: stage, in: ws)
    return (StageCacheKey(stage: stage, params: params, dependencyIDs: deps), params, deps)
  }

  /// Every key of every params file the stage declares (merged like `RunRecord.flatParams`),
  /// with each file's content id.
  static func paramsSnapshot(of stage: Stage, in ws: Workspace) throws -> ([String: ParamValue], [RunRecord.FileID]) {
    var files: [ParamsFile] = []
    var ids: [RunRecord.FileID] = []
    for ref in stage.paramsRefs {
      let path = stage.resolve(ref.file)
      guard let format = ParamFormat(path: path) else { throw ExperimentError.unsupportedFormat(path: path) }
      let text = try readText(ws.absolute(path))
      files.append(try ParamsFile.parse(text, format: format, path: ref.file))
      ids.append(RunRecord.FileID(path: path, id: try contentID(path, in: ws) ?? ""))
    }
    return (RunRecord.flatParams(files), ids)
  }

  /// Runs `body`, showing paths under `root` in its errors relative to it.
  static func relative<T>(_ root: String, _ body: () throws -> T) throws -> T {
    func strip(_ p: String) -> String { p.hasPrefix(root + "/") ? String(p.dropFirst(root.count + 1)) : p }
    do { return try body() } catch let e as ExperimentError {
      switch e {
      case .fileNotFound(let p): throw ExperimentError.fileNotFound(path: strip(p))
      case .unsupportedFormat(let p): throw ExperimentError.unsupportedFormat(path: strip(p))
      case .malformedParams(let p, let line, let reason):
        throw ExperimentError.malformedParams(path: strip(p), line: line, reason: reason)
      case .malformedMetrics(let p, let reason): throw ExperimentError.malformedMetrics(path: strip(p), reason: reason)
      case .missingParamKey(let p, let key): throw ExperimentError.missingParamKey(path: strip(p), key: key)
      case .notAMapping(let p, let key): throw ExperimentError.notAMapping(path: strip(p), key: key)
      case .overrideNotApplied(let p, let key): throw ExperimentError.overrideNotApplied(path: strip(p), key: key)
      default: throw e
      }
    }
  }
}

/// Saved copies of files a run edits before its command runs (the params file `-S`
/// changes, `mlv.stages.yaml`), put back when the run fails so nothing is half-done.
final class FileRollback {
  private var saved: [(path: String, data: Data?)] = []

  func save(_ path: String) {
    guard !saved.contains(where: { $0.path == path }) else { return }
    saved.append((path, FileManager.default.contents(atPath: path)))
  }

  func restore() {
    for (path, data) in saved.reversed() {
      if let data {
        try? data.write(to: URL(fileURLWithPath: path), options: .atomic)
      } else {
        try? FileManager.default.removeItem(atPath: path)
      }
    }
    saved = []
  }
}
