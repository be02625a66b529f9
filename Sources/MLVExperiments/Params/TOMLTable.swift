/// The mutable tree the TOML reader builds; TOML's rules about which tables may be
/// reopened depend on how each table was created, so that is recorded per table.
final class TOMLTable {
  enum Origin {
    /// Created as a prefix of a `[a.b]` header; a later `[a]` may still define it.
    case implicit
    /// Defined by its own `[header]` or `[[header]]` element.
    case header
    /// Created by a dotted key (`a.b = 1`); no header may define it later.
    case dotted
    /// An inline table `{ ... }`; closed to every later addition.
    case inline
  }

  enum Entry {
    case value(ParamNode)
    case table(TOMLTable)
    case tableArray([TOMLTable])
  }

  var origin: Origin
  private(set) var keys: [String] = []
  private var entries: [String: Entry] = [:]

  init(origin: Origin) { self.origin = origin }

  subscript(key: String) -> Entry? {
    get { entries[key] }
    set {
      if entries[key] == nil { keys.append(key) }
      entries[key] = newValue
    }
  }

  /// The table as a `ParamNode` mapping in definition order.
  var node: ParamNode {
    .mapping(keys.compactMap { key in
      guard let entry = entries[key] else { return nil }
      switch entry {
      case .value(let v): return (key, v)
      case .table(let t): return (key, t.node)
      case .tableArray(let ts): return (key, .sequence(ts.map(\.node)))
      }
    })
  }
}
