import Foundation
import Testing

@testable import MLVStore
@testable import MLVWorkspace

@Suite struct ManifestMergeTests {
  func e(_ path: String, _ content: String, x: Bool = false) -> Manifest.Entry {
    let bytes = Array(content.utf8)
    return Manifest.Entry(path: path, size: Int64(bytes.count), oid: ObjectID.hash(bytes), executable: x)
  }

  @Test func changesOnOneSideAreTakenAndEqualChangesOnce() {
    let base = [e("a", "1"), e("b", "1"), e("c", "1"), e("d", "1")]
    let ours = [e("a", "2"), e("b", "1"), e("c", "9"), e("new-ours", "x")]  // d deleted
    let theirs = [e("a", "1"), e("b", "3"), e("c", "9"), e("d", "1"), e("new-theirs", "y")]
    let r = ManifestMerge.merge(base: base, ours: ours, theirs: theirs)
    #expect(r.conflicts.isEmpty)
    #expect(r.entries == [e("a", "2"), e("b", "3"), e("c", "9"), e("new-ours", "x"), e("new-theirs", "y")])
  }

  @Test func differentChangesToOneFileConflictAndResolve() {
    let base = [e("x.csv", "1"), e("y", "1")]
    let ours = [e("x.csv", "2"), e("y", "1")]
    let theirs = [e("x.csv", "3"), e("y", "5")]
    let r = ManifestMerge.merge(base: base, ours: ours, theirs: theirs)
    #expect(r.conflicts == [.init(path: "x.csv", reason: "changed differently on both branches")])
    #expect(r.entries == [e("x.csv", "2"), e("y", "5")])  // ours kept until resolved
    let t = ManifestMerge.merge(base: base, ours: ours, theirs: theirs, resolutions: ["x.csv": .theirs])
    #expect(t.conflicts.isEmpty && t.entries == [e("x.csv", "3"), e("y", "5")])
  }

  @Test func deleteAgainstModifyAndTheExecutableBitConflict() {
    let base = [e("a", "1"), e("b", "1")]
    let ours = [e("b", "1", x: true)]
    let theirs = [e("a", "2"), e("b", "1")]
    let r = ManifestMerge.merge(base: base, ours: ours, theirs: theirs)
    #expect(r.conflicts.map(\.path) == ["a"])
    #expect(r.conflicts[0].reason.contains("deleted on this branch"))
    #expect(r.entries.contains(e("b", "1", x: true)))
    // Resolving as ours keeps the deletion.
    let o = ManifestMerge.merge(base: base, ours: ours, theirs: theirs, resolveAll: .ours)
    #expect(o.conflicts.isEmpty && o.entries == [e("b", "1", x: true)])
  }

  @Test func aFileAgainstADirectoryOfTheSameNameConflicts() {
    let base: [Manifest.Entry] = []
    let ours = [e("m", "file")]
    let theirs = [e("m/inner", "dir")]
    let r = ManifestMerge.merge(base: base, ours: ours, theirs: theirs)
    #expect(Set(r.conflicts.map(\.path)) == ["m", "m/inner"])
    let t = ManifestMerge.merge(base: base, ours: ours, theirs: theirs, resolveAll: .theirs)
    #expect(t.conflicts.isEmpty && t.entries == [e("m/inner", "dir")])
  }

  @Test func conflictRecordsRoundTripAndRejectDamage() throws {
    let p = Pointer(kind: .dir, oid: ObjectID.hash([1]), size: 10, files: 2)
    let q = Pointer(kind: .dir, oid: ObjectID.hash([2]), size: 12, files: 3)
    let c = ConflictPointer(ours: p, theirs: q, base: nil, conflicts: ["b/x.csv", "a.csv"], resolved: ["z": .theirs])
    let bytes = c.encode()
    #expect(try ConflictPointer.decode(bytes, file: "data.mlv") == c)
    guard case .conflict(let parsed) = try PointerFileContent.parse(bytes, file: "data.mlv") else {
      Issue.record("not recognised as a conflict")
      return
    }
    #expect(parsed.conflicts == ["a.csv", "b/x.csv"])
    for bad in ["mlv-conflict: 1\nours: dir zz 1 1\n", "mlv-conflict: 1\nours: none\ntheirs: none\nbase: none\nconflict: ../x\n"] {
      #expect(throws: WorkspaceError.self) { try ConflictPointer.decode(Array(bad.utf8), file: "data.mlv") }
    }
  }

  @Test func gitConflictMarkersSplitIntoBothPointers() throws {
    let p = Pointer(kind: .file, oid: ObjectID.hash([1]), size: 1, files: 1)
    let q = Pointer(kind: .file, oid: ObjectID.hash([2]), size: 1, files: 1)
    let text = "mlv-pointer: 1\nkind: file\n<<<<<<< HEAD\noid: \(p.oid.hex)\n||||||| base\noid: 00\n=======\noid: \(q.oid.hex)\n>>>>>>> other\nsize: 1\n"
    guard case .gitConflictMarkers(let ours, let theirs) = try PointerFileContent.parse(Array(text.utf8), file: "m.mlv") else {
      Issue.record("markers not recognised")
      return
    }
    #expect(ours == p && theirs == q)
  }
}
