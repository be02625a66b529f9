import Foundation

/// The physical format of a table file.
public enum TableFormat: Equatable, Sendable {
  /// Delimited text (CSV, TSV, ...) with a header row.
  case delimited(delimiter: UInt8)
  /// JSON Lines: one object per line.
  case jsonLines
  /// Apache Parquet (flat schemas; see ParquetReader).
  case parquet

  /// Name used in reports: `csv`, `tsv`, `psv`, `ssv` (semicolon), `jsonl` or `parquet`.
  public var name: String {
    switch self {
    case .jsonLines: return "jsonl"
    case .parquet: return "parquet"
    case .delimited(let d):
      switch d {
      case UInt8(ascii: "\t"): return "tsv"
      case UInt8(ascii: "|"): return "psv"
      case UInt8(ascii: ";"): return "ssv"
      default: return "csv"
      }
    }
  }

  /// What a format mismatch calls a version that is not a table (binary or free text).
  public static let notATable = "not a table (binary or free text)"

  /// Extensions recognised without looking at the content.
  public static let tableExtensions: Set<String> = ["csv", "txt", "psv", "tsv", "tab", "jsonl", "ndjson", "parquet"]

  /// Cheap check before materialising an old version: true for the table extensions
  /// (other files may still be tables by content; `detect` decides).
  public static func hasTableExtension(_ path: String) -> Bool {
    return tableExtensions.contains((path as NSString).pathExtension.lowercased())
  }

  static let candidates: [UInt8] = [",", "\t", ";", "|"].map { UInt8(ascii: $0) }

  /// Detects the format from the extension, falling back to sniffing the first 64 KiB.
  /// Returns nil for anything that does not look like a table (binary, prose, empty
  /// extensionless files), so the caller can fall back to a file-level diff.
  public static func detect(path: String) throws -> TableFormat? {
    let limit = 64 * 1024
    let head = try readHead(path: path, limit: limit)
    let ext = (path as NSString).pathExtension.lowercased()
    switch ext {
    case "parquet":
      // The reader checks the magic and reports a damaged file by name.
      return .parquet
    case "jsonl", "ndjson":
      return .jsonLines
    case "tsv", "tab":
      return .delimited(delimiter: UInt8(ascii: "\t"))
    case "csv", "txt", "psv":
      if head.contains(0) { return nil }
      let complete = head.count < limit
      let d = DelimiterSniffer.sniff(stripBOM(head), complete: complete) ?? sniffDelimiter(header: firstLine(stripBOM(head)))
      return .delimited(delimiter: d ?? UInt8(ascii: ","))
    default:
      if head.starts(with: Array("PAR1".utf8)) { return .parquet }
      return sniff(head, complete: head.count < limit)
    }
  }

  static func stripBOM(_ bytes: [UInt8]) -> [UInt8] {
    return bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
  }

  static func sniff(_ bytes: [UInt8], complete: Bool = false) -> TableFormat? {
    let head = stripBOM(bytes)
    if head.isEmpty || head.contains(0) { return nil }
    // Binary data has control bytes; text in a legacy encoding (Latin-1 exports) does
    // not, and is still a table (its odd bytes are shown escaped).
    let controls = head.lazy.filter { $0 < 0x20 && $0 != 0x09 && $0 != 0x0a && $0 != 0x0d }.count
    if controls > 0 { return nil }
    let first = firstLine(head)
    if let c = first.first(where: { $0 != 0x20 && $0 != 0x09 }), c == UInt8(ascii: "{") {
      let ok = first.withUnsafeBufferPointer { buf -> Bool in
        var s = JSONScanner(bytes: buf)
        s.skipSpace()
        return (try? s.flattenObject(prefix: "") { _, _ in }) != nil
      }
      return ok ? .jsonLines : nil
    }
    // A delimited file needs a delimiter splitting every sampled record (quoted newlines
    // included) into the same number of fields, so prose with commas is not a table.
    guard let d = DelimiterSniffer.sniff(head, complete: complete) else { return nil }
    return .delimited(delimiter: d)
  }

  /// The candidate delimiter occurring most often outside quotes in the header.
  static func sniffDelimiter(header: [UInt8]) -> UInt8? {
    var best: UInt8? = nil
    var bestCount = 0
    for d in candidates {
      let n = countOutsideQuotes(header, d)
      if n > bestCount {
        best = d
        bestCount = n
      }
    }
    return best
  }

  static func countOutsideQuotes(_ line: [UInt8], _ d: UInt8) -> Int {
    var inQuotes = false
    var n = 0
    for c in line {
      if c == UInt8(ascii: "\"") { inQuotes.toggle() } else if c == d && !inQuotes { n += 1 }
    }
    return n
  }

  static func firstLine(_ head: [UInt8]) -> [UInt8] {
    var line = Array(head.prefix { $0 != 0x0a })
    if line.last == 0x0d { line.removeLast() }
    return line
  }

  /// Bytes at the end of `head` that may be a multi-byte character cut by the limit.
  static func trailingPartialUTF8(_ head: [UInt8]) -> Int {
    var n = 0
    for c in head.reversed().prefix(3) {
      if c & 0xC0 == 0x80 {
        n += 1
        continue
      }
      if c & 0xC0 == 0xC0 { return n + 1 }
      return 0
    }
    return 0
  }

  static func readHead(path: String, limit: Int) throws -> [UInt8] {
    guard let h = FileHandle(forReadingAtPath: path) else {
      throw TableError.unreadable(path: path, reason: "cannot open file")
    }
    defer { try? h.close() }
    do {
      return Array(try h.read(upToCount: limit) ?? Data())
    } catch {
      throw TableError.unreadable(path: path, reason: "\(error)")
    }
  }
}
