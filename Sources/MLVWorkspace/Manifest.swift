import MLVStore

/// The contents of a tracked directory, stored as an object of type `manifest`
/// (docs/design.md, "Manifests"):
///
///     mlv-manifest: 1
///     <mode> <size> <oid> <path>          one line per file, sorted by path bytes
///
/// `mode` is `f` (regular) or `x` (executable); `path` is relative to the directory, '/'
/// separated, with '%' and bytes below 0x20 or 0x7f written as %XX. Text keeps manifests
/// inspectable (`mlv cat`) and compresses well (zlib); sorting makes them canonical.
public struct Manifest: Equatable, Sendable {
  public struct Entry: Equatable, Sendable {
    public var path: String
    public var size: Int64
    public var oid: ObjectID
    public var executable: Bool
    public init(path: String, size: Int64, oid: ObjectID, executable: Bool) {
      self.path = path
      self.size = size
      self.oid = oid
      self.executable = executable
    }
  }

  public static let header = "mlv-manifest: 1"
  public private(set) var entries: [Entry]

  /// Sorts by path bytes (the canonical order) and rejects duplicates.
  public init(entries: [Entry]) {
    self.entries = entries.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
  }

  public var totalSize: Int64 { entries.reduce(0) { $0 + $1.size } }

  public func encode() -> [UInt8] {
    var out = Array((Self.header + "\n").utf8)
    out.reserveCapacity(entries.count * 100)
    for e in entries {
      out += Array("\(e.executable ? "x" : "f") \(e.size) \(e.oid.hex) ".utf8)
      out += Self.escape(e.path)
      out.append(10)
    }
    return out
  }

  public var id: ObjectID { ObjectID.hash(encode()) }

  public static func decode(_ bytes: [UInt8], id: String) throws -> Manifest {
    func bad(_ line: Int, _ why: String) -> WorkspaceError { .invalidManifest(id, reason: "line \(line): \(why)") }
    guard let text = String(validating: bytes, as: UTF8.self), text.hasSuffix("\n") else {
      throw WorkspaceError.invalidManifest(id, reason: "not UTF-8 text ending in a newline")
    }
    let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
    guard lines.first == Substring(header) else {
      if let first = lines.first, first.hasPrefix("mlv-manifest: ") {
        throw WorkspaceError.invalidManifest(id, reason: "unsupported version (\(first)); upgrade mlv")
      }
      throw bad(1, "missing '\(header)'")
    }
    var entries: [Entry] = []
    entries.reserveCapacity(lines.count)
    var previous: String?
    for (i, line) in lines.dropFirst().enumerated() {
      let n = i + 2
      let f = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
      guard f.count == 4 else { throw bad(n, "expected '<mode> <size> <oid> <path>'") }
      guard f[0] == "f" || f[0] == "x" else { throw bad(n, "unknown mode '\(f[0])'") }
      let size = try Pointer.number(f[1], line: n) { WorkspaceError.invalidManifest(id, reason: $0) }
      guard let oid = ObjectID(hex: f[2]) else { throw bad(n, "bad oid") }
      guard let path = unescape(f[3]) else { throw bad(n, "bad escape in path") }
      try RepoPath.validate(path, context: "manifest \(id) line \(n)")
      if let p = previous, !p.utf8.lexicographicallyPrecedes(path.utf8) {
        throw bad(n, "paths are not sorted and unique (\(path))")
      }
      if size == 0 && oid != .empty { throw bad(n, "an empty file must have the empty oid") }
      previous = path
      entries.append(Entry(path: path, size: size, oid: oid, executable: f[0] == "x"))
    }
    // A file and a directory of the same name cannot both exist.
    var dirs = Set<Substring>()
    for e in entries {
      var p = Substring(e.path)
      while let slash = p.lastIndex(of: "/") {
        p = p[..<slash]
        if !dirs.insert(p).inserted { break }
      }
    }
    if let clash = entries.first(where: { dirs.contains(Substring($0.path)) }) {
      throw WorkspaceError.invalidManifest(id, reason: "\(clash.path) is both a file and a directory")
    }
    return Manifest(entries: entries)
  }

  static func escape(_ path: String) -> [UInt8] {
    var out: [UInt8] = []
    let hex = Array("0123456789ABCDEF".utf8)
    for b in path.utf8 {
      if b < 0x20 || b == 0x7f || b == UInt8(ascii: "%") {
        out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 15)]]
      } else {
        out.append(b)
      }
    }
    return out
  }

  static func unescape(_ s: Substring) -> String? {
    guard s.contains("%") else { return String(s) }
    var out: [UInt8] = []
    var it = Array(s.utf8)[...]
    while let b = it.popFirst() {
      if b != UInt8(ascii: "%") {
        out.append(b)
        continue
      }
      guard it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) else { return nil }
      out.append(v)
      it = it.dropFirst(2)
    }
    return String(validating: out, as: UTF8.self)
  }
}
