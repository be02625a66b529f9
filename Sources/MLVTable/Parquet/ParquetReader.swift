import Foundation

/// Streaming reader for Parquet tables: row by row (`next`), it decodes one row group at
/// a time (all its columns as text) and hands out rows from it, so memory follows the
/// largest row group, not the file; a diff's scan reads a column a page at a time
/// instead (`scanColumn`). `recordOffset` is the row index; `record(at:)` decodes that
/// row's group again (or reuses it when it is the one loaded).
final class ParquetReader: RecordReader {
  let path: String
  private let fd: Int32
  let fileSize: Int64
  private(set) var meta = ParquetFileMetadata(numRows: 0, columns: [], rowGroups: [])
  private(set) var columns: [String] = []
  private var firstRow: [Int64] = []
  private var loaded = -1
  private var nextGroup = 0
  private var row = -1
  private var groupRows = 0
  private var data: [TextColumn] = []
  private(set) var recordOffset: Int64 = 0

  var recordLine: Int { Int(recordOffset) + 1 }
  var fieldCount: Int { columns.count }
  /// Rows the footer declares (for sizing the row table).
  var declaredRows: Int64 { meta.numRows }

  init(path: String) throws {
    self.path = path
    fd = open(path, O_RDONLY)
    if fd < 0 { throw TableError.unreadable(path: path, reason: String(cString: strerror(errno))) }
    var st = stat()
    guard fstat(fd, &st) == 0 else {
      close(fd)
      throw TableError.unreadable(path: path, reason: String(cString: strerror(errno)))
    }
    fileSize = Int64(st.st_size)
    // An empty file (or /dev/null for a side that does not exist) is an empty table.
    if fileSize == 0 { return }
    // Every stored property is set by now, so a throw here runs deinit, which closes fd:
    // closing it here too closed whatever descriptor another thread had opened since.
    try readFooter()
  }

  deinit { close(fd) }

  private func fail(_ e: ParquetFailure) -> TableError {
    return e.unsupported
      ? TableError.unsupported(path: path, reason: e.reason)
      : TableError.corrupt(path: path, reason: e.reason)
  }

  /// Reads `count` bytes at `offset`; the caller has checked them against the file size.
  func readBytes(at offset: Int64, count: Int) throws -> [UInt8] {
    var out = [UInt8](repeating: 0, count: count)
    var done = 0
    try out.withUnsafeMutableBytes { b in
      while done < count {
        let n = pread(fd, b.baseAddress! + done, count - done, off_t(offset + Int64(done)))
        if n < 0 && errno == EINTR { continue }
        if n < 0 { throw TableError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        if n == 0 { throw TableError.corrupt(path: path, reason: "file shorter than its metadata says (changed while read?)") }
        done += n
      }
    }
    return out
  }

  private func readFooter() throws {
    guard fileSize >= 12 else { throw TableError.corrupt(path: path, reason: "too short for a Parquet file (\(fileSize) bytes)") }
    let head = try readBytes(at: 0, count: 4)
    let tail = try readBytes(at: fileSize - 8, count: 8)
    let magic: [UInt8] = Array("PAR1".utf8)
    guard head == magic, Array(tail[4...]) == magic else {
      if Array(tail[4...]) == Array("PARE".utf8) {
        throw TableError.unsupported(path: path, reason: "encrypted Parquet files are not supported")
      }
      throw TableError.corrupt(path: path, reason: "not a Parquet file (no PAR1 magic at both ends)")
    }
    let len = Int64(tail[0]) | Int64(tail[1]) << 8 | Int64(tail[2]) << 16 | Int64(tail[3]) << 24
    guard len > 0, len <= fileSize - 12 else {
      throw TableError.corrupt(path: path, reason: "footer length \(len) does not fit in the file")
    }
    let footer = try readBytes(at: fileSize - 8 - len, count: Int(len))
    do {
      meta = try footer.withUnsafeBufferPointer { try ParquetFileMetadata.parse($0, fileSize: fileSize) }
    } catch let e as ParquetFailure {
      throw fail(e)
    }
    columns = meta.outputs.map { $0.name }
    var r: Int64 = 0
    for g in meta.rowGroups {
      firstRow.append(r)
      r += g.numRows
    }
  }

  func next() throws -> Bool {
    while row + 1 >= groupRows {
      guard nextGroup < meta.rowGroups.count else { return false }
      try load(nextGroup)
      nextGroup += 1
      row = -1
    }
    row += 1
    recordOffset = firstRow[loaded] + Int64(row)
    return true
  }

  @inline(__always)
  func field(_ i: Int) -> UnsafeBufferPointer<UInt8> { data[i].field(row) }

  func record(at offset: Int64) throws -> [String?] {
    // The last group starting at or before `offset`.
    var lo = 0
    var hi = firstRow.count
    while hi - lo > 1 {
      let mid = (lo + hi) / 2
      if firstRow[mid] <= offset { lo = mid } else { hi = mid }
    }
    guard lo < meta.rowGroups.count, offset >= 0, offset - firstRow[lo] < meta.rowGroups[lo].numRows else { return [] }
    if loaded != lo { try load(lo) }
    nextGroup = lo + 1
    row = Int(offset - firstRow[lo])
    recordOffset = offset
    return currentValues()
  }

  /// Decodes every column of row group `g`, replacing the previous group.
  private func load(_ g: Int) throws {
    loaded = -1
    groupRows = 0
    data = []
    try checkSize(g)
    let cols = try mappingFailures(g) { try meta.outputs.indices.map { try decodeOutput($0, g) } }
    data = cols
    loaded = g
    groupRows = Int(meta.rowGroups[g].numRows)
  }

  // Column-at-a-time access, so a scan or a batch of re-reads holds one column of a row
  // group in memory rather than all of them (see TableScanner and `records(at:)`).
  var groupCount: Int { meta.rowGroups.count }
  func rows(inGroup g: Int) -> Int { Int(meta.rowGroups[g].numRows) }
  func firstRow(ofGroup g: Int) -> Int64 { firstRow[g] }

  /// Output column `o` (an index into `columns`) of row group `g`, decoded as text.
  /// With `wanted` (one flag per row of the group), rows not wanted may come out null:
  /// plain-encoded values of a flat column are stepped over, not rendered.
  func column(_ o: Int, ofGroup g: Int, wanted: [Bool]? = nil) throws -> TextColumn {
    try checkSize(g)
    return try mappingFailures(g) { try decodeOutput(o, g, wanted: wanted) }
  }

  /// Output column `o` of row group `g` for a scan, handed to `body` a data page at a
  /// time (the page's values and the group row of its first) when it is a flat leaf, so
  /// a scan holds one page of text per column, not the whole column of the group (a
  /// million-row group of strings is tens of MB, all page faults and copies); a nested
  /// column comes whole (first row 0). DOUBLE values come as numbers too
  /// (`TextColumn.doubles`). A page's column is reused for the next: `body` must not keep it.
  func scanColumn(_ o: Int, ofGroup g: Int, _ body: (TextColumn, Int) throws -> Void) throws {
    try checkSize(g)
    let group = meta.rowGroups[g]
    guard case .leaf(let i) = meta.outputs[o].1, meta.columns[i].maxRep == 0 else {
      try body(try mappingFailures(g) { try decodeOutput(o, g) }, 0)
      return
    }
    let column = meta.columns[i]
    let rows = Int(group.numRows)
    try mappingFailures(g) {
      // A flat column's chunk decodes to exactly its declared value count (the page loop
      // stops there and refuses pages past it), one row each.
      guard group.chunks[i].numValues == group.numRows else {
        throw ParquetFailure(reason: "column '\(column.name)' has \(group.chunks[i].numValues) values for \(group.numRows) rows in row group \(g)")
      }
      var first = 0
      // `onPage` is optional, so formally escaping; it is only called during the decode.
      let rest = try withoutActuallyEscaping(body) { body in
        try decodeChunk(group.chunks[i], column, rows: rows, doubles: true) { page in
          guard page.rows <= rows - first else {
            throw ParquetFailure(reason: "column '\(column.name)' has more values than the \(rows) rows of row group \(g)")
          }
          try body(page, first)
          first += page.rows
        }
      }
      guard first + rest.count == rows else {
        throw ParquetFailure(reason: "column '\(column.name)' has \(first + rest.count) values for \(rows) rows in row group \(g)")
      }
    }
  }

  /// The records at `offsets` (row indexes), by offset, as `record(at:)` returns them,
  /// decoded one column at a time: each row group holding a requested row is decoded
  /// once per call, and only the requested cells are kept.
  func records(at offsets: [Int64]) throws -> [Int64: [String?]] {
    var byGroup: [Int: [Int64]] = [:]
    for off in offsets {
      guard off >= 0, let g = group(of: off) else { continue }
      byGroup[g, default: []].append(off)
    }
    var out: [Int64: [String?]] = [:]
    for (g, offs) in byGroup.sorted(by: { $0.key < $1.key }) {
      var wanted = [Bool](repeating: false, count: rows(inGroup: g))
      for off in offs {
        out[off] = []
        wanted[Int(off - firstRow[g])] = true
      }
      for o in columns.indices {
        let col = try column(o, ofGroup: g, wanted: wanted)
        // An offset asked twice is filled once.
        for off in offs where out[off]?.count == o {
          let f = col.field(Int(off - firstRow[g]))
          out[off]?.append(f.count == 0 ? nil : ByteText.render(f))
        }
      }
    }
    return out
  }

  /// The row group holding row `offset`, if any.
  private func group(of offset: Int64) -> Int? {
    var lo = 0
    var hi = firstRow.count
    while hi - lo > 1 {
      let mid = (lo + hi) / 2
      if firstRow[mid] <= offset { lo = mid } else { hi = mid }
    }
    guard lo < meta.rowGroups.count, offset - firstRow[lo] < meta.rowGroups[lo].numRows else { return nil }
    return lo
  }

  private func checkSize(_ g: Int) throws {
    let group = meta.rowGroups[g]
    // Rows x columns bounds the offsets array the group needs; a footer claiming more
    // is either hostile or too big to diff in memory.
    guard group.numRows * Int64(max(1, columns.count)) <= 1 << 28 else {
      throw TableError.unsupported(
        path: path, reason: "row group \(g) has \(group.numRows) rows x \(columns.count) columns; at most 2^28 cells per row group are supported (write smaller row groups)")
    }
  }

  private func mappingFailures<T>(_ g: Int, _ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let e as ParquetFailure {
      throw fail(e)
    } catch let e as RLEHybridDecoder.Failure {
      throw TableError.corrupt(path: path, reason: "row group \(g): \(e.reason)")
    } catch let e as PageCodec.Failure {
      throw TableError.corrupt(path: path, reason: "row group \(g): \(e.reason)")
    } catch let e as ThriftError {
      throw TableError.corrupt(path: path, reason: "row group \(g): \(e.reason)")
    }
  }

  /// Output `o` of row group `g`: a leaf column's values, or a nested column assembled
  /// from its leaves as JSON.
  private func decodeOutput(_ o: Int, _ g: Int, wanted: [Bool]? = nil) throws -> TextColumn {
    let group = meta.rowGroups[g]
    let (name, output) = meta.outputs[o]
    func leaf(_ i: Int, wanted: [Bool]?, doubles: Bool = false) throws -> LeafLevels {
      let c = try decodeChunk(group.chunks[i], meta.columns[i], rows: Int(group.numRows), wanted: wanted, doubles: doubles)
      guard c.column.maxRep > 0 || c.count == Int(group.numRows) else {
        throw ParquetFailure(reason: "column '\(meta.columns[i].name)' has \(c.count) values for \(group.numRows) rows in row group \(g)")
      }
      return c
    }
    switch output {
    case .leaf(let i):
      // A scan (nothing `wanted`) takes a DOUBLE column's values as numbers too.
      return try leaf(i, wanted: wanted, doubles: wanted == nil).values
    case .json(let node):
      let first = node.firstLeaf
      let leaves = try (first..<(first + node.leafCount)).map { try leaf($0, wanted: nil) }
      var json = NestedJSON(node: node, leaves: leaves)
      let out = TextColumn(capacity: 1 << 16)
      out.ends.reserveCapacity(Int(group.numRows))
      for _ in 0..<Int(group.numRows) { try json.appendRow(to: out) }
      guard json.exhausted else {
        throw ParquetFailure(reason: "column '\(name)' holds more rows than its row group (\(group.numRows))")
      }
      return out
    }
  }

  /// The chunk's values and levels; with `onPage`, each data page's values are handed to
  /// it and then cleared instead (what is returned holds none).
  private func decodeChunk(
    _ chunk: ParquetChunk, _ column: ParquetColumn, rows: Int, wanted: [Bool]? = nil, doubles: Bool = false,
    onPage: ((TextColumn) throws -> Void)? = nil
  ) throws -> LeafLevels {
    let bytes = try readBytes(at: chunk.start, count: Int(chunk.size))
    let out = TextColumn(capacity: onPage != nil ? 1 << 16 : min(Int(chunk.size) * 2, 1 << 24))
    if onPage == nil { out.ends.reserveCapacity(column.maxRep > 0 ? Int(min(chunk.numValues, 1 << 24)) : rows) }
    let keepDoubles = doubles && column.type == 5 && column.maxRep == 0
    if keepDoubles {
      out.doubles = [Double]()
      if onPage == nil { out.doubles?.reserveCapacity(rows) }
    }
    var levels = LeafLevels(column: column, values: out)
    var dict: TextColumn? = nil
    var dictPage: (ParquetPageHeader, UnsafeBufferPointer<UInt8>)? = nil
    var values = 0
    var pos = 0
    try bytes.withUnsafeBufferPointer { all in
      while values < Int(chunk.numValues) {
        guard pos < all.count else {
          throw ParquetFailure(reason: "column '\(column.name)': chunk ends after \(values) of \(chunk.numValues) values")
        }
        var r = ThriftReader(UnsafeBufferPointer(rebasing: all[pos...]))
        let h: ParquetPageHeader
        do { h = try ParquetPageHeader.parse(&r) } catch let e as ParquetFailure {
          throw ParquetFailure(reason: "column '\(column.name)': \(e.reason)")
        }
        pos += r.pos
        guard h.compressedSize <= all.count - pos else {
          throw ParquetFailure(reason: "column '\(column.name)': page of \(h.compressedSize) bytes past the end of its chunk")
        }
        let body = UnsafeBufferPointer(rebasing: all[pos..<(pos + h.compressedSize)])
        pos += h.compressedSize
        switch h.type {
        case 2:
          guard h.encoding == 0 || h.encoding == 2 else { throw unsupportedEncoding(h.encoding, column) }
          dictPage = (h, body)
          dict = nil
        case 0, 3:
          guard h.numValues <= Int(chunk.numValues) - values else {
            throw ParquetFailure(reason: "column '\(column.name)': pages hold more values than the chunk")
          }
          if let w = wanted, column.maxRep == 0, !Self.anyWanted(w, from: out.rows, count: h.numValues) {
            // A re-read of a few rows: a flat column's page holds one row per value, so a
            // page without wanted rows is nulls, neither decompressed nor decoded (the
            // scan already checked it).
            for _ in 0..<h.numValues { out.appendNull() }
            values += h.numValues
            break
          }
          if dict == nil, let (dh, dbody) = dictPage {
            // Decoded on first use: a re-read may need no page that uses it.
            let page = try decompress(dbody, codec: chunk.codec, size: dh.uncompressedSize, column)
            let d = TextColumn(capacity: page.count + 16)
            if keepDoubles { d.doubles = [] }
            try page.withUnsafeBufferPointer { p in
              var plain = PlainDecoder(p, column: column)
              for _ in 0..<dh.numValues { try plain.appendNext(to: d) }
            }
            dict = d
          }
          try decodeDataPage(h, body, codec: chunk.codec, column, dict: dict, wanted: column.maxRep == 0 ? wanted : nil, into: &levels)
          values += h.numValues
          if let emit = onPage {
            try emit(out)
            out.removeAll()
            if keepDoubles && out.doubles == nil { out.doubles = [] }
            levels.defs.removeAll(keepingCapacity: true)
            levels.reps.removeAll(keepingCapacity: true)
          }
        default:
          break  // index pages and unknown page types carry no values
        }
      }
    }
    return levels
  }

  /// Whether any of rows `from..<from + count` is wanted (rows past `wanted` are not).
  static func anyWanted(_ wanted: [Bool], from: Int, count: Int) -> Bool {
    let lo = max(0, min(from, wanted.count))
    let hi = max(lo, min(from + max(0, count), wanted.count))
    return wanted[lo..<hi].contains(true)
  }

  private func unsupportedEncoding(_ e: Int, _ column: ParquetColumn) -> ParquetFailure {
    return ParquetFailure(
      reason: "column '\(column.name)' uses the \(ParquetEncoding.name(e)) encoding, which mlv cannot read (supported: PLAIN, dictionary, RLE booleans, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT)",
      unsupported: true)
  }

  private func decodeDataPage(
    _ h: ParquetPageHeader, _ body: UnsafeBufferPointer<UInt8>, codec: Int, _ column: ParquetColumn,
    dict: TextColumn?, wanted: [Bool]? = nil, into levels: inout LeafLevels
  ) throws {
    let out = levels.values
    let defWidth = RLEHybridDecoder.bitWidth(of: column.maxDef)
    let repWidth = RLEHybridDecoder.bitWidth(of: column.maxRep)
    var reps: [UInt32] = []
    let dictEncoded = h.encoding == 2 || h.encoding == 8
    // Booleans may be RLE-encoded (pyarrow does so in v2 pages).
    let rleBooleans = h.encoding == 3 && column.type == 0
    let otherEncoding = [5, 6, 7, 9].contains(h.encoding)
    guard h.encoding == 0 || dictEncoded || rleBooleans || otherEncoding else { throw unsupportedEncoding(h.encoding, column) }
    var defs: [UInt32] = []
    let page: [UInt8]
    var start = 0
    if h.type == 3 {
      // v2: levels come first and are never compressed; only the values may be.
      if column.maxRep > 0 {
        var rle = try RLEHybridDecoder(UnsafeBufferPointer(rebasing: body[0..<h.repLength]), bitWidth: repWidth)
        try levelRuns { try rle.decode(h.numValues, into: &reps) }
      }
      if column.optional {
        var rle = try RLEHybridDecoder(UnsafeBufferPointer(rebasing: body[h.repLength..<(h.repLength + h.defLength)]), bitWidth: defWidth)
        try levelRuns { try rle.decode(h.numValues, into: &defs) }
      }
      let values = UnsafeBufferPointer(rebasing: body[(h.repLength + h.defLength)...])
      let size = h.uncompressedSize - h.repLength - h.defLength
      page = h.compressed ? try decompress(values, codec: codec, size: size, column) : Array(values)
    } else {
      page = try decompress(body, codec: codec, size: h.uncompressedSize, column)
      // v1: repetition then definition levels, each as a 4-byte length and RLE runs.
      for (width, isRep) in [(repWidth, true), (defWidth, false)] where (isRep ? column.maxRep : column.maxDef) > 0 {
        guard page.count - start >= 4 else { throw ParquetFailure(reason: "column '\(column.name)': page too short for its levels") }
        let len = Int(page[start]) | Int(page[start + 1]) << 8 | Int(page[start + 2]) << 16 | Int(page[start + 3]) << 24
        guard len <= page.count - start - 4 else { throw ParquetFailure(reason: "column '\(column.name)': level length past the page") }
        try page.withUnsafeBufferPointer { p in
          var rle = try RLEHybridDecoder(UnsafeBufferPointer(rebasing: p[(start + 4)..<(start + 4 + len)]), bitWidth: width)
          var got: [UInt32] = []
          try levelRuns { try rle.decode(h.numValues, into: &got) }
          if isRep { reps = got } else { defs = got }
        }
        start += 4 + len
      }
    }
    let maxDef = UInt32(column.maxDef)
    if column.optional {
      guard defs.allSatisfy({ $0 <= maxDef }) else { throw ParquetFailure(reason: "column '\(column.name)': definition level above \(maxDef)") }
      levels.defs.append(contentsOf: defs.lazy.map { UInt8($0) })
    }
    if column.maxRep > 0 {
      let maxRep = UInt32(column.maxRep)
      guard reps.allSatisfy({ $0 <= maxRep }) else { throw ParquetFailure(reason: "column '\(column.name)': repetition level above \(maxRep)") }
      levels.reps.append(contentsOf: reps.lazy.map { UInt8($0) })
    }
    let present = column.optional ? defs.reduce(0) { $0 + ($1 == maxDef ? 1 : 0) } : h.numValues
    try page.withUnsafeBufferPointer { all in
      let p = UnsafeBufferPointer(rebasing: all[start...])
      if otherEncoding {
        let values = try EncodedValues.decode(p, encoding: h.encoding, column: column, count: present)
        var j = 0
        for i in 0..<h.numValues {
          if column.optional && defs[i] < maxDef {
            out.appendNull()
          } else {
            try out.appendRow(from: values, j)
            j += 1
          }
        }
      } else if rleBooleans {
        // A 4-byte length, then the hybrid runs at bit width 1.
        guard p.count >= 4 else { throw ParquetFailure(reason: "column '\(column.name)': page values end early") }
        let len = Int(p[0]) | Int(p[1]) << 8 | Int(p[2]) << 16 | Int(p[3]) << 24
        guard len <= p.count - 4 else { throw ParquetFailure(reason: "column '\(column.name)': value length past the page") }
        var bits: [UInt32] = []
        var rle = try RLEHybridDecoder(UnsafeBufferPointer(rebasing: p[4..<(4 + len)]), bitWidth: 1)
        try rle.decode(present, into: &bits)
        var j = 0
        for i in 0..<h.numValues {
          if column.optional && defs[i] < maxDef {
            out.appendNull()
            continue
          }
          try out.reserve(5)
          if bits[j] == 1 { out.put("true") } else { out.put("false") }
          out.endRow()
          j += 1
        }
      } else if dictEncoded {
        guard let dict = dict else { throw ParquetFailure(reason: "column '\(column.name)': dictionary-encoded page without a dictionary") }
        guard p.count >= 1 else { throw ParquetFailure(reason: "column '\(column.name)': page values end early") }
        var idx: [UInt32] = []
        var rle = try RLEHybridDecoder(UnsafeBufferPointer(rebasing: p[1...]), bitWidth: Int(p[0]))
        do { try rle.decode(present, into: &idx) } catch let e as RLEHybridDecoder.Failure {
          throw ParquetFailure(reason: "column '\(column.name)': dictionary indices: \(e.reason)")
        }
        var j = 0
        for i in 0..<h.numValues {
          if column.optional && defs[i] < maxDef {
            out.appendNull()
            continue
          }
          let k = Int(idx[j])
          j += 1
          guard k < dict.rows else {
            throw ParquetFailure(reason: "column '\(column.name)': dictionary index \(k) out of range (\(dict.rows) entries)")
          }
          if let w = wanted, out.rows < w.count, !w[out.rows] {
            out.appendNull()  // a re-read keeps only the rows it asked for
          } else {
            try out.appendRow(from: dict, k)
          }
        }
      } else {
        var plain = PlainDecoder(p, column: column)
        for i in 0..<h.numValues {
          if column.optional && defs[i] < maxDef {
            out.appendNull()
          } else if let w = wanted, out.rows < w.count, !w[out.rows] {
            try plain.skipNext(to: out)
          } else {
            try plain.appendNext(to: out)
          }
        }
      }
    }
  }

  private func levelRuns(_ body: () throws -> Void) throws {
    do { try body() } catch let e as RLEHybridDecoder.Failure {
      throw ParquetFailure(reason: "levels: \(e.reason)")
    }
  }

  private func decompress(_ input: UnsafeBufferPointer<UInt8>, codec: Int, size: Int, _ column: ParquetColumn) throws
    -> [UInt8]
  {
    guard PageCodec.supports(codec) else {
      throw ParquetFailure(
        reason: "column '\(column.name)' is compressed with \(ParquetCodec.name(codec)), which mlv cannot read; rewrite the file with another codec (e.g. pyarrow compression='zstd')",
        unsupported: true)
    }
    do { return try PageCodec.decompress(input, codec: codec, size: size) } catch let e as PageCodec.Failure {
      throw ParquetFailure(reason: "column '\(column.name)': \(e.reason)")
    }
  }
}
