/// Sets a key in a JSON document by parsing and rewriting it (JSON has no comments to
/// keep); key order is kept and new keys go last, with 2-space indentation.
enum JSONEditor {
  static func setting(_ keyPath: [String], to value: ParamValue, in text: String, path: String) throws -> String {
    let root = try ParamFormat.json.parse(text, path: path)
    return JSONText.write(try set(keyPath[...], value, in: root, path: path, full: keyPath))
  }

  private static func set(
    _ keys: ArraySlice<String>, _ value: ParamValue, in node: ParamNode, path: String, full: [String]
  ) throws -> ParamNode {
    guard let key = keys.first else { return leaf(value) }
    guard case .mapping(var pairs) = node else {
      throw ExperimentError.notAMapping(path: path, key: full.joined(separator: "."))
    }
    if let i = pairs.firstIndex(where: { $0.0 == key }) {
      pairs[i].1 = try set(keys.dropFirst(), value, in: pairs[i].1, path: path, full: full)
    } else {
      pairs.append((key, try set(keys.dropFirst(), value, in: .mapping([]), path: path, full: full)))
    }
    return .mapping(pairs)
  }

  private static func leaf(_ value: ParamValue) -> ParamNode {
    if case .list(let items) = value { return .sequence(items.map(leaf)) }
    return .scalar(value)
  }
}
