import Foundation

/// Everything one streaming pass over one version produces.
struct TableScan {
  var columns: [String]
  var accumulators: [ColumnAccumulator]
  /// The row table, or (when spilled) an empty one and the partitions.
  var table: RowTable
  var rows: Int
  var duplicateKeys: Int
  var partitions: RowPartitions? = nil
}

/// How rows are identified while scanning.
struct RowIdentity {
  /// Key columns; empty means rows are identified by content (a multiset of rows).
  var keyColumns: [String]
  /// Columns whose values enter the row hash; nil means all of them. Restricting to
  /// the columns both versions share keeps an added column from marking every row as
  /// modified.
  var hashedColumns: Set<String>?
}

enum TableScanner {
  /// One pass: per-field hash → column statistics, row hash (order-independent sum of
  /// mix(name ⊕ value) over non-null hashed fields) and key hash (ordered), stored in
  /// the row table. Keyed: key → (row hash, offset), a repeated key is re-hashed with
  /// its occurrence number. Unkeyed: row hash → (count, first offset).
  static func scan<R: RecordReader>(
    _ reader: R, identity: RowIdentity, expectedRows: Int, partitions: RowPartitions? = nil
  ) throws -> TableScan {
    var st = ScanState(identity: identity, expectedRows: partitions == nil ? expectedRows : 0)
    st.partitions = partitions
    st.syncColumns(reader.columns)
    if let p = reader as? ParquetReader {
      // Column at a time: one decoded column of a row group in memory, not all of them.
      for g in 0..<p.groupCount { try st.addGroup(p, g) }
    } else {
      while try reader.next() {
        if reader.columns.count != st.accs.count { st.syncColumns(reader.columns) }
        try st.add(reader)
      }
    }
    try st.flush()
    try partitions?.finish()
    st.syncColumns(reader.columns)
    let rows = st.rows
    for i in 0..<st.accs.count where st.accs[i].rows < rows {
      for _ in st.accs[i].rows..<rows { st.accs[i].addMissing() }
    }
    if !identity.keyColumns.isEmpty && !reader.columns.isEmpty {
      for (k, idx) in st.keyIndex.enumerated() where idx == nil {
        throw TableError.missingKeyColumn(path: pathOf(reader), column: identity.keyColumns[k])
      }
    }
    return TableScan(
      columns: reader.columns, accumulators: st.accs, table: st.rows_.table, rows: rows,
      duplicateKeys: st.rows_.duplicates, partitions: partitions)
  }

  static func pathOf<R: RecordReader>(_ r: R) -> String {
    if let d = r as? DelimitedReader { return d.path }
    if let j = r as? JSONLinesReader { return j.path }
    if let p = r as? ParquetReader { return p.path }
    return ""
  }
}

/// Mutable state of one scan, kept in a struct (not captured by closures) so the hot
/// loop gets static exclusivity checking instead of boxed, dynamically checked access.
private struct ScanState {
  let identity: RowIdentity
  let keyed: Bool
  var accs: [ColumnAccumulator] = []
  var nameHashes: [UInt64] = []
  var hashed: [Bool] = []
  var hashes: [UInt64] = []
  var keyIndex: [Int?]
  var rows_: RowInserter
  var partitions: RowPartitions? = nil
  var rows = 0
  var pendingKeys: [UInt64] = []
  var pendingAux: [UInt64] = []
  var pendingOffsets: [Int64] = []
  /// Keeps the touch loads from being optimised away.
  var sink: UInt64 = 0

  init(identity: RowIdentity, expectedRows: Int) {
    self.identity = identity
    keyed = !identity.keyColumns.isEmpty
    keyIndex = identity.keyColumns.map { _ in nil }
    rows_ = RowInserter(keyed: keyed, expectedCount: expectedRows)
  }

  mutating func syncColumns(_ cols: [String]) {
    while accs.count < cols.count {
      let i = accs.count
      var acc = ColumnAccumulator(budget: ColumnBudget(columns: cols.count))
      // Columns first seen late (JSON Lines) were null in the earlier rows.
      for _ in 0..<rows { acc.addMissing() }
      accs.append(acc)
      nameHashes.append(mix(fnv1a(cols[i])))
      hashed.append(identity.hashedColumns?.contains(cols[i]) ?? true)
      hashes.append(0)
      for (k, name) in identity.keyColumns.enumerated() where name == cols[i] { keyIndex[k] = i }
    }
  }

  @inline(__always)
  mutating func add<R: RecordReader>(_ reader: R) throws {
    let fc = reader.fieldCount
    let n = accs.count
    var rowHash: UInt64 = 0
    nameHashes.withUnsafeBufferPointer { names in
      hashed.withUnsafeBufferPointer { hashedCols in
        hashes.withUnsafeMutableBufferPointer { hs in
          accs.withUnsafeMutableBufferPointer { a in
            for i in 0..<n {
              if i >= fc {
                a[i].addMissing()
                hs[i] = 0
                continue
              }
              let f = reader.field(i)
              var h: UInt64 = 0
              if f.count > 0, let p = f.baseAddress {
                h = fnv1a(p, f.count)
                if hashedCols[i] { rowHash &+= mix(names[i] ^ h) }
              }
              hs[i] = h
              a[i].add(f, hash: h)
            }
          }
        }
      }
    }
    let key = rowKey(rowHash) { k in keyIndex[k].map { hashes[$0] } ?? 0 }
    try push(key: key, rowHash: rowHash, offset: reader.recordOffset)
  }

  /// A row's identity in the row table: its row hash, or with key columns their hashes
  /// combined (`keyHash(k)` is key column k's hash, 0 where the column is absent). `add`
  /// and `addGroup` both derive keys here, so CSV and Parquet rows key alike.
  @inline(__always)
  func rowKey(_ rowHash: UInt64, keyHash: (Int) -> UInt64) -> UInt64 {
    guard keyed else { return rowHash }
    var key: UInt64 = 0x6b65_79  // "key"
    for k in keyIndex.indices { key = combine(key, keyHash(k)) }
    return key
  }

  /// Buffers one row for the row table, inserted 256 at a time (`flush`).
  @inline(__always)
  mutating func push(key: UInt64, rowHash: UInt64, offset: Int64) throws {
    pendingKeys.append(key)
    pendingAux.append(rowHash)
    pendingOffsets.append(offset)
    if pendingKeys.count >= 256 { try flush() }
    rows += 1
  }

  /// Row group `g` of a Parquet file, one column at a time, with the same results as
  /// `add` row by row: each column's statistics see its values in row order, the row
  /// hash is a sum (so the column order it is built in does not matter), and rows enter
  /// the row table in row order.
  mutating func addGroup(_ p: ParquetReader, _ g: Int) throws {
    let count = p.rows(inGroup: g)
    let first = p.firstRow(ofGroup: g)
    var rowHashes = [UInt64](repeating: 0, count: count)
    var keyHashes = [[UInt64]](repeating: [], count: keyed ? keyIndex.count : 0)
    for i in 0..<accs.count {
      let name = nameHashes[i]
      let isHashed = hashed[i]
      let keyParts = keyed ? keyIndex.indices.filter { keyIndex[$0] == i } : []
      var own: [UInt64] = keyParts.isEmpty ? [] : [UInt64](repeating: 0, count: count)
      try p.scanColumn(i, ofGroup: g) { col, start in
        let rows = col.rows
        guard start >= 0, rows <= count - start else {
          throw TableError.corrupt(path: p.path, reason: "row group \(g): column '\(p.columns[i])' has more values than rows")
        }
        // A DOUBLE column's values as numbers beside their text (`TextColumn.doubles`):
        // hashes still come from the text, so they are the ones a re-read would compute.
        let numbers = col.completeDoubles ?? []
        let useNumbers = numbers.count == rows && rows > 0
        rowHashes.withUnsafeMutableBufferPointer { rh in
          own.withUnsafeMutableBufferPointer { kh in
            numbers.withUnsafeBufferPointer { ds in
              accs.withUnsafeMutableBufferPointer { a in
                // Row j with its field's hash `h` (0 for a null), in row order.
                @inline(__always)
                func take(_ j: Int, _ f: UnsafeBufferPointer<UInt8>, _ h: UInt64) {
                  let r = start + j
                  if f.count > 0 && isHashed { rh[r] &+= mix(name ^ h) }
                  if !keyParts.isEmpty { kh[r] = h }
                  if useNumbers { a[i].add(f, hash: h, double: ds[j]) } else { a[i].add(f, hash: h) }
                }
                @inline(__always)
                func hash(_ f: UnsafeBufferPointer<UInt8>) -> UInt64 {
                  guard f.count > 0, let q = f.baseAddress else { return 0 }
                  return fnv1a(q, f.count)
                }
                // Two rows at a time, so their hashes are computed together (`fnv1a2`).
                var j = 0
                while j + 1 < rows {
                  let f = col.field(j)
                  let g = col.field(j + 1)
                  if f.count > 0, g.count > 0, let p = f.baseAddress, let q = g.baseAddress {
                    let (h, k) = fnv1a2(p, f.count, q, g.count)
                    take(j, f, h)
                    take(j + 1, g, k)
                  } else {
                    take(j, f, hash(f))
                    take(j + 1, g, hash(g))
                  }
                  j += 2
                }
                if j < rows {
                  let f = col.field(j)
                  take(j, f, hash(f))
                }
              }
            }
          }
        }
      }
      for k in keyParts { keyHashes[k] = own }
    }
    for r in 0..<count {
      let key = rowKey(rowHashes[r]) { k in keyHashes[k].isEmpty ? 0 : keyHashes[k][r] }
      try push(key: key, rowHash: rowHashes[r], offset: first + Int64(r))
    }
  }

  /// Inserts the buffered rows in order, after touching their home slots so the cache
  /// misses of a batch overlap (see `RowTable.touch`); or spills them to partitions.
  mutating func flush() throws {
    if let parts = partitions {
      for i in 0..<pendingKeys.count {
        try parts.append(pendingKeys[i], keyed ? pendingAux[i] : 1, pendingOffsets[i])
      }
    } else {
      let t = rows_.table
      if (t.count + pendingKeys.count) * 10 < t.capacity * 8 {
        sink ^= pendingKeys.withUnsafeBufferPointer { t.touch($0) }
      }
      for i in 0..<pendingKeys.count { rows_.insert(pendingKeys[i], rowHash: pendingAux[i], offset: pendingOffsets[i]) }
    }
    pendingKeys.removeAll(keepingCapacity: true)
    pendingAux.removeAll(keepingCapacity: true)
    pendingOffsets.removeAll(keepingCapacity: true)
  }
}
