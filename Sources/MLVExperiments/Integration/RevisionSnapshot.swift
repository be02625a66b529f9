import Foundation
import MLVGit
import MLVWorkspace

/// What `exp diff`, `params diff` and `metrics diff` compare: a run's record, or for a
/// revision that recorded no run, a record read from that commit's declared stages (every
/// stage's params files, metrics files and output pointers).
public enum RevisionSnapshot {
  /// The run named by `spec`, or a snapshot of the revision it names.
  public static func record(for spec: String, in git: GitRepository) throws -> RunRecord {
    let (commit, run) = try RunStore.resolve(spec, in: git)
    if let run { return run.record }
    return try snapshot(spec, at: commit, git: git)
  }

  /// The workspace as a record (`params diff` / `metrics diff` with fewer than two
  /// revisions compare against it, as DVC does): its stage file, params, metrics and
  /// output pointers as they are on disk now.
  public static func workspace(in ws: Workspace) throws -> RunRecord {
    let read: (String) throws -> [UInt8]? = { path in
      if let problem = StagePath.problem(path) { throw ExperimentError.fileNotFound(path: "\(path): \(problem)") }
      return FileManager.default.contents(atPath: ws.absolute(path)).map(Array.init)
    }
    return try snapshot("workspace", where: "in the workspace", read: read, time: Date(), commit: try ws.git.head()?.hex)
  }

  static func snapshot(_ spec: String, at commit: GitOID, git: GitRepository) throws -> RunRecord {
    let info = try git.commitInfo(commit)
    return try snapshot(spec, where: "at \(commit.short)", read: { try git.readFile($0, at: commit) }, time: info.time, commit: commit.hex)
  }

  static func snapshot(_ spec: String, where place: String, read: (String) throws -> [UInt8]?, time: Date, commit: String?) throws -> RunRecord {
    let label = "\(StageFile.fileName) \(place)"
    guard let bytes = try read(StageFile.fileName) else { throw RunError.nothingAtRevision(revision: spec) }
    let stages = try StageFile.parse(String(decoding: bytes, as: UTF8.self), path: label).stages
    guard !stages.isEmpty else { throw RunError.nothingAtRevision(revision: spec) }
    func text(_ path: String) throws -> String {
      guard let b = try read(path) else { throw ExperimentError.fileNotFound(path: "\(path) \(place)") }
      return String(decoding: b, as: UTF8.self)
    }
    var files: [ParamsFile] = []
    var metrics: [String: ParamValue] = [:]
    var outs: [String: String] = [:]
    var seen = Set<String>()
    for stage in stages {
      for ref in stage.paramsRefs where seen.insert(stage.resolve(ref.file)).inserted {
        let path = stage.resolve(ref.file)
        guard let format = ParamFormat(path: path) else { throw ExperimentError.unsupportedFormat(path: path) }
        files.append(try ParamsFile.parse(try text(path), format: format, path: path))
      }
      for (i, m) in stage.metrics.map(stage.resolve).enumerated() where seen.insert(m).inserted {
        guard let b = try read(m) else { continue }
        let parsed = try Metrics.parse(String(decoding: b, as: UTF8.self), path: m)
        for e in parsed.entries { metrics[i == 0 ? e.key : "\(m):\(e.key)"] = e.value }
      }
      for out in stage.outs.map(stage.resolve) {
        let pointerPath = Pointer.pointerPath(forData: out)
        guard let b = try read(pointerPath) else { continue }
        outs[out] = try Pointer.decode(b, file: "\(pointerPath) \(place)").oid.hex
      }
    }
    return RunRecord(
      name: spec, command: [], params: RunRecord.flatParams(files), outs: outs, metrics: metrics, exitCode: 0,
      startedAt: time, durationSeconds: 0, environment: RunEnvironment(os: "", mlvVersion: ""), commit: commit)
  }
}
