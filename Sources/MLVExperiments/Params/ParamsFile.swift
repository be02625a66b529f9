import Foundation

/// The formats a params or metrics file may be in, chosen by extension.
public enum ParamFormat: String, Sendable {
  case yaml, json, toml

  /// `.yaml`/`.yml`, `.json` or `.toml`, case-insensitively; nil for anything else.
  public init?(path: String) {
    switch (path as NSString).pathExtension.lowercased() {
    case "yaml", "yml": self = .yaml
    case "json": self = .json
    case "toml": self = .toml
    default: return nil
    }
  }

  /// Parses `text` in this format into a tree, mapping syntax errors to `ExperimentError`.
  func parse(_ text: String, path: String) throws -> ParamNode {
    do {
      switch self {
      case .yaml: return try YAMLText.parse(text)
      case .json: return try JSONText.parse(text)
      case .toml: return try TOMLText.parse(text)
      }
    } catch let e as YAMLText.SyntaxError {
      throw ExperimentError.malformedParams(path: path, line: e.line, reason: e.reason)
    } catch let e as JSONText.SyntaxError {
      throw ExperimentError.malformedParams(path: path, line: e.line, reason: e.reason)
    } catch let e as TOMLText.SyntaxError {
      throw ExperimentError.malformedParams(path: path, line: e.line, reason: e.reason)
    }
  }
}

/// A loaded params file: its flattened keys in file order.
public struct ParamsFile: Equatable, Sendable {
  /// The path it was loaded from, as given.
  public let path: String
  /// The format it was read in.
  public let format: ParamFormat
  /// Flattened `train.lr`-style keys in file order.
  public let entries: [ParamEntry]

  /// Loads and flattens the file at `path`; the format comes from its extension.
  public static func load(path: String) throws -> ParamsFile {
    guard let format = ParamFormat(path: path) else { throw ExperimentError.unsupportedFormat(path: path) }
    return try parse(try readText(path), format: format, path: path)
  }

  /// Parses text already read; `path` is used in errors only.
  public static func parse(_ text: String, format: ParamFormat, path: String) throws -> ParamsFile {
    let root = try format.parse(text, path: path)
    guard case .mapping = root else {
      throw ExperimentError.malformedParams(path: path, line: nil, reason: "the top level must be a mapping")
    }
    return ParamsFile(path: path, format: format, entries: root.flattened())
  }

  /// The value of a flattened key, if present.
  public subscript(key: String) -> ParamValue? { entries.first { $0.key == key }?.value }

  /// Only the entries named by `keys`, or under them (`train` selects `train.lr` too);
  /// all entries when `keys` is empty. Keys that match nothing are returned in `missing`.
  public func selecting(_ keys: [String]) -> (entries: [ParamEntry], missing: [String]) {
    if keys.isEmpty { return (entries, []) }
    func matches(_ e: ParamEntry, _ k: String) -> Bool { e.key == k || e.key.hasPrefix(k + ".") }
    let picked = entries.filter { e in keys.contains { matches(e, $0) } }
    let missing = keys.filter { k in !entries.contains { matches($0, k) } }
    return (picked, missing)
  }
}

/// Reads a UTF-8 text file, reporting a missing file as `fileNotFound`. A leading byte
/// order mark (some Windows editors write one) is dropped; the JSON and TOML readers would
/// otherwise reject it.
func readText(_ path: String) throws -> String {
  guard let data = FileManager.default.contents(atPath: path) else {
    throw ExperimentError.fileNotFound(path: path)
  }
  let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
  return String(decoding: data.starts(with: bom) ? data.dropFirst(3) : data, as: UTF8.self)
}
