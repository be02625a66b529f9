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

  static func snapshot(_ spec: String, at commit: GitOID, git: GitRepository) throws -> RunRecord {
    let label = "\(StageFile.fileName) at \(commit.short)"
    guard let bytes = try git.readFile(StageFile.fileName, at: commit) else { throw RunError.nothingAtRevision(revision: spec) }
    let stages = try StageFile.parse(String(decoding: bytes, as: UTF8.self), path: label).stages
    guard !stages.isEmpty else { throw RunError.nothingAtRevision(revision: spec) }
    func text(_ path: String) throws -> String {
      guard let b = try git.readFile(path, at: commit) else { throw ExperimentError.fileNotFound(path: "\(path) at \(commit.short)") }
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
        guard let b = try git.readFile(m, at: commit) else { continue }
        let parsed = try Metrics.parse(String(decoding: b, as: UTF8.self), path: m)
        for e in parsed.entries { metrics[i == 0 ? e.key : "\(m):\(e.key)"] = e.value }
      }
      for out in stage.outs.map(stage.resolve) {
        let pointerPath = Pointer.pointerPath(forData: out)
        guard let b = try git.readFile(pointerPath, at: commit) else { continue }
        outs[out] = try Pointer.decode(b, file: "\(pointerPath) at \(commit.short)").oid.hex
      }
    }
    let info = try git.commitInfo(commit)
    return RunRecord(
      name: spec, command: [], params: RunRecord.flatParams(files), outs: outs, metrics: metrics, exitCode: 0,
      startedAt: info.time, durationSeconds: 0, environment: RunEnvironment(os: "", mlvVersion: ""), commit: commit.hex)
  }
}
