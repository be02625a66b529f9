/// A small strict TOML reader: tables, arrays of tables, dotted and quoted keys, basic and
/// literal strings (single and multi-line, with escapes), integers (decimal, hex, octal,
/// binary, `_` separators), floats (incl. inf/nan), booleans, arrays, inline tables and
/// comments. Dates and times are rejected with a clear error. It also records where each
/// key's value sits in the text so `ParamOverride` can replace just that value.
enum TOMLText {
  struct SyntaxError: Error {
    var line: Int
    var reason: String
  }

  /// Where one `key = value` line sits: its full key path and the value's byte range.
  struct Assignment {
    var path: [String]
    var valueRange: Range<Int>
  }

  /// A `[table]` header: its path, where it starts, and the byte offset just past its line.
  struct Header {
    var path: [String]
    var isArray: Bool
    var start: Int
    var lineEnd: Int
  }

  struct Document {
    var root: ParamNode
    var assignments: [Assignment]
    var headers: [Header]
  }

  static func parse(_ text: String) throws -> ParamNode { try parseDocument(text).root }

  static func parseDocument(_ text: String) throws -> Document {
    var reader = TOMLReader(bytes: Array(text.utf8))
    return try reader.document()
  }
}
