import MLVStore

/// The small text file git tracks in place of data: `data.mlv` for the directory `data`,
/// `model.bin.mlv` for the file `model.bin` (docs/design.md, "Pointer files"):
///
///     mlv-pointer: 2            1 for files and for directories described by a flat
///                               manifest (still read); 2 for directories described by a tree
///     kind: dir                 file | dir
///     oid: <64 hex>             file content id, or the root tree (2) / manifest (1) id
///     size: 680123456           bytes of data (all files of a directory)
///     files: 20000              directories only
///
/// One canonical form per content (fixed key order, LF, no spaces to vary), so git diffs
/// of pointers are one or two lines and the same data always yields the same bytes.
/// Parsing is strict: anything else is an error naming the file.
public struct Pointer: Hashable, Sendable {
  public enum Kind: String, Hashable, Sendable { case file, dir }
  /// The version a file pointer is written with; directories are written with
  /// `treeVersion` (their oid names the root of a tree, docs/design.md "Directory trees").
  public static let version = 1
  public static let treeVersion = 2
  public static let suffix = ".mlv"
  /// No valid pointer is near this size; larger files are refused unread.
  public static let maxBytes = 512

  public var kind: Kind
  public var oid: ObjectID
  public var size: Int64
  /// Number of files; 1 for a file pointer.
  public var files: Int
  /// A directory whose oid names a tree (format 2) rather than a flat manifest (format 1).
  public var isTree: Bool

  public init(kind: Kind, oid: ObjectID, size: Int64, files: Int, isTree: Bool? = nil) {
    self.kind = kind
    self.oid = oid
    self.size = size
    self.files = kind == .file ? 1 : files
    self.isTree = kind == .dir && (isTree ?? true)
  }

  public var formatVersion: Int { isTree ? Self.treeVersion : Self.version }

  /// One word for kind and format, in mlv's own state files: `file`, `dir` (a tree) or
  /// `dir1` (a format 1 manifest).
  public var kindToken: String { kind == .file ? "file" : isTree ? "dir" : "dir1" }

  /// The kind and tree-ness a `kindToken` names.
  public static func kind(fromToken token: Substring) -> (Kind, isTree: Bool)? {
    switch token {
    case "file": return (.file, false)
    case "dir": return (.dir, true)
    case "dir1": return (.dir, false)
    default: return nil
    }
  }

  public func encode() -> [UInt8] {
    var text = "mlv-pointer: \(formatVersion)\nkind: \(kind.rawValue)\noid: \(oid.hex)\nsize: \(size)\n"
    if kind == .dir { text += "files: \(files)\n" }
    return Array(text.utf8)
  }

  public static func decode(_ bytes: [UInt8], file: String) throws -> Pointer {
    func bad(_ why: String) -> WorkspaceError { .invalidPointer(file: file, reason: why) }
    guard bytes.count <= maxBytes else { throw bad("larger than \(maxBytes) bytes") }
    guard let text = String(validating: bytes, as: UTF8.self) else { throw bad("not UTF-8 text") }
    guard text.hasSuffix("\n") else { throw bad("truncated (no final newline)") }
    let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
    func value(_ i: Int, _ key: String) throws -> Substring {
      guard i < lines.count else { throw bad("missing '\(key)' line") }
      let prefix = key + ": "
      guard lines[i].hasPrefix(prefix) else { throw bad("line \(i + 1): expected '\(key): ...'") }
      return lines[i].dropFirst(prefix.count)
    }
    let version = try value(0, "mlv-pointer")
    guard version == "\(Self.version)" || version == "\(Self.treeVersion)" else {
      if version.allSatisfy(\.isNumber) && !version.isEmpty {
        throw WorkspaceError.unsupportedPointerVersion(file: file, version: String(version))
      }
      throw bad("line 1: bad version '\(version)'")
    }
    guard let kind = Kind(rawValue: String(try value(1, "kind"))) else { throw bad("line 2: unknown kind") }
    guard let oid = ObjectID(hex: try value(2, "oid")) else { throw bad("line 3: oid is not 64 lowercase hex digits") }
    let size = try number(value(3, "size"), line: 4, bad)
    var files = 1
    if kind == .dir { files = Int(try number(value(4, "files"), line: 5, bad)) }
    let expected = kind == .dir ? 5 : 4
    guard lines.count == expected else { throw bad("unexpected line \(expected + 1)") }
    if kind == .file && size == 0 && oid != .empty { throw bad("an empty file must have the empty oid") }
    let tree = version == "\(Self.treeVersion)"
    if tree && kind != .dir { throw bad("line 1: version \(Self.treeVersion) is for directories only") }
    return Pointer(kind: kind, oid: oid, size: size, files: files, isTree: tree)
  }

  /// Canonical decimal: digits only, no leading zero, fits in Int64.
  static func number(_ s: Substring, line: Int, _ bad: (String) -> WorkspaceError) throws -> Int64 {
    guard !s.isEmpty, s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), s == "0" || !s.hasPrefix("0"),
      let n = Int64(s)
    else { throw bad("line \(line): '\(s)' is not a canonical non-negative number") }
    return n
  }

  /// `data.mlv` → `data`; nil for names without the suffix or that are only the suffix.
  public static func dataPath(forPointer pointerPath: String) -> String? {
    guard pointerPath.hasSuffix(suffix), pointerPath.count > suffix.count else { return nil }
    let data = String(pointerPath.dropLast(suffix.count))
    return data.hasSuffix("/") ? nil : data
  }

  public static func pointerPath(forData dataPath: String) -> String { dataPath + suffix }
}
