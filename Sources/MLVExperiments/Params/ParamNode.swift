/// A parsed params or metrics document before flattening: mappings keep file order.
indirect enum ParamNode: Equatable, Sendable {
  case scalar(ParamValue)
  case mapping([(String, ParamNode)])
  case sequence([ParamNode])

  static func == (a: ParamNode, b: ParamNode) -> Bool {
    switch (a, b) {
    case (.scalar(let x), .scalar(let y)): return x == y
    case (.sequence(let x), .sequence(let y)): return x == y
    case (.mapping(let x), .mapping(let y)):
      return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    default: return false
    }
  }

  /// Flattens nested mappings into dotted keys. A sequence of scalars stays one list value
  /// (as DVC shows it); a sequence holding mappings is flattened with its indexes (`a.0.b`).
  func flattened() -> [ParamEntry] {
    var out: [ParamEntry] = []
    flatten(prefix: "", into: &out)
    return out
  }

  private func flatten(prefix: String, into out: inout [ParamEntry]) {
    switch self {
    case .scalar(let v):
      out.append(ParamEntry(key: prefix, value: v))
    case .mapping(let pairs):
      if pairs.isEmpty && !prefix.isEmpty { return }
      for (k, v) in pairs { v.flatten(prefix: prefix.isEmpty ? k : prefix + "." + k, into: &out) }
    case .sequence(let items):
      if let values = ParamNode.scalarList(items) {
        out.append(ParamEntry(key: prefix, value: .list(values)))
      } else {
        for (i, v) in items.enumerated() {
          v.flatten(prefix: prefix.isEmpty ? String(i) : prefix + "." + String(i), into: &out)
        }
      }
    }
  }

  /// The items as plain values when no mapping is nested anywhere inside them.
  private static func scalarList(_ items: [ParamNode]) -> [ParamValue]? {
    var values: [ParamValue] = []
    for item in items {
      switch item {
      case .scalar(let v): values.append(v)
      case .sequence(let inner):
        guard let l = scalarList(inner) else { return nil }
        values.append(.list(l))
      case .mapping: return nil
      }
    }
    return values
  }

  /// Child of a mapping by key.
  subscript(key: String) -> ParamNode? {
    guard case .mapping(let pairs) = self else { return nil }
    return pairs.first { $0.0 == key }?.1
  }
}
