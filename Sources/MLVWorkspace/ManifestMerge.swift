/// A three-way merge of directory manifests, as git merges trees: the merge driver's core
/// (docs/design.md, "Merging pointers").
///
/// Per path: a file changed (added, modified, deleted) on one side only is taken from that
/// side; changed the same way on both sides is taken once; changed differently on both
/// sides is a conflict, settled by `resolutions` when given. A path that is a file on one
/// side and a directory on the other is a conflict of every path under it.
public enum ManifestMerge {
  public enum Side: String, Sendable { case ours, theirs }

  public struct Conflict: Equatable, Sendable {
    public var path: String
    public var reason: String
  }

  public struct Result: Sendable {
    /// The merged entries: conflicts settled by `resolutions`, the rest as ours.
    public var entries: [Manifest.Entry]
    /// Conflicts that no resolution settled.
    public var conflicts: [Conflict]
  }

  /// Entries compare by content and mode: a path whose bytes and executable bit agree is
  /// the same file whatever side it came from.
  static func same(_ a: Manifest.Entry?, _ b: Manifest.Entry?) -> Bool {
    switch (a, b) {
    case (nil, nil): return true
    case (let x?, let y?): return x.oid == y.oid && x.size == y.size && x.executable == y.executable
    default: return false
    }
  }

  public static func merge(
    base: [Manifest.Entry], ours: [Manifest.Entry], theirs: [Manifest.Entry],
    resolutions: [String: Side] = [:], resolveAll: Side? = nil
  ) -> Result {
    let b = Dictionary(base.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
    let o = Dictionary(ours.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
    let t = Dictionary(theirs.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
    var merged: [String: Manifest.Entry] = [:]
    var conflicts: [String: String] = [:]
    var pick: [String: Side] = [:]
    for path in Set(b.keys).union(o.keys).union(t.keys) {
      let (be, oe, te) = (b[path], o[path], t[path])
      if same(oe, te) {
        if let oe { merged[path] = oe }
      } else if same(be, oe) {
        if let te { merged[path] = te }
      } else if same(be, te) {
        if let oe { merged[path] = oe }
      } else {
        conflicts[path] = reason(base: be, ours: oe, theirs: te)
      }
    }
    // A file on one side where the other has a directory of that name.
    let files = Set(merged.keys)
    for path in merged.keys {
      var p = Substring(path)
      while let slash = p.lastIndex(of: "/") {
        p = p[..<slash]
        guard files.contains(String(p)) else { continue }
        for q in [String(p), path] {
          conflicts[q] = "\(p) is a file on one side and a directory on the other"
        }
      }
    }
    var open: [Conflict] = []
    for (path, why) in conflicts {
      merged[path] = nil
      guard let side = resolutions[path] ?? resolveAll else {
        open.append(Conflict(path: path, reason: why))
        if let oe = o[path] { merged[path] = oe }  // kept as ours until resolved
        continue
      }
      pick[path] = side
      if let e = side == .ours ? o[path] : t[path] { merged[path] = e }
    }
    // A resolution may bring back a file/directory clash; the chosen side's paths win.
    let entries = Manifest(entries: Array(merged.values)).entries
    return Result(entries: dropClashes(entries, preferring: pick), conflicts: open.sorted { $0.path < $1.path })
  }

  static func reason(base: Manifest.Entry?, ours: Manifest.Entry?, theirs: Manifest.Entry?) -> String {
    switch (base, ours, theirs) {
    case (nil, _?, _?): return "added differently on both branches"
    case (_?, nil, _?): return "deleted on this branch, changed on the other"
    case (_?, _?, nil): return "changed on this branch, deleted on the other"
    default: return "changed differently on both branches"
    }
  }

  /// Removes the shorter of two clashing paths (`a` and `a/b`) unless a resolution chose it.
  static func dropClashes(_ entries: [Manifest.Entry], preferring pick: [String: Side]) -> [Manifest.Entry] {
    let paths = Set(entries.map(\.path))
    var drop = Set<String>()
    for e in entries {
      var p = Substring(e.path)
      while let slash = p.lastIndex(of: "/") {
        p = p[..<slash]
        guard paths.contains(String(p)) else { continue }
        drop.insert(pick[String(p)] != nil && pick[e.path] == nil ? e.path : String(p))
      }
    }
    return entries.filter { !drop.contains($0.path) }
  }
}
