import Foundation

/// Every failure the experiments module reports; each case carries the file, key or stage
/// it is about so the command layer can print it as is.
public enum ExperimentError: Error, CustomStringConvertible, Equatable {
  /// A params, metrics or stage file does not exist or cannot be read.
  case fileNotFound(path: String)
  /// The file's extension names no format this module reads.
  case unsupportedFormat(path: String)
  /// A params file failed to parse; `line` is 1-based when known.
  case malformedParams(path: String, line: Int?, reason: String)
  /// A metrics file failed to parse or holds no mapping.
  case malformedMetrics(path: String, reason: String)
  /// A stage names a params key its params file does not have.
  case missingParamKey(path: String, key: String)
  /// A `-S key=value` override is not of that shape.
  case invalidOverride(spec: String, reason: String)
  /// An override's key path goes through a value that is not a mapping.
  case notAMapping(path: String, key: String)
  /// An override was written but reloading the file did not show the new value.
  case overrideNotApplied(path: String, key: String)
  /// The stage file is malformed or a stage in it is invalid.
  case invalidStage(path: String, stage: String?, reason: String)
  /// Stage dependencies form a cycle, rendered as `a -> b -> a`.
  case dependencyCycle(cycle: [String])
  /// Two stages declare the same output.
  case duplicateOutput(path: String, stages: [String])
  /// A named stage is not declared.
  case unknownStage(name: String)
  /// The command's executable is not on PATH.
  case commandNotFound(name: String)
  /// Spawning or waiting for the command failed.
  case spawnFailed(command: String, errno: Int32)
  /// A declared output was not produced by the run.
  case outputMissing(stage: String, path: String)
  /// A stored run record cannot be read.
  case malformedRecord(path: String, reason: String)
  /// The working directory for a command does not exist.
  case noSuchDirectory(path: String)
  /// A table sort key names no column.
  case unknownSortKey(key: String)

  public var description: String {
    switch self {
    case .fileNotFound(let path): return "\(path): file not found"
    case .unsupportedFormat(let path):
      return "\(path): unsupported format (expected .yaml, .yml, .json or .toml)"
    case .malformedParams(let path, let line, let reason):
      if let line { return "\(path):\(line): malformed params: \(reason)" }
      return "\(path): malformed params: \(reason)"
    case .malformedMetrics(let path, let reason): return "\(path): malformed metrics: \(reason)"
    case .missingParamKey(let path, let key): return "\(path): no param '\(key)'"
    case .invalidOverride(let spec, let reason): return "invalid override '\(spec)': \(reason)"
    case .notAMapping(let path, let key):
      return "\(path): cannot set '\(key)': a parent of it is not a mapping"
    case .overrideNotApplied(let path, let key):
      return "\(path): override of '\(key)' did not take effect"
    case .invalidStage(let path, let stage, let reason):
      if let stage { return "\(path): stage '\(stage)': \(reason)" }
      return "\(path): \(reason)"
    case .dependencyCycle(let cycle): return "dependency cycle: \(cycle.joined(separator: " -> "))"
    case .duplicateOutput(let path, let stages):
      return "output '\(path)' is declared by more than one stage: \(stages.joined(separator: ", "))"
    case .unknownStage(let name): return "unknown stage '\(name)'"
    case .commandNotFound(let name): return "\(name): command not found"
    case .spawnFailed(let command, let errno):
      return "\(command): cannot start: \(String(cString: strerror(errno)))"
    case .outputMissing(let stage, let path):
      return "stage '\(stage)': declared output '\(path)' was not produced"
    case .malformedRecord(let path, let reason): return "\(path): malformed run record: \(reason)"
    case .noSuchDirectory(let path): return "\(path): no such directory"
    case .unknownSortKey(let key): return "unknown sort column '\(key)'"
    }
  }
}
