import Foundation

/// One declared stage of `mlv.stages.yaml`: how to run it and what it reads and writes.
/// Paths are relative to `wdir`, which is relative to the repository root.
public struct Stage: Equatable, Sendable {
  public var name: String
  /// Run through `/bin/sh -c` in `wdir`.
  public var cmd: String
  public var deps: [String]
  /// `params.yaml` (every key of it) or `params.yaml:train.lr,train.bs` (only those keys).
  public var params: [String]
  public var outs: [String]
  public var metrics: [String]
  /// Per-step metrics files (CSV or JSON Lines with a step column), kept in git like
  /// metrics and drawn by `mlv plots`.
  public var plots: [String] = []
  public var wdir: String

  /// A stage; paths are relative to `wdir`.
  public init(
    name: String, cmd: String, deps: [String] = [], params: [String] = [], outs: [String] = [],
    metrics: [String] = [], plots: [String] = [], wdir: String = "."
  ) {
    self.plots = plots
    self.name = name
    self.cmd = cmd
    self.deps = deps
    self.params = params
    self.outs = outs
    self.metrics = metrics
    self.wdir = wdir
  }

  /// `params` grouped by file, in first-mention order; an empty key list means every key.
  public var paramsRefs: [(file: String, keys: [String])] {
    var refs: [(file: String, keys: [String])] = []
    for entry in params {
      let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
      let file = parts.first ?? entry
      let keys = parts.count > 1 ? parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } : []
      if let i = refs.firstIndex(where: { $0.file == file }) {
        // a bare file mention means every key; otherwise collect the named keys
        if keys.isEmpty || refs[i].keys.isEmpty { refs[i].keys = [] } else { refs[i].keys += keys }
      } else {
        refs.append((file, keys))
      }
    }
    return refs
  }

  /// Repository-relative form of a path declared by this stage (`wdir` joined, `.` removed).
  public func resolve(_ path: String) -> String { StagePath.normalize(wdir + "/" + path) }

  /// Checks the name, command and every path; `file` is used in errors.
  public func validate(file: String) throws {
    func bad(_ reason: String) -> ExperimentError { .invalidStage(path: file, stage: name, reason: reason) }
    if name.isEmpty || name.range(of: "^[A-Za-z0-9_.-]+$", options: .regularExpression) == nil {
      throw bad("invalid stage name (allowed: letters, digits, '_', '.', '-')")
    }
    if cmd.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw bad("cmd is empty") }
    if let reason = StagePath.problem(wdir) { throw bad("wdir '\(wdir)': \(reason)") }
    for (field, paths) in [("deps", deps), ("outs", outs), ("metrics", metrics), ("plots", plots), ("params", paramsRefs.map(\.file))] {
      for p in paths {
        if let reason = StagePath.problem(p) { throw bad("\(field) '\(p)': \(reason)") }
      }
    }
  }
}

/// Path rules shared by stages: relative, inside the repository, `/`-separated.
enum StagePath {
  static func problem(_ path: String) -> String? {
    if path.isEmpty { return "empty path" }
    if path.hasPrefix("/") { return "must be relative to the repository" }
    if path.split(separator: "/").contains("..") { return "must not contain '..'" }
    return nil
  }

  /// Drops `.` and empty components: `./data//x/` is `data/x`; the root is `.`.
  static func normalize(_ path: String) -> String {
    let parts = path.split(separator: "/").filter { $0 != "." }
    return parts.isEmpty ? "." : parts.joined(separator: "/")
  }

  /// Whether one path is the other or lies inside it (a directory output covers its files).
  static func overlaps(_ a: String, _ b: String) -> Bool {
    a == b || a == "." || b == "." || a.hasPrefix(b + "/") || b.hasPrefix(a + "/")
  }
}
