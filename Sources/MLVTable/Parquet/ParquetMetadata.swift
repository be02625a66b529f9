/// The parts of Parquet's FileMetaData (parquet.thrift) that reading a flat table needs.
struct ParquetFileMetadata {
  var numRows: Int64
  /// The leaf columns, one chunk each per row group.
  var columns: [ParquetColumn]
  var rowGroups: [ParquetRowGroup]
  /// The columns the table shows (see SchemaTree).
  var outputs: [(name: String, output: ParquetOutput)] = []
}

/// How one leaf column's values become text.
enum ParquetLogical: Equatable {
  case none, string, date, decimal(scale: Int), timestamp(unitDigits: Int, utc: Bool)
  case time(unitDigits: Int), unsigned, json
  /// IEEE half precision in a 2-byte FIXED_LEN_BYTE_ARRAY (little endian).
  case float16
}

struct ParquetColumn {
  var name: String
  /// Physical type: 0 BOOLEAN, 1 INT32, 2 INT64, 3 INT96, 4 FLOAT, 5 DOUBLE, 6 BYTE_ARRAY, 7 FIXED_LEN_BYTE_ARRAY.
  var type: Int
  var typeLength: Int
  var optional: Bool
  var logical: ParquetLogical
  /// Highest definition and repetition levels (Dremel): an entry is a value only at
  /// `maxDef`; `maxRep` > 0 for leaves inside lists and maps.
  var maxDef = 0
  var maxRep = 0
}

struct ParquetChunk {
  var codec: Int
  var numValues: Int64
  var start: Int64
  var size: Int64
}

struct ParquetRowGroup {
  var numRows: Int64
  var chunks: [ParquetChunk]
}

enum ParquetCodec {
  static func name(_ c: Int) -> String {
    switch c {
    case 0: return "UNCOMPRESSED"
    case 1: return "SNAPPY"
    case 2: return "GZIP"
    case 3: return "LZO"
    case 4: return "BROTLI"
    case 5: return "LZ4"
    case 6: return "ZSTD"
    case 7: return "LZ4_RAW"
    default: return "codec \(c)"
    }
  }
}

enum ParquetType {
  static func name(_ t: Int) -> String {
    let names = ["BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"]
    return (0..<names.count).contains(t) ? names[t] : "type \(t)"
  }
}

enum ParquetEncoding {
  static func name(_ e: Int) -> String {
    switch e {
    case 0: return "PLAIN"
    case 2: return "PLAIN_DICTIONARY"
    case 3: return "RLE"
    case 4: return "BIT_PACKED"
    case 5: return "DELTA_BINARY_PACKED"
    case 6: return "DELTA_LENGTH_BYTE_ARRAY"
    case 7: return "DELTA_BYTE_ARRAY"
    case 8: return "RLE_DICTIONARY"
    case 9: return "BYTE_STREAM_SPLIT"
    default: return "encoding \(e)"
    }
  }
}

/// Metadata problems, turned into `TableError`s naming the file by the reader.
struct ParquetFailure: Error {
  let reason: String
  /// True for valid files using a feature mlv does not read (codec, encoding, nesting).
  var unsupported = false
}

extension ParquetFileMetadata {
  /// Decodes and validates the footer; `fileSize` bounds every offset and size.
  static func parse(_ footer: UnsafeBufferPointer<UInt8>, fileSize: Int64) throws -> ParquetFileMetadata {
    var r = ThriftReader(footer)
    let meta: ThriftStruct
    do { meta = try r.readStruct() } catch let e as ThriftError {
      throw ParquetFailure(reason: "bad file metadata: \(e.reason)")
    }
    guard let numRows = meta.int(3), numRows >= 0 else { throw ParquetFailure(reason: "bad row count in file metadata") }
    guard let schema = meta.list(2), !schema.isEmpty else { throw ParquetFailure(reason: "file metadata has no schema") }
    var elements: [ThriftStruct] = []
    for v in schema {
      guard case .structure(let s) = v else { throw ParquetFailure(reason: "bad schema element") }
      elements.append(s)
    }
    let (root, columns) = try SchemaTree.parse(elements)
    var groups: [ParquetRowGroup] = []
    for g in meta.list(4) ?? [] {
      guard case .structure(let rg) = g else { throw ParquetFailure(reason: "bad row group") }
      guard let n = rg.int(3), n >= 0, n <= Int64(Int32.max) else { throw ParquetFailure(reason: "bad row group row count") }
      let chunkList = rg.list(1) ?? []
      guard chunkList.count == columns.count else {
        throw ParquetFailure(reason: "row group has \(chunkList.count) column chunks for \(columns.count) columns")
      }
      var chunks: [ParquetChunk] = []
      for (i, c) in chunkList.enumerated() {
        guard case .structure(let cc) = c, let md = cc.structure(3) else {
          throw ParquetFailure(reason: "column '\(columns[i].name)': chunk without metadata (external column files are not supported)")
        }
        if let p = cc.string(1), !p.isEmpty {
          throw ParquetFailure(reason: "column '\(columns[i].name)' is stored in another file (\(p))", unsupported: true)
        }
        guard let codec = md.int(4), let nv = md.int(5), let size = md.int(7), let dataOff = md.int(9) else {
          throw ParquetFailure(reason: "column '\(columns[i].name)': incomplete chunk metadata")
        }
        var start = dataOff
        if let d = md.int(11), d > 0, d < dataOff { start = d }
        guard nv >= 0, columns[i].maxRep > 0 ? nv <= Int64(Int32.max) : nv <= n, start >= 4, size >= 0, start <= fileSize, size <= fileSize - start else {
          throw ParquetFailure(reason: "column '\(columns[i].name)': chunk offsets or sizes outside the file")
        }
        chunks.append(ParquetChunk(codec: Int(truncatingIfNeeded: codec), numValues: nv, start: start, size: size))
      }
      groups.append(ParquetRowGroup(numRows: n, chunks: chunks))
    }
    return ParquetFileMetadata(numRows: numRows, columns: columns, rowGroups: groups, outputs: SchemaTree.outputs(root))
  }

  /// The logical type (newer field 10) or else the converted type (field 6).
  static func logical(_ e: ThriftStruct, type: Int) -> ParquetLogical {
    let scale = Int(truncatingIfNeeded: e.int(7) ?? 0)
    if let lt = e.structure(10), let (kind, body) = lt.unionMember {
      switch kind {
      case 1, 4: return .string
      case 12: return .json
      case 5: return .decimal(scale: Int(truncatingIfNeeded: body.int(1) ?? Int64(scale)))
      case 6: return .date
      case 7, 8:
        var digits = 3
        if let (u, _) = body.structure(2)?.unionMember { digits = u == 1 ? 3 : (u == 2 ? 6 : 9) }
        return kind == 8 ? .timestamp(unitDigits: digits, utc: body.bool(1) ?? false) : .time(unitDigits: digits)
      case 10: return body.bool(2) == false ? .unsigned : .none
      case 15: return type == 7 ? .float16 : .none
      default: break
      }
    }
    switch e.int(6) {
    case 0?, 4?: return .string
    case 19?: return .json
    case 5?: return .decimal(scale: scale)
    case 6?: return .date
    case 7?: return .time(unitDigits: 3)
    case 8?: return .time(unitDigits: 6)
    case 9?: return .timestamp(unitDigits: 3, utc: true)
    case 10?: return .timestamp(unitDigits: 6, utc: true)
    case 11?, 12?, 13?, 14?: return .unsigned
    default: return .none
    }
  }
}

/// One page header (PageHeader in parquet.thrift), flattened.
struct ParquetPageHeader {
  var type: Int
  var uncompressedSize: Int
  var compressedSize: Int
  var numValues: Int = 0
  var encoding: Int = 0
  /// Data page v2: level lengths (stored uncompressed before the values) and whether
  /// the values are compressed.
  var defLength = 0
  var repLength = 0
  var compressed = true

  static func parse(_ r: inout ThriftReader) throws -> ParquetPageHeader {
    let s: ThriftStruct
    do { s = try r.readStruct() } catch let e as ThriftError { throw ParquetFailure(reason: "bad page header: \(e.reason)") }
    guard let t = s.int(1), let u = s.int(2), let c = s.int(3), u >= 0, c >= 0, u <= Int64(Int32.max),
      c <= Int64(Int32.max)
    else { throw ParquetFailure(reason: "bad page header sizes") }
    var h = ParquetPageHeader(type: Int(t), uncompressedSize: Int(u), compressedSize: Int(c))
    func count(_ v: Int64?) throws -> Int {
      guard let v = v, v >= 0, v <= Int64(Int32.max) else { throw ParquetFailure(reason: "bad page value count") }
      return Int(v)
    }
    switch t {
    case 0:
      guard let d = s.structure(5) else { throw ParquetFailure(reason: "data page without its header") }
      h.numValues = try count(d.int(1))
      h.encoding = Int(truncatingIfNeeded: d.int(2) ?? -1)
    case 2:
      guard let d = s.structure(7) else { throw ParquetFailure(reason: "dictionary page without its header") }
      h.numValues = try count(d.int(1))
      h.encoding = Int(truncatingIfNeeded: d.int(2) ?? -1)
    case 3:
      guard let d = s.structure(8) else { throw ParquetFailure(reason: "data page v2 without its header") }
      h.numValues = try count(d.int(1))
      h.encoding = Int(truncatingIfNeeded: d.int(4) ?? -1)
      h.defLength = try count(d.int(5))
      h.repLength = try count(d.int(6))
      h.compressed = d.bool(7) ?? true
      guard h.defLength + h.repLength <= h.compressedSize, h.defLength + h.repLength <= h.uncompressedSize else {
        throw ParquetFailure(reason: "data page v2 level lengths exceed the page")
      }
    default: break
    }
    return h
  }
}
