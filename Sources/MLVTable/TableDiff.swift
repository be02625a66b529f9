import Foundation

/// Data-aware diff of two versions of a table file (CSV/TSV/any delimiter, JSON Lines, Parquet).
public enum TableDiff {
  /// Modified rows whose old and new records are re-read to name changed columns; past
  /// this, counts stay exact but `changedRows` per column covers only these rows.
  static let detailLimit = 200_000
  /// Modified rows re-read together from a Parquet file (see `ParquetReader.records(at:)`).
  static let prefetchBatch = 50_000

  /// Compares two versions. Returns nil when either file is not a table (the caller
  /// falls back to a file-level diff); throws `TableError` for malformed tables. A path
  /// that does not exist stands for an empty table (the file was added or deleted).
  public static func compare(
    old: String, new: String, displayPath: String, options: TableDiffOptions = TableDiffOptions()
  )
    throws -> TableDiffReport?
  {
    do {
      return try compareFiles(old: old, new: new, displayPath: displayPath, options: options)
    } catch let e as TableError {
      // The old version is usually a temporary file: name what the user knows instead.
      var names = [old: displayPath + " (old version)"]
      names[new] = displayPath
      throw e.relabeled(names)
    }
  }

  private static func compareFiles(old: String, new: String, displayPath: String, options: TableDiffOptions)
    throws -> TableDiffReport?
  {
    // A missing side (file added or deleted) is read as an empty table in the other
    // side's format (from /dev/null), so every row shows as added or removed.
    let fm = FileManager.default
    let hasOld = fm.fileExists(atPath: old)
    let hasNew = fm.fileExists(atPath: new)
    if !hasOld && !hasNew { throw TableError.unreadable(path: new, reason: "neither version exists") }
    let detectedOld = try TableFormat.detect(path: hasOld ? old : new)
    let detectedNew = try TableFormat.detect(path: hasNew ? new : old)
    // Neither is a table: a file-level diff. Only one is: reported, never silently
    // file-diffed (a CSV that stopped parsing as one is exactly what a user must see).
    guard let fo = detectedOld, let fn = detectedNew else {
      if detectedOld == nil && detectedNew == nil { return nil }
      throw TableError.formatMismatch(
        old: detectedOld?.name ?? TableFormat.notATable, new: detectedNew?.name ?? TableFormat.notATable)
    }
    let old = hasOld ? old : "/dev/null"
    let new = hasNew ? new : "/dev/null"
    // Delimited files may differ in delimiter; otherwise the formats must agree.
    func family(_ f: TableFormat) -> Int {
      switch f {
      case .delimited: return 0
      case .jsonLines: return 1
      case .parquet: return 2
      }
    }
    if family(fo) != family(fn) { throw TableError.formatMismatch(old: fo.name, new: fn.name) }

    guard let (o, n) = try scanBoth(old: old, new: new, formats: (fo, fn), options: options) else { return nil }
    let rows = try compareRows(o, n, old: old, new: new, formats: (fo, fn), options: options)
    return assemble(
      o, n, rows: rows.changes, changedRows: rows.changedColumns, path: displayPath, format: fn.name, options: options)
  }

  /// Scans both versions, one thread each. The scanning readers are released on return,
  /// before `compareRows` opens its own: a Parquet reader holds a decoded row group.
  private static func scanBoth(old: String, new: String, formats: (TableFormat, TableFormat), options: TableDiffOptions)
    throws -> (TableScan, TableScan)?
  {
    let readers = try [makeReader(old, formats.0), makeReader(new, formats.1)]
    var hashed: Set<String>? = nil
    if formats.0 != .jsonLines {
      hashed = Set(readers[0].columns).intersection(readers[1].columns)
      // An empty side (no header at all) has no columns to check.
      for (r, path) in zip(readers, [old, new]) where !r.columns.isEmpty {
        for k in options.keyColumns where !r.columns.contains(k) {
          throw TableError.missingKeyColumn(path: path, column: k)
        }
      }
    }
    let identity = RowIdentity(keyColumns: options.keyColumns, hashedColumns: hashed)

    // The scans share nothing until both finish.
    let expected = zip([old, new], readers).map { estimateRows($0, $1) }
    let count = partitionCount(rows: expected[0] + expected[1], budget: options.memoryBudget)
    let parent = options.temporaryDirectory ?? FileManager.default.temporaryDirectory.path
    let parts: [RowPartitions?] = count > 1 ? try [0, 1].map { _ in try RowPartitions(count: count, under: parent) } : [nil, nil]
    let scans = ParallelScans(readers)
    DispatchQueue.concurrentPerform(iterations: 2) { i in
      scans.set(i, Result { try scan(scans.readers[i], identity, expected[i], parts[i]) })
    }
    let results = scans.results
    guard let r0 = results[0], let r1 = results[1] else { return nil }
    return (try r0.get(), try r1.get())
  }

  static func makeReader(_ path: String, _ format: TableFormat) throws -> RecordReader {
    switch format {
    case .jsonLines: return try JSONLinesReader(path: path)
    case .parquet: return try ParquetReader(path: path)
    case .delimited(let d): return try DelimitedReader(path: path, delimiter: d)
    }
  }

  /// Row count guessed from the file size and the mean line length of the first 64 KiB.
  static func estimateRows(_ path: String, _ reader: RecordReader) -> Int {
    if let p = reader as? ParquetReader {
      // The footer's count, capped: it only sizes the row table, and a hostile footer
      // must not reserve gigabytes.
      return Int(min(p.declaredRows, 50_000_000, max(p.fileSize, 0) * 64))
    }
    guard let attrs = try? FileManager.default.attributesOfItem(atPath: path),
      let size = (attrs[.size] as? NSNumber)?.intValue,
      let head = try? TableFormat.readHead(path: path, limit: 64 * 1024), !head.isEmpty
    else { return 0 }
    let lines = max(1, head.reduce(0) { $0 + ($1 == 0x0a ? 1 : 0) })
    return Int(Double(size) / (Double(head.count) / Double(lines)) * 1.02)
  }

  /// Bytes of row table per expected row, both tables included: 24-byte slots at a load
  /// between 0.4 and 0.8 (tables double), so at most 60 bytes, and about 48 on average.
  static let tableBytesPerRow = 48

  /// 1 when the row tables of `rows` rows fit `budget`, else the power of two (at most
  /// 1024) that makes one partition of each version fit it.
  static func partitionCount(rows: Int, budget: Int) -> Int {
    let need = rows.multipliedReportingOverflow(by: tableBytesPerRow)
    if !need.overflow && need.partialValue <= max(budget, 1) { return 1 }
    var p = 2
    while p < 1024 && (need.overflow || need.partialValue / p > max(budget, 1)) { p *= 2 }
    return p
  }

  private static func scan(_ r: RecordReader, _ identity: RowIdentity, _ expected: Int, _ parts: RowPartitions?) throws
    -> TableScan
  {
    if let d = r as? DelimitedReader {
      return try TableScanner.scan(d, identity: identity, expectedRows: expected, partitions: parts)
    }
    if let j = r as? JSONLinesReader {
      return try TableScanner.scan(j, identity: identity, expectedRows: expected, partitions: parts)
    }
    if let p = r as? ParquetReader {
      return try TableScanner.scan(p, identity: identity, expectedRows: expected, partitions: parts)
    }
    return TableScan(columns: [], accumulators: [], table: RowTable(), rows: 0, duplicateKeys: 0)
  }

  private static func compareRows(
    _ o: TableScan, _ n: TableScan, old: String, new: String, formats: (TableFormat, TableFormat),
    options: TableDiffOptions
  ) throws -> (changes: RowChanges, changedColumns: [String: Int]) {
    let limit = max(0, options.sampleLimit)
    var added = 0
    var removed = 0
    var modified = 0
    var addedSamples = SmallestOffsets(limit: limit)
    var removedSamples = SmallestOffsets(limit: limit)
    var modifiedPairs: [(Int64, Int64)] = []
    let keyed = !options.keyColumns.isEmpty
    var duplicates = o.duplicateKeys + n.duplicateKeys
    func compare(_ ot: RowTable, _ nt: RowTable) {
    for slot in 0..<ot.capacity where ot.keys[slot] != 0 {
      let other = nt.find(ot.keys[slot])
      if keyed {
        if let s = other {
          if ot.aux[slot] != nt.aux[s] {
            modified += 1
            if modifiedPairs.count < detailLimit { modifiedPairs.append((ot.offsets[slot], nt.offsets[s])) }
          }
        } else {
          removed += 1
          removedSamples.add(ot.offsets[slot])
        }
      } else {
        let oc = Int(ot.aux[slot])
        let nc = other.map { Int(nt.aux[$0]) } ?? 0
        if oc > nc {
          removed += oc - nc
          removedSamples.add(ot.offsets[slot])
        }
      }
    }
    for slot in 0..<nt.capacity where nt.keys[slot] != 0 {
      let other = ot.find(nt.keys[slot])
      let nc = keyed ? 1 : Int(nt.aux[slot])
      let oc = other.map { keyed ? 1 : Int(ot.aux[$0]) } ?? 0
      if nc > oc {
        added += nc - oc
        addedSamples.add(nt.offsets[slot])
      }
    }
    }
    if let op = o.partitions, let np = n.partitions {
      // One partition of each version in memory at a time (see RowPartitions).
      for p in 0..<op.count {
        var a = RowInserter(keyed: keyed, expectedCount: op.sizes[p])
        try op.forEach(p) { a.insert($0, rowHash: $1, offset: $2) }
        var b = RowInserter(keyed: keyed, expectedCount: np.sizes[p])
        try np.forEach(p) { b.insert($0, rowHash: $1, offset: $2) }
        compare(a.table, b.table)
        duplicates += a.duplicates + b.duplicates
      }
    } else {
      compare(o.table, n.table)
    }

    let oldReader = try makeReader(old, formats.0)
    let newReader = try makeReader(new, formats.1)
    // A Parquet row is re-read from a decoded row group: fetch the rows a batch needs
    // together, one column at a time (`ParquetReader.records(at:)`), instead of holding
    // whole decoded row groups of both versions.
    var oldCache: [Int64: [String?]] = [:]
    var newCache: [Int64: [String?]] = [:]
    /// Both versions' rows at once, one thread each (the readers are not shared).
    func prefetch(old oldOffsets: [Int64], new newOffsets: [Int64]) throws {
      guard let op = oldReader as? ParquetReader, let np = newReader as? ParquetReader else { return }
      let fetch = ParallelFetch([op, np])
      DispatchQueue.concurrentPerform(iterations: 2) { i in fetch.run(i, i == 0 ? oldOffsets : newOffsets) }
      (oldCache, newCache) = try fetch.results()
    }
    func sample(_ r: RecordReader, _ offset: Int64) throws -> RowSample {
      let cached = r === oldReader ? oldCache[offset] : newCache[offset]
      let values = try cached ?? r.record(at: offset)
      var dict: [String: String] = [:]
      for (i, v) in values.enumerated() where i < r.columns.count {
        if let v = v, !isNullText(v) { dict[r.columns[i]] = v }
      }
      return RowSample(values: dict)
    }
    // Name the changed columns: re-read both records of each modified row, in old-file
    // order so the reads stay mostly sequential. The samples come with the first batch:
    // a re-read decodes every page of the groups it touches, so one pass, not two.
    modifiedPairs.sort { $0.0 < $1.0 }
    let firstBatch = modifiedPairs.prefix(prefetchBatch)
    try prefetch(
      old: removedSamples.items.map { $0.0 } + firstBatch.map { $0.0 },
      new: addedSamples.items.map { $0.0 } + firstBatch.map { $0.1 })
    let addedRows = try addedSamples.items.map { try sample(newReader, $0.0) }
    let removedRows = try removedSamples.items.map { try sample(oldReader, $0.0) }
    var changedColumns: [String: Int] = [:]
    var modifiedRows: [ModifiedRow] = []
    let shared = o.columns.filter { n.columns.contains($0) }
    for (index, (oOff, nOff)) in modifiedPairs.enumerated() {
      if index > 0 && index % prefetchBatch == 0 {
        let batch = modifiedPairs[index..<min(modifiedPairs.count, index + prefetchBatch)]
        try prefetch(old: batch.map { $0.0 }, new: batch.map { $0.1 })
      }
      let a = try sample(oldReader, oOff).values
      let b = try sample(newReader, nOff).values
      var changes: [CellChange] = []
      for c in shared where a[c] != b[c] {
        changes.append(CellChange(column: c, old: a[c], new: b[c]))
        changedColumns[c, default: 0] += 1
      }
      if modifiedRows.count < limit {
        var key: [String: String] = [:]
        for k in options.keyColumns { key[k] = b[k] ?? "" }
        modifiedRows.append(ModifiedRow(key: key, changes: changes))
      }
    }
    let changes = RowChanges(
      old: o.rows, new: n.rows, added: added, removed: removed, modified: modified,
      unchanged: o.rows - removed - modified, duplicateKeys: duplicates,
      samples: RowSamples(added: addedRows, removed: removedRows, modified: modifiedRows))
    return (changes, changedColumns)
  }

  private static func assemble(
    _ o: TableScan, _ n: TableScan, rows: RowChanges, changedRows: [String: Int], path: String, format: String,
    options: TableDiffOptions
  ) -> TableDiffReport {
    let oldSet = Set(o.columns)
    let newSet = Set(n.columns)
    let removed = o.columns.filter { !newSet.contains($0) }
    let added = n.columns.filter { !oldSet.contains($0) }
    let renames = ColumnAnalysis.renames(old: o, new: n, removed: removed, added: added)
    let renamedTo = Dictionary(renames.map { ($0.to, $0.from) }, uniquingKeysWith: { a, _ in a })
    let renamedFrom = Set(renames.map { $0.from })
    let oldIdx = Dictionary(o.columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })

    var columns: [ColumnReport] = []
    var typeChanges: [TypeChange] = []
    let t = options.thresholds
    for (ni, name) in n.columns.enumerated() {
      let b = n.accumulators[ni]
      let oldName = oldSet.contains(name) ? name : renamedTo[name]
      let a = oldName.flatMap { oldIdx[$0] }.map { o.accumulators[$0] }
      let status = oldSet.contains(name) ? "common" : (oldName != nil ? "renamed" : "added")
      if let a = a, a.inferredType != b.inferredType, a.inferredType != .empty, b.inferredType != .empty {
        typeChanges.append(TypeChange(column: name, from: a.inferredType, to: b.inferredType))
      }
      columns.append(
        ColumnReport(
          name: name, status: status, oldName: status == "renamed" ? oldName : nil, type: b.inferredType,
          stats: StatsPair(old: a.map { ColumnAnalysis.stats($0) }, new: ColumnAnalysis.stats(b)),
          drift: a.flatMap { ColumnAnalysis.drift($0, b, thresholds: t) },
          histogram: ColumnAnalysis.histogram(a, b),
          changedRows: options.keyColumns.isEmpty || status != "common" ? nil : changedRows[name] ?? 0))
    }
    for (oi, name) in o.columns.enumerated() where !newSet.contains(name) && !renamedFrom.contains(name) {
      let a = o.accumulators[oi]
      columns.append(
        ColumnReport(
          name: name, status: "removed", oldName: nil, type: a.inferredType,
          stats: StatsPair(old: ColumnAnalysis.stats(a), new: nil), drift: nil,
          histogram: ColumnAnalysis.histogram(a, nil), changedRows: nil))
    }
    let drifted = columns.filter { $0.drift?.drifted == true }.map { $0.name }
    return TableDiffReport(
      version: 1, path: path, format: format, key: options.keyColumns, rows: rows,
      schema: SchemaChanges(
        added: added.filter { renamedTo[$0] == nil }, removed: removed.filter { !renamedFrom.contains($0) },
        renamed: renames, typeChanges: typeChanges),
      columns: columns, drifted: !drifted.isEmpty, driftedColumns: drifted, thresholds: t)
  }
}

/// The two version scans of `TableDiff.compare`: worker `i` uses only reader `i` (readers
/// are not thread-safe, but never shared), and results are stored under a lock.
final class ParallelScans: @unchecked Sendable {
  let readers: [RecordReader]
  private var stored: [Result<TableScan, Error>?]
  private let lock = NSLock()
  init(_ readers: [RecordReader]) {
    self.readers = readers
    stored = Array(repeating: nil, count: readers.count)
  }
  func set(_ i: Int, _ r: Result<TableScan, Error>) { lock.withLock { stored[i] = r } }
  var results: [Result<TableScan, Error>?] { lock.withLock { stored } }
}

/// The two re-reads of `compareRows` for Parquet (`ParquetReader.records(at:)`): worker
/// `i` uses only reader `i`, results are stored under a lock.
final class ParallelFetch: @unchecked Sendable {
  private let readers: [ParquetReader]
  private var stored: [Result<[Int64: [String?]], Error>?]
  private let lock = NSLock()
  init(_ readers: [ParquetReader]) {
    self.readers = readers
    stored = Array(repeating: nil, count: readers.count)
  }
  func run(_ i: Int, _ offsets: [Int64]) {
    let r = Result { try readers[i].records(at: offsets) }
    lock.withLock { stored[i] = r }
  }
  func results() throws -> ([Int64: [String?]], [Int64: [String?]]) {
    let s = lock.withLock { stored }
    guard let a = s[0], let b = s[1] else { return ([:], [:]) }
    return (try a.get(), try b.get())
  }
}
