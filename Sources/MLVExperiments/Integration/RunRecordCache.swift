import Foundation
import MLVGit

/// Run records by run commit, kept locally so `exp show` over thousands of runs reads one
/// file instead of five git objects per run (the commit, three trees down to `.mlv/runs`,
/// the record blob), each an open, a read and an inflate.
///
/// A commit's content is fixed by its id, so an entry never goes stale: it is dropped only
/// once no run ref names that commit. `.mlv/state/run-records` (local, not committed):
///
///     mlv-run-records 1\n
///     <commit hex> <run id> <byte count>\n<record bytes>\n      one per run
///
/// Anything unreadable makes the cache empty (it is only a cache: the records are read
/// from git again). It is rewritten, through a temporary file renamed into place so a
/// concurrent reader never sees half of it, only when runs were added or dropped.
public final class RunRecordCache {
  static let header = "mlv-run-records 1\n"
  let path: String
  private var entries: [String: Data] = [:]
  private var used = Set<String>()
  private var added = false

  public init(path: String) {
    self.path = path
    if let data = FileManager.default.contents(atPath: path) { entries = Self.parse(data) ?? [:] }
  }

  /// The record bytes of run `id` at `commit`, if cached.
  func bytes(id: String, commit: GitOID) -> Data? {
    let key = commit.hex + " " + id
    guard let data = entries[key] else { return nil }
    used.insert(key)
    return data
  }

  func put(id: String, commit: GitOID, bytes: Data) {
    let key = commit.hex + " " + id
    entries[key] = bytes
    used.insert(key)
    added = true
  }

  /// Writes the cache when a run was added or a cached one was not asked for (its ref is
  /// gone). Failure to write is ignored: the next listing reads git again.
  func save() {
    guard added || used.count != entries.count else { return }
    var out = Data(Self.header.utf8)
    for key in used.sorted() {
      guard let bytes = entries[key] else { continue }
      out.append(Data("\(key) \(bytes.count)\n".utf8))
      out.append(bytes)
      out.append(0x0A)
    }
    let dir = (path as NSString).deletingLastPathComponent
    let tmp = dir + "/.run-records.\(getpid()).tmp"
    guard FileManager.default.createFile(atPath: tmp, contents: out) else { return }
    if rename(tmp, path) != 0 { unlink(tmp) }
  }

  static func parse(_ data: Data) -> [String: Data]? {
    let bytes = [UInt8](data)
    let head = Array(header.utf8)
    guard bytes.count >= head.count, Array(bytes[0..<head.count]) == head else { return nil }
    var out: [String: Data] = [:]
    var i = head.count
    while i < bytes.count {
      guard let nl = bytes[i...].firstIndex(of: 0x0A) else { return nil }
      let fields = String(decoding: bytes[i..<nl], as: UTF8.self).split(separator: " ")
      guard fields.count == 3, fields[0].count == 40, let n = Int(fields[2]), n >= 0, nl + 1 + n < bytes.count,
        bytes[nl + 1 + n] == 0x0A
      else { return nil }
      out[fields[0] + " " + fields[1]] = Data(bytes[(nl + 1)..<(nl + 1 + n)])
      i = nl + 2 + n
    }
    return out
  }
}
