/// Renders a nested field (list, map, repeated field, or a struct holding one) of one row
/// as canonical JSON: no spaces; struct fields in schema order; lists in order; maps as
/// objects with keys as strings, sorted by key (a map's order carries no meaning);
/// numbers and booleans bare (NaN and infinities, which JSON lacks, as strings); every
/// other value as a JSON string of the text mlv shows for it. So a changed element makes
/// the row modified, and equal values always render alike.
struct NestedJSON {
  let node: SchemaNode
  let leaves: [LeafLevels]
  /// Per leaf under `node` (in order), the definition levels of its repeated ancestors.
  let repeatedDefs: [[Int]]
  /// Per leaf, where the next row's entries start.
  var cursors: [Int]

  init(node: SchemaNode, leaves: [LeafLevels]) {
    self.node = node
    self.leaves = leaves
    var defs: [[Int]] = []
    func walk(_ n: SchemaNode, _ above: [Int]) {
      let here = n.repetition == 2 ? above + [n.def] : above
      if n.leaf != nil { defs.append(here) }
      for c in n.children { walk(c, here) }
    }
    // Repeated nodes above `node` cannot exist: only non-repeated structs are flattened.
    walk(node, [])
    repeatedDefs = defs
    cursors = [Int](repeating: 0, count: leaves.count)
  }

  /// Appends the next row's JSON to `out`.
  mutating func appendRow(to out: TextColumn) throws {
    var shapes: [LeafShape] = []
    for (i, l) in leaves.enumerated() {
      let lo = cursors[i]
      guard lo < l.count else { throw ParquetFailure(reason: "column '\(l.column.name)' has fewer rows than its row group") }
      var hi = lo + 1
      while hi < l.count && l.rep(hi) != 0 { hi += 1 }
      cursors[i] = hi
      shapes.append(try l.shape(lo, hi, depth: 0, repeatedDefs: repeatedDefs[i]))
    }
    var text: [UInt8] = []
    if node.repetition == 2 {
      try repeated(node, shapes[...], leaves[...], unwrap: false, &text)
    } else {
      try render(node, shapes[...], leaves[...], &text)
    }
    try text.withUnsafeBufferPointer { try out.appendRow($0.baseAddress, $0.count) }
  }

  /// Whether every leaf's entries were used by the rows read.
  var exhausted: Bool { zip(cursors, leaves).allSatisfy { $0 == $1.count } }

  private func render(_ n: SchemaNode, _ s: ArraySlice<LeafShape>, _ l: ArraySlice<LeafLevels>, _ out: inout [UInt8]) throws {
    if case .undefined(let d) = s.first!, d < n.def {
      out += Array("null".utf8)
      return
    }
    if n.leaf != nil {
      guard case .value(let k) = s.first! else {
        out += Array("null".utf8)
        return
      }
      leafJSON(l.first!, k, &out)
      return
    }
    if n.isList, let r = n.children.first, r.repetition == 2, n.children.count == 1 {
      // The LIST convention and its legacy forms (parquet-format LogicalTypes.md): the
      // repeated group is the element unless it has exactly one field and is not named
      // `array` or `<list>_tuple`.
      let unwrap = r.leaf == nil && r.children.count == 1 && r.name != "array" && r.name != n.name + "_tuple"
      try repeated(r, s, l, unwrap: unwrap, &out)
      return
    }
    if n.isMap, let r = n.children.first, r.repetition == 2, r.leaf == nil, n.children.count == 1 {
      try map(r, s, l, &out)
      return
    }
    out.append(UInt8(ascii: "{"))
    var at = 0
    for (i, c) in n.children.enumerated() {
      if i > 0 { out.append(UInt8(ascii: ",")) }
      JSONText.string(Array(c.name.utf8), &out)
      out.append(UInt8(ascii: ":"))
      let ss = s[(s.startIndex + at)..<(s.startIndex + at + c.leafCount)]
      let ll = l[(l.startIndex + at)..<(l.startIndex + at + c.leafCount)]
      if c.repetition == 2 {
        try repeated(c, ss, ll, unwrap: false, &out)
      } else {
        try render(c, ss, ll, &out)
      }
      at += c.leafCount
    }
    out.append(UInt8(ascii: "}"))
  }

  /// The elements of repeated node `r` (its parent is known to be defined).
  private func elements(_ r: SchemaNode, _ s: ArraySlice<LeafShape>) throws -> [[LeafShape]]? {
    if case .undefined = s.first! { return nil }
    var lists: [[LeafShape]] = []
    for shape in s {
      guard case .list(let e) = shape else { throw ParquetFailure(reason: "field '\(r.name)': levels of its columns disagree") }
      lists.append(e)
    }
    let n = lists[0].count
    guard lists.allSatisfy({ $0.count == n }) else {
      throw ParquetFailure(reason: "field '\(r.name)': its columns hold different numbers of elements")
    }
    return (0..<n).map { i in lists.map { $0[i] } }
  }

  private func repeated(
    _ r: SchemaNode, _ s: ArraySlice<LeafShape>, _ l: ArraySlice<LeafLevels>, unwrap: Bool, _ out: inout [UInt8]
  ) throws {
    out.append(UInt8(ascii: "["))
    for (i, e) in (try elements(r, s) ?? []).enumerated() {
      if i > 0 { out.append(UInt8(ascii: ",")) }
      try render(unwrap ? r.children[0] : r, e[...], l, &out)
    }
    out.append(UInt8(ascii: "]"))
  }

  private func map(_ r: SchemaNode, _ s: ArraySlice<LeafShape>, _ l: ArraySlice<LeafLevels>, _ out: inout [UInt8]) throws {
    var pairs: [([UInt8], [UInt8])] = []
    let keyLeaves = r.children[0].leafCount
    for e in try elements(r, s) ?? [] {
      var key: [UInt8] = []
      try render(r.children[0], e[..<keyLeaves], l.prefix(keyLeaves), &key)
      if key.first != UInt8(ascii: "\"") {
        let raw = key
        key = []
        JSONText.string(raw, &key)
      }
      var value: [UInt8] = Array("null".utf8)
      if r.children.count > 1 {
        value = []
        let sub = (l.startIndex + keyLeaves)..<(l.startIndex + keyLeaves + r.children[1].leafCount)
        try render(r.children[1], e[(e.startIndex + keyLeaves)..<(e.startIndex + sub.count + keyLeaves)], l[sub], &value)
      }
      pairs.append((key, value))
    }
    pairs.sort { $0.0.lexicographicallyPrecedes($1.0) }
    out.append(UInt8(ascii: "{"))
    for (i, p) in pairs.enumerated() {
      if i > 0 { out.append(UInt8(ascii: ",")) }
      out += p.0
      out.append(UInt8(ascii: ":"))
      out += p.1
    }
    out.append(UInt8(ascii: "}"))
  }

  private func leafJSON(_ l: LeafLevels, _ k: Int, _ out: inout [UInt8]) {
    let f = l.values.field(k)
    let c = l.column
    let numeric: Bool
    switch c.type {
    case 0: numeric = true
    case 1, 2: numeric = c.logical == .none || c.logical == .unsigned || { if case .decimal = c.logical { return true } else { return false } }()
    case 4, 5: numeric = true
    case 7: numeric = c.logical == .float16 || { if case .decimal = c.logical { return true } else { return false } }()
    case 6: if case .decimal = c.logical { numeric = true } else { numeric = false }
    default: numeric = false
    }
    // NaN and the infinities print as letters; JSON has no such numbers.
    if numeric && !f.isEmpty && !f.contains(where: { $0 == UInt8(ascii: "n") || $0 == UInt8(ascii: "i") }) {
      out.append(contentsOf: f)
    } else {
      JSONText.string(Array(ByteText.render(f).utf8), &out)
    }
  }
}

enum JSONText {
  /// A JSON string literal of UTF-8 text, escaped as Python's `json.dumps` does with
  /// `ensure_ascii=False`.
  static func string(_ s: [UInt8], _ out: inout [UInt8]) {
    let hex: [UInt8] = Array("0123456789abcdef".utf8)
    out.append(UInt8(ascii: "\""))
    for c in s {
      switch c {
      case UInt8(ascii: "\""): out += [92, 34]
      case 92: out += [92, 92]
      case 0x0a: out += [92, UInt8(ascii: "n")]
      case 0x0d: out += [92, UInt8(ascii: "r")]
      case 0x09: out += [92, UInt8(ascii: "t")]
      case 0x08: out += [92, UInt8(ascii: "b")]
      case 0x0c: out += [92, UInt8(ascii: "f")]
      case 0..<0x20: out += [92, UInt8(ascii: "u"), 48, 48, hex[Int(c >> 4)], hex[Int(c & 15)]]
      default: out.append(c)
      }
    }
    out.append(UInt8(ascii: "\""))
  }
}
