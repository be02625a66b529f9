/// One leaf column chunk of a row group, decoded: the text of every level entry (one
/// per value slot, a null being empty) and, where the schema allows them, the definition
/// and repetition levels (Dremel's encoding of nulls and list boundaries).
struct LeafLevels {
  let column: ParquetColumn
  let values: TextColumn
  /// Empty when the column is required (every entry is defined).
  var defs: [UInt8] = []
  /// Empty when no ancestor repeats (every entry starts a row).
  var reps: [UInt8] = []

  func def(_ k: Int) -> Int { defs.isEmpty ? column.maxDef : Int(defs[k]) }
  func rep(_ k: Int) -> Int { reps.isEmpty ? 0 : Int(reps[k]) }
  var count: Int { values.rows }
}

/// A leaf's entries for one row, shaped by its repeated ancestors: a value, an entry
/// defined only down to some level (a null or an empty list above the leaf), or a list
/// of such shapes (one per element of the repeated ancestor at that depth).
indirect enum LeafShape {
  case undefined(Int)
  case value(Int)
  case list([LeafShape])
}

extension LeafLevels {
  /// Shapes entries `lo..<hi` (one row's, or one element's) below repeated ancestor
  /// `depth`; `repeatedDefs[j]` is the definition level of the j-th repeated ancestor.
  func shape(_ lo: Int, _ hi: Int, depth: Int, repeatedDefs: [Int]) throws -> LeafShape {
    let d = def(lo)
    if depth == repeatedDefs.count {
      guard hi - lo == 1 else {
        throw ParquetFailure(reason: "column '\(column.name)': repetition levels do not match the schema")
      }
      return d == column.maxDef ? .value(lo) : .undefined(d)
    }
    if d < repeatedDefs[depth] { return .undefined(d) }
    var elements: [LeafShape] = []
    var start = lo
    var k = lo + 1
    while k < hi {
      if rep(k) == depth + 1 {
        elements.append(try shape(start, k, depth: depth + 1, repeatedDefs: repeatedDefs))
        start = k
      }
      k += 1
    }
    elements.append(try shape(start, hi, depth: depth + 1, repeatedDefs: repeatedDefs))
    return .list(elements)
  }
}
