import Foundation
import Yams

/// The committed stage declarations, `mlv.stages.yaml` at the repository root:
///
/// ```yaml
/// stages:
///   train:
///     cmd: "python3 train.py"
///     deps: [data/train.csv, train.py]
///     params: [params.yaml]
///     outs: [models/]
///     metrics: [metrics.json]
/// ```
/// `wdir` defaults to `.`. The file is written back sorted by stage name with fields in a
/// fixed order, so rewriting an unchanged file changes nothing.
public struct StageFile: Equatable, Sendable {
  /// The file's name at the repository root.
  public static let fileName = "mlv.stages.yaml"

  /// Stages sorted by name.
  public private(set) var stages: [Stage] = []

  /// A declaration set holding `stages` (not validated; `upsert` validates).
  public init(stages: [Stage] = []) {
    self.stages = stages.sorted { $0.name < $1.name }
  }

  /// The stage with that name, if declared.
  public subscript(name: String) -> Stage? { stages.first { $0.name == name } }

  /// Loads the file; a missing file is an empty declaration set.
  public static func load(path: String) throws -> StageFile {
    guard FileManager.default.fileExists(atPath: path) else { return StageFile() }
    return try parse(try readText(path), path: path)
  }

  /// Parses and validates the declarations; `path` is used in errors.
  public static func parse(_ text: String, path: String) throws -> StageFile {
    func bad(_ stage: String?, _ reason: String) -> ExperimentError { .invalidStage(path: path, stage: stage, reason: reason) }
    let root: Node?
    do { root = try Yams.compose(yaml: text) } catch { throw bad(nil, "not valid YAML: \(error)") }
    guard let root else { return StageFile() }
    guard let top = root.mapping else { throw bad(nil, "the top level must be a mapping") }
    for (k, _) in top where k.string != "stages" { throw bad(nil, "unknown key '\(k.string ?? "?")'") }
    guard let stagesNode = root["stages"] else { return StageFile() }
    guard let mapping = stagesNode.mapping else { throw bad(nil, "'stages' must be a mapping") }
    var stages: [Stage] = []
    for (k, v) in mapping {
      guard let name = k.string else { throw bad(nil, "stage names must be strings") }
      if stages.contains(where: { $0.name == name }) { throw bad(name, "declared twice") }
      guard let fields = v.mapping else { throw bad(name, "must be a mapping") }
      let known = ["cmd", "deps", "params", "outs", "metrics", "plots", "wdir"]
      for (fk, _) in fields where !known.contains(fk.string ?? "") {
        throw bad(name, "unknown field '\(fk.string ?? "?")'")
      }
      func list(_ field: String) throws -> [String] {
        guard let node = v[field] else { return [] }
        if let s = node.scalar { return [s.string] }
        guard let seq = node.sequence else { throw bad(name, "'\(field)' must be a list of paths") }
        return try seq.map { item in
          if let s = item.scalar?.string { return s }
          // DVC's form `- params.yaml: [train.lr, seed]` is read as `params.yaml:train.lr,seed`
          if field == "params", let m = item.mapping, m.count == 1, let (k, v) = m.first, let file = k.string,
            let keys = v.sequence?.compactMap({ $0.scalar?.string }), keys.count == v.sequence?.count
          {
            return keys.isEmpty ? file : file + ":" + keys.joined(separator: ",")
          }
          throw bad(name, "'\(field)' must be a list of paths")
        }
      }
      guard let cmd = v["cmd"]?.scalar?.string else { throw bad(name, "cmd is missing") }
      let stage = Stage(
        name: name, cmd: cmd, deps: try list("deps"), params: try list("params"), outs: try list("outs"),
        metrics: try list("metrics"), plots: try list("plots"), wdir: v["wdir"]?.scalar?.string ?? ".")
      try stage.validate(file: path)
      stages.append(stage)
    }
    return StageFile(stages: stages)
  }

  /// Adds `stage` or replaces the stage of that name, after validating it.
  public mutating func upsert(_ stage: Stage, file: String = StageFile.fileName) throws {
    try stage.validate(file: file)
    stages.removeAll { $0.name == stage.name }
    stages.append(stage)
    stages.sort { $0.name < $1.name }
  }

  /// Removes the named stage; returns whether it existed.
  @discardableResult
  public mutating func remove(_ name: String) -> Bool {
    let before = stages.count
    stages.removeAll { $0.name == name }
    return stages.count != before
  }

  /// The canonical text: stages by name; fields cmd, wdir (if not `.`), deps, params, outs,
  /// metrics; empty lists left out.
  public func render() -> String {
    var out = "stages:\n"
    if stages.isEmpty { return "stages: {}\n" }
    for s in stages {
      out += "  \(StageFile.scalar(s.name)):\n"
      out += "    cmd: \(StageFile.scalar(s.cmd))\n"
      if StagePath.normalize(s.wdir) != "." { out += "    wdir: \(StageFile.scalar(s.wdir))\n" }
      for (field, items) in [("deps", s.deps), ("params", s.params), ("outs", s.outs), ("metrics", s.metrics), ("plots", s.plots)]
      where !items.isEmpty {
        out += "    \(field):\n"
        for item in items { out += "      - \(StageFile.scalar(item))\n" }
      }
    }
    return out
  }

  /// Writes `render()` to `path` atomically.
  public func write(to path: String) throws {
    do {
      try render().write(toFile: path, atomically: true, encoding: .utf8)
    } catch {
      throw ExperimentError.invalidStage(path: path, stage: nil, reason: "cannot write: \(error.localizedDescription)")
    }
  }

  static func scalar(_ s: String) -> String { YAMLEditor.plainSafe(s) ? s : JSONText.quote(s) }
}
