import Foundation
import Testing

@testable import MLVStore
@testable import MLVWorkspace

/// Directory trees (docs/design.md, "Directory trees"): the bytes, the cuts, the reader's
/// checks and the diff that skips equal subtrees.
@Suite struct TreeTests {
  let abcHex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
  var abc: ObjectID { ObjectID(hex: abcHex)! }

  /// `n` files in folders of 1,000, with ids derived from their paths (and `salt`).
  func entries(_ n: Int, salt: String = "") -> [Manifest.Entry] {
    let e = (0..<n).map { i in
      let path = String(format: "c%04d/f%07d.bin", i / 1000, i)
      return Manifest.Entry(path: path, size: Int64(512 + i % 1024), oid: ObjectID.hash(Array((path + salt).utf8)), executable: false)
    }
    return Manifest(entries: e).entries
  }

  func build(_ entries: [Manifest.Entry], into store: MemoryStore) throws -> Pointer {
    let ws = TreeBuilder(writer: store.makeWriter())
    for e in entries { try ws.add(e) }
    let root = try ws.finish()
    return Pointer(kind: .dir, oid: root, size: ws.bytes, files: ws.files)
  }

  // Golden vectors: these bytes and ids must never change silently (every tree id, and so
  // every directory pointer, depends on them).
  @Test func goldenLeafAndPathHash() throws {
    let leaf = TreeFormat.encodeLeaf([
      .init(path: "a", size: 0, oid: .empty, executable: true),
      .init(path: "b/x.csv", size: 3, oid: abc, executable: false),
    ])
    let emptyHex = ObjectID.empty.hex
    let text = "mlv-tree: 1 leaf\n" + "x 0 \(emptyHex) a\n" + "f 3 \(abcHex) b/x.csv\n"
    #expect(String(decoding: leaf, as: UTF8.self) == text)
    let decoded = try TreeFormat.decode(leaf, id: ObjectID.hash(leaf))
    #expect(decoded == .leaf([
      .init(path: "a", size: 0, oid: .empty, executable: true),
      .init(path: "b/x.csv", size: 3, oid: abc, executable: false),
    ]))
    #expect(ObjectID.hash(leaf).hex == Self.leafID)
  }
  static let leafID = "9fd184870101ea814fd2e6dbffc8d495d4f9f99a7dfa28af88624395a7ddaea4"

  @Test func goldenNode() throws {
    let node = TreeFormat.encodeNode(height: 1, [
      TreeChild(id: abc, files: 2, bytes: 3, firstPath: "a"),
      TreeChild(id: .empty, files: 1, bytes: 0, firstPath: "c d"),
    ])
    let text = "mlv-tree: 1 node 1\n" + "\(abcHex) 2 3 a\n" + "\(ObjectID.empty.hex) 1 0 c d\n"
    #expect(String(decoding: node, as: UTF8.self) == text)
    guard case .node(1, let children) = try TreeFormat.decode(node, id: ObjectID.hash(node)) else {
      Issue.record("not a node of height 1")
      return
    }
    #expect(children.map(\.firstPath) == ["a", "c d"])
  }

  /// The root of a fixed 5,000-file listing: a change to the cut rule, the hash or the
  /// byte layout changes it.
  @Test func goldenRootOfAFixedListing() throws {
    let store = MemoryStore()
    let p = try build(entries(5000), into: store)
    #expect(p.files == 5000)
    #expect(p.oid.hex == Self.fixedRoot)
    #expect(try TreeBuilder.rootID(entries(5000)).hex == Self.fixedRoot)
  }
  static let fixedRoot = "5d3b6cd8b0c0f2e54df4909700f885f6f6370367b0be58425938793f92a84f52"

  @Test func pathHashIsPinned() {
    #expect(String(TreeShape.pathHash(""), radix: 16) == Self.hashOfEmpty)
    #expect(String(TreeShape.pathHash("images/cat.png"), radix: 16) == Self.hashOfCat)
  }
  static let hashOfEmpty = "f52a15e9a9b5e89b"
  static let hashOfCat = "c0f8235aa7e72cc"

  /// Tests/Corpus/tree_oracle.py builds the same trees independently (from the format in
  /// docs/design.md); the roots must agree at sizes that exercise every cut rule.
  @Test func rootsAgreeWithAnIndependentImplementation() throws {
    for n in [0, 1, 32, 33, 4097, 70_000] {
      let p = Process()
      p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      p.arguments = ["python3", corpusDirectory() + "/tree_oracle.py", String(n)]
      let out = Pipe()
      p.standardOutput = out
      try p.run()
      let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      p.waitUntilExit()
      #expect(p.terminationStatus == 0)
      #expect(try TreeBuilder.rootID(entries(n)).hex == text.trimmingCharacters(in: .whitespacesAndNewlines), "n=\(n)")
    }
  }

  @Test func readsBackEveryEntryAndTotals() throws {
    let store = MemoryStore()
    for n in [0, 1, 31, 32, 600, 5000, 20_000] {
      let e = entries(n)
      let p = try build(e, into: store)
      #expect(try TreeReader(store: store).entries(p.oid) == e, "n=\(n)")
      #expect(p.files == n)
      #expect(p.size == e.reduce(0) { $0 + $1.size })
    }
  }

  @Test func oneEditWritesOnlyTheLeafAndTheNodesAboveIt() throws {
    let store = MemoryStore()
    var e = entries(100_000)
    let before = try build(e, into: store)
    let objectsBefore = store.count
    e[54_321].oid = ObjectID.hash(Array("changed".utf8))
    let after = try build(e, into: store)
    let written = store.count - objectsBefore
    #expect(before.oid != after.oid)
    // A leaf and one node per level above it (depth 2–3 at this size).
    #expect(written >= 2 && written <= 4, "wrote \(written) objects")
    let (old, new) = try TreeDiff(reader: TreeReader(store: store)).changes(from: before.oid, to: after.oid)
    #expect(old.map(\.path) == [e[54_321].path])
    #expect(new.map(\.path) == [e[54_321].path])
    #expect(new.first?.oid == e[54_321].oid)
  }

  @Test func diffFindsAddedRemovedAndModifiedAcrossLeaves() throws {
    let store = MemoryStore()
    let a = entries(30_000)
    var b = a
    b.remove(at: 29_000)
    b.remove(at: 100)
    b[15_000].size += 1
    b.append(.init(path: "zz/new.bin", size: 1, oid: abc, executable: false))
    b.insert(.init(path: "c0005/f0005000a.bin", size: 1, oid: abc, executable: true), at: 5001)
    b = Manifest(entries: b).entries
    let pa = try build(a, into: store), pb = try build(b, into: store)
    let (old, new) = try TreeDiff(reader: TreeReader(store: store)).changes(from: pa.oid, to: pb.oid)
    // The oracle: a plain comparison of the two full listings.
    let am = Dictionary(uniqueKeysWithValues: a.map { ($0.path, $0) })
    let bm = Dictionary(uniqueKeysWithValues: b.map { ($0.path, $0) })
    let expectOld = a.filter { bm[$0.path] != $0 }.map(\.path)
    let expectNew = b.filter { am[$0.path] != $0 }.map(\.path)
    #expect(old.map(\.path) == expectOld)
    #expect(new.map(\.path) == expectNew)
    #expect(try TreeDiff(reader: TreeReader(store: store)).changes(from: pa.oid, to: pa.oid) == ([], []))
  }

  @Test func entriesUnderAPrefixReadOnlyWhatCanHoldThem() throws {
    let store = MemoryStore()
    let e = entries(20_000)
    let p = try build(e, into: store)
    let got = try TreeReader(store: store).entries(p.oid, under: "c0007")
    #expect(got == e.filter { $0.path.hasPrefix("c0007/") })
    #expect(try TreeReader(store: store).entries(p.oid, under: "c00") == [])
  }

  @Test func hostileNodesAreRefusedWithTheNodeNamed() throws {
    let store = MemoryStore()
    let leaf = TreeFormat.encodeLeaf([.init(path: "a", size: 3, oid: abc, executable: false)])
    let leafID = ObjectID.hash(leaf)
    try store.makeWriter().put(leafID, type: .tree, bytes: leaf, compress: false)
    func node(_ text: String) throws -> ObjectID {
      let b = Array(text.utf8)
      let id = ObjectID.hash(b)
      try store.makeWriter().put(id, type: .tree, bytes: b, compress: false)
      return id
    }
    let cases = [
      "mlv-tree: 1 node 1\n\(leafID.hex) 2 3 a\n",  // totals disagree with the leaf
      "mlv-tree: 1 node 1\n\(leafID.hex) 1 3 b\n",  // first path disagrees
      "mlv-tree: 1 node 2\n\(leafID.hex) 1 3 a\n",  // a leaf where a node belongs
      "mlv-tree: 1 node 1\n\(leafID.hex) 1 3 a\n\(leafID.hex) 1 3 a\n",  // not sorted
      "mlv-tree: 1 node 1\n\(leafID.hex) 01 3 a\n",  // non-canonical number
      "mlv-tree: 1 node 1\n\(leafID.hex) 1 9223372036854775807 a\n\(leafID.hex) 1 9 b\n",  // overflow
      "mlv-tree: 1 node 9\n\(leafID.hex) 1 3 a\n",  // too deep
      "mlv-tree: 1 node 1\n\(leafID.hex) 1 3 ../a\n",  // hostile path
      "mlv-tree: 1 node 1\n\(leafID.hex) 1 3 .GIT/hooks\n",
      "mlv-tree: 2 node 1\n\(leafID.hex) 1 3 a\n",  // unknown version
      "mlv-tree: 1 node 1\n",  // no children
      "mlv-tree: 1 node 1\n\(leafID.hex) 1 3 a",  // no final newline
    ]
    for text in cases {
      let id = try node(text)
      #expect(throws: WorkspaceError.self, "accepted: \(text)") { try TreeReader(store: store).entries(id) }
    }
    // A manifest object where a tree belongs.
    let m = Manifest(entries: []).encode()
    let mid = ObjectID.hash(m)
    try store.makeWriter().put(mid, type: .manifest, bytes: m, compress: false)
    #expect(throws: WorkspaceError.self) { try TreeReader(store: store).entries(mid) }
  }

  @Test func dirPointersAreWrittenAsFormat2AndFormat1StillReads() throws {
    let p = Pointer(kind: .dir, oid: abc, size: 6, files: 2)
    let text = "mlv-pointer: 2\nkind: dir\noid: \(abcHex)\nsize: 6\nfiles: 2\n"
    #expect(String(decoding: p.encode(), as: UTF8.self) == text)
    #expect(try Pointer.decode(Array(text.utf8), file: "d.mlv") == p)
    let v1 = "mlv-pointer: 1\nkind: dir\noid: \(abcHex)\nsize: 6\nfiles: 2\n"
    let old = try Pointer.decode(Array(v1.utf8), file: "d.mlv")
    #expect(old.kind == .dir && !old.isTree)
    #expect(old.encode() == Array(v1.utf8))
    // A file pointer stays format 1; format 2 is for directories only.
    let f2 = "mlv-pointer: 2\nkind: file\noid: \(abcHex)\nsize: 3\n"
    #expect(throws: WorkspaceError.self) { try Pointer.decode(Array(f2.utf8), file: "f.mlv") }
  }
}
