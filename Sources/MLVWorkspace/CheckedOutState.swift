import Foundation
import MLVStore
import MLVSystem

/// Which pointer the workspace data of each tracked path was last restored from or added
/// as (`.mlv/state/checked-out`, docs/design.md "Checked-out state"). It is what tells a
/// pointer that git changed under unchanged data ("not checked out") from data the user
/// changed ("modified"): without it, `mlv add` after a plain `git pull` would record the
/// old data over a teammate's newer pointer.
///
/// A directory restored only in part (`mlv pull data/images/cat.png`) records the paths
/// inside it that were restored; files outside them that are absent were never checked
/// out, and are not deletions.
///
///     mlv-checked-out: 1
///     <kind> <oid> <size> <files> <data path>          one line per path, sorted; kind is
///                                                      file, dir (a tree) or dir1 (a manifest)
///     + <inner path>                                   restored parts of a partial directory
struct CheckedOutState: Equatable {
  struct Entry: Equatable {
    var pointer: Pointer
    /// Restored parts of a directory (nil: all of it).
    var parts: Set<String>?
  }

  static let header = "mlv-checked-out: 1"
  var entries: [String: Entry] = [:]

  static func load(_ path: String) -> CheckedOutState {
    guard let bytes = try? FS.readAll(path), let state = decode(bytes) else { return CheckedOutState() }
    return state
  }

  /// Parses the file; nil when damaged (it is then rebuilt as if absent: every path is
  /// treated as never checked out, which makes status conservative, never wrong).
  static func decode(_ bytes: [UInt8]) -> CheckedOutState? {
    guard let text = String(validating: bytes, as: UTF8.self), text.hasSuffix("\n") else { return nil }
    var lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)[...]
    guard lines.popFirst() == Substring(header) else { return nil }
    var state = CheckedOutState()
    var current: String?
    for line in lines {
      if line.hasPrefix("+ ") {
        guard let c = current else { return nil }
        let part = String(line.dropFirst(2))
        guard (try? RepoPath.validate(part, context: "")) != nil else { return nil }
        let parts = (state.entries[c]?.parts ?? []).union([part])
        state.entries[c]?.parts = parts
        continue
      }
      let f = line.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: false)
      guard f.count == 5, let (kind, tree) = Pointer.kind(fromToken: f[0]), let oid = ObjectID(hex: f[1]),
        let size = Int64(f[2]), size >= 0, let files = Int(f[3]), files >= 0,
        (try? RepoPath.validate(String(f[4]), context: "")) != nil
      else { return nil }
      let path = String(f[4])
      state.entries[path] = Entry(pointer: Pointer(kind: kind, oid: oid, size: size, files: files, isTree: tree), parts: nil)
      current = path
    }
    return state
  }

  func encode() -> [UInt8] {
    var text = Self.header + "\n"
    for (path, e) in entries.sorted(by: { $0.key < $1.key }) {
      let p = e.pointer
      text += "\(p.kindToken) \(p.oid.hex) \(p.size) \(p.files) \(path)\n"
      for part in (e.parts ?? []).sorted() { text += "+ \(part)\n" }
    }
    return Array(text.utf8)
  }

  func save(_ path: String) throws {
    try FS.atomicWrite(encode(), to: path, durable: false)
  }
}

extension Workspace {
  var checkedOutStatePath: String { stateDir + "/checked-out" }

  func loadCheckedOut() -> CheckedOutState { CheckedOutState.load(checkedOutStatePath) }

  /// Records that the data of `path` now is `pointer`'s (all of it, or `parts` of it).
  func recordCheckedOut(_ updates: [String: CheckedOutState.Entry?]) throws {
    guard !updates.isEmpty else { return }
    var state = loadCheckedOut()
    for (path, entry) in updates { state.entries[path] = entry }
    try state.save(checkedOutStatePath)
  }
}
