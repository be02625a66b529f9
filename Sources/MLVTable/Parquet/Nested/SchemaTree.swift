/// The schema as a tree (parquet.thrift lists it depth first, each group followed by
/// its `num_children` children). Leaves are the column chunks, in order; the table mlv
/// shows has one column per top-level field, with structs flattened into dotted names
/// (`address.city`) and lists, maps and any other repeated field as one column whose
/// value is canonical JSON (see NestedJSON).
final class SchemaNode {
  let name: String
  /// 0 required, 1 optional, 2 repeated.
  let repetition: Int
  /// Definition and repetition levels of this node (counted from the root).
  let def: Int
  let rep: Int
  /// LIST (converted type 3 / logical 3) or MAP (converted 1 or 2 / logical 2) groups.
  let isList: Bool
  let isMap: Bool
  var children: [SchemaNode] = []
  /// Index into the leaf columns, for leaves.
  var leaf: Int? = nil

  init(name: String, repetition: Int, def: Int, rep: Int, isList: Bool, isMap: Bool) {
    self.name = name
    self.repetition = repetition
    self.def = def
    self.rep = rep
    self.isList = isList
    self.isMap = isMap
  }

  var leafCount: Int { leaf != nil ? 1 : children.reduce(0) { $0 + $1.leafCount } }
  var firstLeaf: Int { leaf ?? children[0].firstLeaf }
}

/// One column of the table mlv shows: a leaf (possibly inside structs) or a nested field
/// rendered as JSON from the leaves `node` covers.
enum ParquetOutput {
  case leaf(Int)
  case json(SchemaNode)
}

enum SchemaTree {
  /// Bounds nesting so hostile schemas cannot recurse without limit (real ones rarely
  /// nest more than a handful of levels).
  static let maxDepth = 32

  /// Builds the tree below the root and the leaf columns (depth-first order).
  static func parse(_ elements: [ThriftStruct]) throws -> (root: SchemaNode, leaves: [ParquetColumn]) {
    let root = SchemaNode(name: "", repetition: 0, def: 0, rep: 0, isList: false, isMap: false)
    var leaves: [ParquetColumn] = []
    var i = 1
    func children(of parent: SchemaNode, count: Int64, path: [String], depth: Int) throws {
      guard depth < maxDepth else { throw ParquetFailure(reason: "schema nested more than \(maxDepth) levels") }
      guard count >= 0, count <= Int64(elements.count - i) else {
        throw ParquetFailure(reason: "schema element '\(parent.name)' declares \(count) children, \(elements.count - i) elements follow")
      }
      for _ in 0..<Int(count) {
        let e = elements[i]
        i += 1
        let name = e.string(4) ?? "column\(i - 1)"
        let repetition = Int(e.int(3) ?? 0)
        guard (0...2).contains(repetition) else { throw ParquetFailure(reason: "column '\(name)': bad repetition \(repetition)") }
        let converted = e.int(6)
        let logicalKind = e.structure(10)?.unionMember?.0
        let node = SchemaNode(
          name: name, repetition: repetition, def: parent.def + (repetition == 0 ? 0 : 1),
          rep: parent.rep + (repetition == 2 ? 1 : 0), isList: converted == 3 || logicalKind == 3,
          isMap: converted == 1 || converted == 2 || logicalKind == 2)
        parent.children.append(node)
        let dotted = path + [name]
        if let kids = e.int(5), kids > 0 || e.int(1) == nil {
          try children(of: node, count: kids, path: dotted, depth: depth + 1)
          if node.children.isEmpty { throw ParquetFailure(reason: "group '\(dotted.joined(separator: "."))' has no fields") }
          continue
        }
        guard let type = e.int(1), (0...7).contains(type) else {
          throw ParquetFailure(reason: "column '\(dotted.joined(separator: "."))' has no valid physical type")
        }
        let length = Int(truncatingIfNeeded: e.int(2) ?? 0)
        if type == 7 && !(1...(1 << 20)).contains(length) {
          throw ParquetFailure(reason: "column '\(dotted.joined(separator: "."))': bad fixed length \(length)")
        }
        node.leaf = leaves.count
        leaves.append(
          ParquetColumn(
            name: dotted.joined(separator: "."), type: Int(type), typeLength: length, optional: node.def > 0,
            logical: ParquetFileMetadata.logical(e, type: Int(type)), maxDef: node.def, maxRep: node.rep))
      }
    }
    try children(of: root, count: elements[0].int(5) ?? 0, path: [], depth: 0)
    guard i == elements.count else {
      throw ParquetFailure(reason: "schema has \(elements.count - i) elements outside the tree its root declares")
    }
    return (root, leaves)
  }

  /// The table's columns: structs flattened, lists/maps/repeated fields as JSON.
  static func outputs(_ root: SchemaNode) -> [(name: String, output: ParquetOutput)] {
    var out: [(String, ParquetOutput)] = []
    func collect(_ n: SchemaNode, _ prefix: String) {
      let name = prefix + n.name
      if n.repetition == 2 || n.isList || n.isMap {
        out.append((name, .json(n)))
      } else if let l = n.leaf {
        out.append((name, .leaf(l)))
      } else {
        for c in n.children { collect(c, name + ".") }
      }
    }
    for c in root.children { collect(c, "") }
    return out
  }
}
