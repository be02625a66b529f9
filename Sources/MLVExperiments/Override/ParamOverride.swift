import Foundation

/// One `-S key.path=value` override of a params file for a single run.
public struct ParamOverride: Equatable, Sendable {
  /// The dotted key split into its parts: `train.lr` is `["train", "lr"]`.
  public let keyPath: [String]
  /// The typed value to set.
  public let value: ParamValue
  /// The params file named by `file:key=value`; nil means the run's default params file.
  public let file: String?

  /// The dotted key, `train.lr`.
  public var key: String { keyPath.joined(separator: ".") }

  /// An override of `keyPath` (in `file`, or the default params file) with `value`.
  public init(keyPath: [String], value: ParamValue, file: String? = nil) {
    self.keyPath = keyPath
    self.value = value
    self.file = file
  }

  /// Parses `key.path=value` or `file.yaml:key.path=value`. The value is typed: an
  /// integer, a float, `true`/`false`, `null`, a `[a, b]` list (JSON syntax), else a
  /// string; quoting (`"1"`, `'1'`) keeps it a string.
  public static func parse(_ spec: String) throws -> ParamOverride {
    guard let eq = spec.firstIndex(of: "=") else {
      throw ExperimentError.invalidOverride(spec: spec, reason: "expected key=value")
    }
    var key = spec[..<eq].trimmingCharacters(in: .whitespaces)
    var file: String? = nil
    if let colon = key.lastIndex(of: ":") {
      file = String(key[..<colon])
      key = String(key[key.index(after: colon)...])
      if file?.isEmpty == true { throw ExperimentError.invalidOverride(spec: spec, reason: "empty file name") }
    }
    let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    guard !key.isEmpty, !parts.contains(where: \.isEmpty) else {
      throw ExperimentError.invalidOverride(spec: spec, reason: "empty key or key part")
    }
    return ParamOverride(keyPath: parts, value: typed(String(spec[spec.index(after: eq)...])), file: file)
  }

  static func typed(_ raw: String) -> ParamValue {
    let text = raw.trimmingCharacters(in: .whitespaces)
    if text.count >= 2, let f = text.first, f == text.last, f == "\"" || f == "'" {
      let inner = String(text.dropFirst().dropLast())
      if f == "\"", case .scalar(.string(let s))? = try? JSONText.parse(text) { return .string(s) }
      return .string(inner)
    }
    switch text.lowercased() {
    case "true": return .bool(true)
    case "false": return .bool(false)
    case "null", "~": return .null
    default: break
    }
    if let i = Int(text) { return .int(i) }
    if text.range(of: #"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"#, options: .regularExpression) != nil,
      let d = Double(text)
    {
      return .double(d)
    }
    if ["nan", "inf", "+inf", "-inf"].contains(text.lowercased()), let d = Double(text.lowercased()) {
      return .double(d)
    }
    if text.hasPrefix("["), case .sequence? = try? JSONText.parse(text),
      let entry = (try? JSONText.parse("{\"v\": \(text)}"))?.flattened().first, entry.key == "v"
    {
      return entry.value
    }
    return .string(text)
  }

  /// Applies `overrides` to the params file at `path` in place, keeping its format and
  /// comments, then reloads it to check that every override took effect. `file` is not
  /// consulted here: the caller groups overrides by file.
  public static func apply(_ overrides: [ParamOverride], toFileAt path: String) throws {
    guard let format = ParamFormat(path: path) else { throw ExperimentError.unsupportedFormat(path: path) }
    let text = try readText(path)
    let edited = try applying(overrides, to: text, format: format, path: path)
    do {
      try edited.write(toFile: path, atomically: true, encoding: .utf8)
    } catch {
      throw ExperimentError.fileNotFound(path: path)
    }
  }

  /// Returns `text` with `overrides` applied; `path` is used in errors only. The result is
  /// reparsed and each override checked before it is returned.
  public static func applying(
    _ overrides: [ParamOverride], to text: String, format: ParamFormat, path: String
  ) throws -> String {
    _ = try ParamsFile.parse(text, format: format, path: path)  // refuse to edit a broken file
    var out = text
    for o in overrides {
      switch format {
      case .yaml: out = try YAMLEditor(text: out, path: path).setting(o.keyPath, to: o.value)
      case .toml: out = try TOMLEditor(text: out, path: path).setting(o.keyPath, to: o.value)
      case .json: out = try JSONEditor.setting(o.keyPath, to: o.value, in: out, path: path)
      }
    }
    let reloaded = try ParamsFile.parse(out, format: format, path: path)
    for o in overrides where reloaded[o.key]?.canonical != o.value.canonical {
      throw ExperimentError.overrideNotApplied(path: path, key: o.key)
    }
    return out
  }
}
