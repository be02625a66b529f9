import Foundation

/// Everything recorded about one run, stored as canonical JSON (`canonicalJSON()`).
///
/// Fields (JSON keys, sorted in the file):
/// - `version`: format version, currently 1
/// - `name`: the run's name (`-n baseline`); `stage`: the declared stage it ran, if any
/// - `command`: argv as given (a stage's `cmd` is `["/bin/sh", "-c", cmd]`)
/// - `wdir`: working directory relative to the repository root (`.` for the root)
/// - `paramsFiles`: `[{path, id}]` content ids of the params files as they were for the run
/// - `params`: flattened `key: value` (keys of files other than the first are `file:key`)
/// - `deps`, `outs`: `{path: content id}`
/// - `metrics`: flattened `key: value` from the metrics files
/// - `exitCode`; `signal` when the command was killed by one
/// - `startedAt`: ISO-8601 UTC with milliseconds; `durationSeconds`
/// - `environment`: `{os, mlvVersion, interpreters {python3: "3.11.7"}, variables {...}}`
/// - `commit`: the code commit the run was made on, if known; `cacheKey`: see `StageCacheKey`
///
/// Whole and non-finite doubles in `params`/`metrics` are written as `{"double": "1.0"}`
/// so they read back as doubles (see `ParamValue`).
public struct RunRecord: Codable, Equatable, Sendable {
  /// The format version this code writes.
  public static let currentVersion = 1

  public var version: Int = RunRecord.currentVersion
  public var name: String
  public var stage: String?
  public var command: [String]
  public var wdir: String
  public var paramsFiles: [FileID]
  public var params: [String: ParamValue]
  public var deps: [String: String]
  public var outs: [String: String]
  public var metrics: [String: ParamValue]
  public var exitCode: Int32
  public var signal: Int32?
  public var startedAt: String
  public var durationSeconds: Double
  public var environment: RunEnvironment
  public var commit: String?
  public var cacheKey: String?

  /// A path and the content id it had.
  public struct FileID: Codable, Equatable, Sendable {
    public var path: String
    public var id: String
    /// A path with its content id.
    public init(path: String, id: String) {
      self.path = path
      self.id = id
    }
  }

  /// A record; `startedAt` is stored as ISO-8601 UTC text.
  public init(
    name: String, stage: String? = nil, command: [String], wdir: String = ".", paramsFiles: [FileID] = [],
    params: [String: ParamValue] = [:], deps: [String: String] = [:], outs: [String: String] = [:],
    metrics: [String: ParamValue] = [:], exitCode: Int32, signal: Int32? = nil, startedAt: Date,
    durationSeconds: Double, environment: RunEnvironment, commit: String? = nil, cacheKey: String? = nil
  ) {
    self.name = name
    self.stage = stage
    self.command = command
    self.wdir = wdir
    self.paramsFiles = paramsFiles
    self.params = params
    self.deps = deps
    self.outs = outs
    self.metrics = metrics
    self.exitCode = exitCode
    self.signal = signal
    self.startedAt = RunRecord.timestamp(startedAt)
    self.durationSeconds = durationSeconds
    self.environment = environment
    self.commit = commit
    self.cacheKey = cacheKey
  }

  /// `startedAt` as a date, if it parses.
  public var startDate: Date? { RunRecord.formatter().date(from: startedAt) }

  /// Sorted keys, 2-space pretty printing, unescaped slashes, one trailing newline: the same
  /// record always gives the same bytes.
  public func canonicalJSON() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    return try encoder.encode(self) + Data("\n".utf8)
  }

  /// Reads a record written by `canonicalJSON()`; `path` is used in errors.
  public static func decode(_ data: Data, path: String) throws -> RunRecord {
    do {
      return try RunRecord(node: JSONText.parse(String(decoding: data, as: UTF8.self)))
    } catch let e as JSONText.SyntaxError {
      throw ExperimentError.malformedRecord(path: path, reason: "line \(e.line): \(e.reason)")
    } catch let e as FieldError {
      throw ExperimentError.malformedRecord(path: path, reason: e.reason)
    }
  }

  static func formatter() -> ISO8601DateFormatter {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    f.timeZone = TimeZone(identifier: "UTC")
    return f
  }

  /// ISO-8601 UTC with milliseconds, e.g. `2026-11-24T23:56:46.123Z`.
  public static func timestamp(_ date: Date) -> String { formatter().string(from: date) }

  /// Merges several params files into one flat map: keys of the first file stay bare,
  /// others are prefixed `file:`, so two files with the same key do not collide.
  public static func flatParams(_ files: [ParamsFile]) -> [String: ParamValue] {
    var out: [String: ParamValue] = [:]
    for (i, f) in files.enumerated() {
      for e in f.entries { out[i == 0 ? e.key : "\(f.path):\(e.key)"] = e.value }
    }
    return out
  }
}

/// The parts of the environment that can change a run's result.
public struct RunEnvironment: Codable, Equatable, Sendable {
  /// e.g. `Linux 6.1.0 x86_64 (Debian GNU/Linux 12 (bookworm))`.
  public var os: String
  /// The mlv version that made the run.
  public var mlvVersion: String
  /// Interpreter or package name to version, e.g. `python3: 3.11.7`, `numpy: 1.26.4`.
  public var interpreters: [String: String]
  /// Allow-listed environment variables that were set.
  public var variables: [String: String]

  /// An environment description.
  public init(os: String, mlvVersion: String, interpreters: [String: String] = [:], variables: [String: String] = [:]) {
    self.os = os
    self.mlvVersion = mlvVersion
    self.interpreters = interpreters
    self.variables = variables
  }
}
