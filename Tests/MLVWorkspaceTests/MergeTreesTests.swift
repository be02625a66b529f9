import Foundation
import Testing

@testable import MLVStore
@testable import MLVWorkspace

/// The merge driver's fast path for tree pointers (`mergeTreesByDelta`) against the full
/// three-way merge (`ManifestMerge`) as the oracle: the same pointer where the sides changed
/// different files, and no answer (so the full merge decides and names the conflict) where
/// they did not.
@Suite struct MergeTreesTests {
  func entries(_ n: Int) -> [Manifest.Entry] {
    let e = (0..<n).map { i in
      let path = String(format: "c%04d/f%07d.bin", i / 1000, i)
      return Manifest.Entry(path: path, size: Int64(512 + i % 1024), oid: ObjectID.hash(Array(path.utf8)), executable: false)
    }
    return Manifest(entries: e).entries
  }

  func pointer(_ ws: Workspace, _ entries: [Manifest.Entry]) throws -> Pointer {
    let writer = ws.store.makeWriter()
    let p = try ws.directoryPointer(Manifest(entries: entries).entries, writer: writer)
    try writer.flush()
    return p
  }

  func entry(_ path: String, _ salt: String, executable: Bool = false) -> Manifest.Entry {
    Manifest.Entry(path: path, size: 7, oid: ObjectID.hash(Array((path + salt).utf8)), executable: executable)
  }

  /// The full merge's pointer (nil when it finds conflicts).
  func oracle(_ ws: Workspace, _ b: [Manifest.Entry], _ o: [Manifest.Entry], _ t: [Manifest.Entry]) throws -> Pointer? {
    let r = ManifestMerge.merge(base: b, ours: Manifest(entries: o).entries, theirs: Manifest(entries: t).entries)
    return r.conflicts.isEmpty ? try pointer(ws, r.entries) : nil
  }

  @Test func disjointChangesMergeToTheFullMergesPointer() throws {
    let repo = try TestRepo()
    defer { repo.cleanup() }
    let ws = repo.ws
    let base = entries(5000)
    var ours = base
    ours[1200] = entry(ours[1200].path, "ours")  // modified
    ours.remove(at: 3100)  // deleted
    ours.append(entry("c0001/new-ours.bin", "o"))  // added
    ours[4000] = entry(ours[4000].path, "both")  // the same change on both sides
    var theirs = base
    theirs[4500] = entry(theirs[4500].path, "theirs", executable: true)
    theirs.remove(at: 10)
    theirs.append(entry("zz/new-theirs.bin", "t"))
    theirs.append(entry("a-first.bin", "t"))
    theirs[4000] = entry(theirs[4000].path, "both")
    let (b, o, t) = (try pointer(ws, base), try pointer(ws, ours), try pointer(ws, theirs))
    let fast = try ws.mergeTreesByDelta(base: b, ours: o, theirs: t)
    #expect(fast != nil)
    #expect(fast == (try oracle(ws, base, ours, theirs)))
    // And through the driver's entry point, with the sides swapped too.
    guard case .merged(let m?) = try ws.mergePointers(base: b, ours: t, theirs: o) else {
      Issue.record("not merged")
      return
    }
    #expect(m == fast)
  }

  @Test func aPathChangedDifferentlyIsLeftToTheFullMerge() throws {
    let repo = try TestRepo()
    defer { repo.cleanup() }
    let ws = repo.ws
    let base = entries(3000)
    var ours = base, theirs = base
    ours[700] = entry(ours[700].path, "ours")
    theirs[700] = entry(theirs[700].path, "theirs")
    theirs[2900] = entry(theirs[2900].path, "theirs")
    let (b, o, t) = (try pointer(ws, base), try pointer(ws, ours), try pointer(ws, theirs))
    #expect(try ws.mergeTreesByDelta(base: b, ours: o, theirs: t) == nil)
    guard case .conflict(let c) = try ws.mergePointers(base: b, ours: o, theirs: t) else {
      Issue.record("no conflict")
      return
    }
    #expect(c.conflicts == [base[700].path])
    // Deleted on one side, changed on the other: a conflict as well.
    theirs = base
    theirs.remove(at: 700)
    #expect(try ws.mergeTreesByDelta(base: b, ours: o, theirs: try pointer(ws, theirs)) == nil)
  }

  @Test func aFileWhereTheOtherSideMadeADirectoryIsLeftToTheFullMerge() throws {
    let repo = try TestRepo()
    defer { repo.cleanup() }
    let ws = repo.ws
    let base = entries(2000)
    // Theirs adds a file where ours added a directory of that name, and the reverse: the
    // full merge reports both as conflicts.
    for (mine, other) in [("q/r.bin", "q"), ("q", "q/r.bin")] {
      var ours = base, theirs = base
      ours.append(entry(mine, "o"))
      theirs.append(entry(other, "t"))
      let (b, o, t) = (try pointer(ws, base), try pointer(ws, ours), try pointer(ws, theirs))
      #expect(try ws.mergeTreesByDelta(base: b, ours: o, theirs: t) == nil, "\(mine) / \(other)")
      #expect(try oracle(ws, base, ours, theirs) == nil, "\(mine) / \(other)")
    }
  }

  @Test func clashesAreFoundByBinarySearch() {
    let sorted = Manifest(entries: [entry("a", ""), entry("b/c", ""), entry("b/d/e", ""), entry("b.txt", "")]).entries
    #expect(Workspace.clashes("a/x", in: sorted))  // a parent is a file
    #expect(Workspace.clashes("b", in: sorted))  // files inside it
    #expect(Workspace.clashes("b/d", in: sorted))
    #expect(!Workspace.clashes("b/x", in: sorted))
    #expect(!Workspace.clashes("bb", in: sorted))
    #expect(!Workspace.clashes("c", in: sorted))
  }
}
