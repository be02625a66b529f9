import Foundation

/// Sets one key of a TOML file by replacing only its value's bytes, found by the reader's
/// record of where each assignment sits, so comments and layout survive. A missing key is
/// added at the end of the deepest existing `[table]` it belongs under (as a dotted key
/// when needed), or at the end of the top-level section.
struct TOMLEditor {
  let text: String
  let path: String

  func setting(_ keyPath: [String], to value: ParamValue) throws -> String {
    let full = keyPath.joined(separator: ".")
    let doc: TOMLText.Document
    do {
      doc = try TOMLText.parseDocument(text)
    } catch let e as TOMLText.SyntaxError {
      throw ExperimentError.malformedParams(path: path, line: e.line, reason: e.reason)
    }
    var bytes = Array(text.utf8)
    if let a = doc.assignments.first(where: { $0.path == keyPath }) {
      let old = String(decoding: bytes[a.valueRange], as: UTF8.self)
      if old.hasPrefix("{") {
        throw ExperimentError.invalidOverride(spec: full, reason: "'\(full)' is a table in \(path)")
      }
      bytes.replaceSubrange(a.valueRange, with: Array(try TOMLEditor.render(value, like: old, key: full).utf8))
      return String(decoding: bytes, as: UTF8.self)
    }
    if let a = doc.assignments.first(where: { $0.path.count < keyPath.count && keyPath.starts(with: $0.path) }) {
      if bytes[a.valueRange].first == UInt8(ascii: "{") {
        throw ExperimentError.invalidOverride(spec: full, reason: "cannot edit inside an inline table in \(path)")
      }
      throw ExperimentError.notAMapping(path: path, key: full)
    }
    if doc.headers.contains(where: { $0.isArray && keyPath.starts(with: $0.path) }) {
      throw ExperimentError.invalidOverride(spec: full, reason: "cannot edit inside an array of tables in \(path)")
    }
    if doc.headers.contains(where: { $0.path.starts(with: keyPath) })
      || doc.assignments.contains(where: { $0.path.count > keyPath.count && $0.path.starts(with: keyPath) })
    {
      throw ExperimentError.invalidOverride(spec: full, reason: "'\(full)' is a table in \(path)")
    }
    // the deepest table with its own header that the key belongs under, else the top level
    var section: (start: Int, end: Int, depth: Int) = (0, doc.headers.first?.start ?? bytes.count, 0)
    for (i, h) in doc.headers.enumerated()
    where !h.isArray && h.path.count < keyPath.count && keyPath.starts(with: h.path) && h.path.count > section.depth {
      let end = i + 1 < doc.headers.count ? doc.headers[i + 1].start : bytes.count
      section = (h.lineEnd, end, h.path.count)
    }
    let inSection = doc.assignments.filter { section.start <= $0.valueRange.lowerBound && $0.valueRange.upperBound <= section.end }
    var at = section.start
    if let last = inSection.last {
      at = last.valueRange.upperBound
      while at < bytes.count && bytes[at] != 0x0A { at += 1 }
      at = min(at + 1, bytes.count)
    }
    let rest = keyPath[section.depth...].map(TOMLEditor.key).joined(separator: ".")
    let eol = text.utf8.contains(0x0D) && text.contains("\r\n") ? "\r\n" : "\n"
    var line = "\(rest) = \(try TOMLEditor.render(value, like: "", key: full))" + eol
    if at > 0 && at == bytes.count && bytes[at - 1] != 0x0A { line = eol + line }
    bytes.insert(contentsOf: Array(line.utf8), at: at)
    return String(decoding: bytes, as: UTF8.self)
  }

  static func key(_ k: String) -> String {
    !k.isEmpty && k.utf8.allSatisfy(TOMLReader.isBare) ? k : JSONText.quote(k)
  }

  /// TOML text for a value; a string keeps a literal (`'...'`) style when it can.
  static func render(_ value: ParamValue, like old: String, key: String) throws -> String {
    switch value {
    case .string(let s):
      if old.hasPrefix("'") && !old.hasPrefix("'''") && !s.contains("'") && !s.contains("\n") { return "'\(s)'" }
      return JSONText.quote(s)
    case .double(let d) where d.isNaN: return "nan"
    case .double(let d) where d.isInfinite: return d < 0 ? "-inf" : "inf"
    case .null: throw ExperimentError.invalidOverride(spec: key, reason: "TOML has no null value")
    case .list(let items): return "[" + (try items.map { try render($0, like: "", key: key) }).joined(separator: ", ") + "]"
    default: return value.canonical
    }
  }
}
