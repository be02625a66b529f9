import Foundation

/// A loaded metrics file (JSON or YAML), flattened like params: `{"eval": {"acc": 0.9}}`
/// becomes `eval.acc = 0.9`. Numbers stay numbers; strings and booleans are kept as is.
public struct Metrics: Equatable, Sendable {
  /// The path it was loaded from, as given.
  public let path: String
  /// Flattened keys in file order.
  public let entries: [ParamEntry]

  /// Loads `path`; a missing, unsupported or malformed file is an error naming it.
  public static func load(path: String) throws -> Metrics {
    guard FileManager.default.fileExists(atPath: path) else { throw ExperimentError.fileNotFound(path: path) }
    return try parse(try readText(path), path: path)
  }

  /// Parses metrics text; the format comes from `path`'s extension (JSON or YAML).
  public static func parse(_ text: String, path: String) throws -> Metrics {
    guard let format = ParamFormat(path: path), format != .toml else {
      throw ExperimentError.malformedMetrics(path: path, reason: "metrics must be .json, .yaml or .yml")
    }
    let root: ParamNode
    do {
      root = try format.parse(text, path: path)
    } catch let ExperimentError.malformedParams(_, line, reason) {
      throw ExperimentError.malformedMetrics(path: path, reason: line.map { "line \($0): \(reason)" } ?? reason)
    }
    guard case .mapping = root else {
      throw ExperimentError.malformedMetrics(path: path, reason: "the top level must be a mapping")
    }
    return Metrics(path: path, entries: root.flattened())
  }

  /// The value of a flattened key, if present.
  public subscript(key: String) -> ParamValue? { entries.first { $0.key == key }?.value }
}
