import Foundation

/// Errors raised while reading or diffing tables.
public enum TableError: Error, CustomStringConvertible, Equatable {
  /// The file could not be opened or read.
  case unreadable(path: String, reason: String)
  /// A record is malformed; `line` is the 1-based physical line where the record starts.
  case malformed(path: String, line: Int, reason: String)
  /// A `--key` column is missing from one of the versions.
  case missingKeyColumn(path: String, column: String)
  /// The two versions use different table formats (e.g. CSV and JSON Lines).
  case formatMismatch(old: String, new: String)
  /// A binary table file (Parquet) is damaged or not what its extension says.
  case corrupt(path: String, reason: String)
  /// A valid file using a feature mlv does not read (a codec, an encoding, nesting).
  case unsupported(path: String, reason: String)

  public var description: String {
    switch self {
    case .unreadable(let path, let reason):
      return "cannot read \(path): \(reason)"
    case .malformed(let path, let line, let reason):
      return "\(path):\(line): malformed table: \(reason)"
    case .missingKeyColumn(let path, let column):
      return "\(path): key column '\(column)' not found"
    case .formatMismatch(let old, let new):
      return "table formats differ: \(old) vs \(new)"
    case .corrupt(let path, let reason):
      return "\(path): damaged or invalid table file: \(reason)"
    case .unsupported(let path, let reason):
      return "\(path): not supported: \(reason)"
    }
  }

  /// The same error with file paths replaced by display names.
  func relabeled(_ names: [String: String]) -> TableError {
    func n(_ p: String) -> String { names[p] ?? p }
    switch self {
    case .unreadable(let path, let reason): return .unreadable(path: n(path), reason: reason)
    case .malformed(let path, let line, let reason): return .malformed(path: n(path), line: line, reason: reason)
    case .missingKeyColumn(let path, let column): return .missingKeyColumn(path: n(path), column: column)
    case .formatMismatch: return self
    case .corrupt(let path, let reason): return .corrupt(path: n(path), reason: reason)
    case .unsupported(let path, let reason): return .unsupported(path: n(path), reason: reason)
    }
  }
}
