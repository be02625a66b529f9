import MLVStore

/// What a pointer file holds while a merge of it is unresolved (docs/design.md, "Merging
/// pointers"): the merge driver's record of both sides, or git's own conflict markers
/// when no driver was installed. Both are recognised and explained by `status`, `diff`
/// and `add`, never reported as a parse error; `mlv checkout --ours/--theirs PATH`
/// resolves them.
///
///     mlv-conflict: 1
///     ours: dir <oid> <size> <files>          kind, oid, size, files of this branch's pointer
///     theirs: dir <oid> <size> <files>        the other branch's ("none" if it deleted it)
///     base: dir <oid> <size> <files>          the common ancestor's ("none" if absent)
///     conflict: <path>                        one line per unresolved file inside a directory,
///     resolved: ours|theirs <path>            and per file already resolved, sorted by path
public struct ConflictPointer: Equatable, Sendable {
  public static let header = "mlv-conflict: 1"
  /// Larger conflict files are refused unread (a million conflicting paths is ~100 MB).
  public static let maxBytes = 64 << 20

  public var ours: Pointer?
  public var theirs: Pointer?
  public var base: Pointer?
  public var conflicts: [String]
  public var resolved: [String: ManifestMerge.Side]

  public init(ours: Pointer?, theirs: Pointer?, base: Pointer?, conflicts: [String], resolved: [String: ManifestMerge.Side] = [:]) {
    self.ours = ours
    self.theirs = theirs
    self.base = base
    self.conflicts = conflicts.sorted()
    self.resolved = resolved
  }

  static func side(_ p: Pointer?) -> String {
    guard let p else { return "none" }
    return "\(p.kindToken) \(p.oid.hex) \(p.size) \(p.files)"
  }

  public func encode() -> [UInt8] {
    var text = Self.header + "\n"
    text += "ours: \(Self.side(ours))\ntheirs: \(Self.side(theirs))\nbase: \(Self.side(base))\n"
    for c in conflicts { text += "conflict: \(c)\n" }
    for (path, side) in resolved.sorted(by: { $0.key < $1.key }) { text += "resolved: \(side.rawValue) \(path)\n" }
    return Array(text.utf8)
  }

  public static func decode(_ bytes: [UInt8], file: String) throws -> ConflictPointer {
    func bad(_ why: String) -> WorkspaceError { .invalidPointer(file: file, reason: "merge record: \(why)") }
    guard bytes.count <= maxBytes, let text = String(validating: bytes, as: UTF8.self), text.hasSuffix("\n") else {
      throw bad("not a complete text file")
    }
    var lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).makeIterator()
    guard lines.next() == Substring(header) else { throw bad("missing '\(header)'") }
    func pointer(_ key: String) throws -> Pointer? {
      guard let line = lines.next(), line.hasPrefix(key + ": ") else { throw bad("missing '\(key):' line") }
      let value = line.dropFirst(key.count + 2)
      if value == "none" { return nil }
      let f = value.split(separator: " ", omittingEmptySubsequences: false)
      guard f.count == 4, let (kind, tree) = Pointer.kind(fromToken: f[0]), let oid = ObjectID(hex: f[1]),
        let size = Int64(f[2]), size >= 0, let files = Int(f[3]), files >= 0, kind == .dir || files == 1
      else { throw bad("bad '\(key):' line") }
      return Pointer(kind: kind, oid: oid, size: size, files: files, isTree: tree)
    }
    let ours = try pointer("ours")
    let theirs = try pointer("theirs")
    let base = try pointer("base")
    var conflicts: [String] = []
    var resolved: [String: ManifestMerge.Side] = [:]
    while let line = lines.next() {
      if line.hasPrefix("conflict: ") {
        let path = String(line.dropFirst("conflict: ".count))
        try RepoPath.validate(path, context: file)
        conflicts.append(path)
      } else if line.hasPrefix("resolved: ") {
        let rest = line.dropFirst("resolved: ".count)
        guard let space = rest.firstIndex(of: " "), let side = ManifestMerge.Side(rawValue: String(rest[..<space])) else {
          throw bad("bad 'resolved:' line")
        }
        let path = String(rest[rest.index(after: space)...])
        try RepoPath.validate(path, context: file)
        resolved[path] = side
      } else {
        throw bad("unexpected line '\(line.prefix(40))'")
      }
    }
    return ConflictPointer(ours: ours, theirs: theirs, base: base, conflicts: conflicts, resolved: resolved)
  }
}

/// A pointer file as found in the work tree: a pointer, the merge driver's record of an
/// unresolved merge, or git's conflict markers around two pointers.
public enum PointerFileContent: Sendable {
  case pointer(Pointer)
  case conflict(ConflictPointer)
  /// git merged the pointer as text and left `<<<<<<<` markers; the sides as parsed.
  case gitConflictMarkers(ours: Pointer?, theirs: Pointer?)

  public static func parse(_ bytes: [UInt8], file: String) throws -> PointerFileContent {
    if bytes.starts(with: Array("mlv-conflict:".utf8)) { return .conflict(try ConflictPointer.decode(bytes, file: file)) }
    if let sides = GitMarkers.split(bytes) {
      return .gitConflictMarkers(
        ours: try? Pointer.decode(sides.ours, file: file), theirs: try? Pointer.decode(sides.theirs, file: file))
    }
    return .pointer(try Pointer.decode(bytes, file: file))
  }
}

/// git's conflict markers (`<<<<<<<`, optional `|||||||` base, `=======`, `>>>>>>>`), split
/// back into the two sides' texts.
enum GitMarkers {
  static func split(_ bytes: [UInt8]) -> (ours: [UInt8], theirs: [UInt8])? {
    guard bytes.count <= 1 << 20, let text = String(validating: bytes, as: UTF8.self), text.contains("<<<<<<< ") || text.hasPrefix("<<<<<<<") else {
      return nil
    }
    var ours = "", theirs = ""
    enum State { case common, ours, base, theirs }
    var state = State.common
    var sawMarker = false
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(text.hasSuffix("\n") ? 1 : 0) {
      if line.hasPrefix("<<<<<<<") { state = .ours; sawMarker = true; continue }
      if line.hasPrefix("|||||||"), state == .ours { state = .base; continue }
      if line.hasPrefix("======="), state == .ours || state == .base { state = .theirs; continue }
      if line.hasPrefix(">>>>>>>"), state == .theirs { state = .common; continue }
      switch state {
      case .common:
        ours += line + "\n"
        theirs += line + "\n"
      case .ours: ours += line + "\n"
      case .base: break
      case .theirs: theirs += line + "\n"
      }
    }
    guard sawMarker, state == .common else { return nil }
    return (Array(ours.utf8), Array(theirs.utf8))
  }
}
