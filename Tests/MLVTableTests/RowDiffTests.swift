import Foundation
import Testing

@testable import MLVTable

@Suite struct RowDiffTests {
  let header = ["id", "name", "price", "qty"]

  /// Old: ids 1...100. New: 3 and 4 deleted, 101...103 added, 10 (price) and 20 (name,
  /// qty) modified, and the rows shuffled (order must not matter).
  func editedPair(_ dir: TempDir) throws -> (String, String) {
    let old = baseRows()
    var new = old.filter { $0[0] != "3" && $0[0] != "4" }
    for i in 0..<new.count {
      if new[i][0] == "10" { new[i][2] = "999.00" }
      if new[i][0] == "20" {
        new[i][1] = "renamed-item"
        new[i][3] = "42"
      }
    }
    new += (101...103).map { ["\($0)", "item\($0)", "1.00", "1"] }
    new.reverse()
    return (try dir.write("old.csv", csv(header, old)), try dir.write("new.csv", csv(header, new)))
  }

  @Test func keyedCountsAndChangedColumns() throws {
    let dir = try TempDir()
    let (old, new) = try editedPair(dir)
    let r = try #require(
      try TableDiff.compare(old: old, new: new, displayPath: "t.csv", options: .init(keyColumns: ["id"])))
    #expect(r.rows.added == 3)
    #expect(r.rows.removed == 2)
    #expect(r.rows.modified == 2)
    #expect(r.rows.unchanged == 96)
    #expect(r.rows.old == 100 && r.rows.new == 101)
    let mods = Dictionary(uniqueKeysWithValues: r.rows.samples.modified.map { ($0.key["id"] ?? "", $0) })
    #expect(mods["10"]?.changes == [CellChange(column: "price", old: "15.00", new: "999.00")])
    #expect(mods["20"]?.changes.map { $0.column } == ["name", "qty"])
    #expect(Set(r.rows.samples.added.compactMap { $0.values["id"] }) == ["101", "102", "103"])
    #expect(Set(r.rows.samples.removed.compactMap { $0.values["id"] }) == ["3", "4"])
    let changed = Dictionary(uniqueKeysWithValues: r.columns.map { ($0.name, $0.changedRows) })
    #expect(changed["price"] == 1 && changed["name"] == 1 && changed["qty"] == 1 && changed["id"] == 0)
  }

  @Test func unkeyedCountsModifiedAsRemovedPlusAdded() throws {
    let dir = try TempDir()
    let (old, new) = try editedPair(dir)
    let r = try #require(try TableDiff.compare(old: old, new: new, displayPath: "t.csv", options: .init()))
    #expect(r.rows.added == 5)
    #expect(r.rows.removed == 4)
    #expect(r.rows.modified == 0)
    #expect(r.rows.unchanged == 96)
  }

  @Test func duplicateRowsCountAsAMultiset() throws {
    let dir = try TempDir()
    let old = try dir.write("a.csv", csv(["x", "y"], [["1", "a"], ["1", "a"], ["2", "b"]]))
    let new = try dir.write("b.csv", csv(["x", "y"], [["1", "a"], ["2", "b"], ["2", "b"], ["2", "b"]]))
    let r = try #require(try TableDiff.compare(old: old, new: new, displayPath: "t", options: .init()))
    #expect(r.rows.removed == 1)
    #expect(r.rows.added == 2)
  }

  @Test func sampleLimitBoundsSamplesButNotCounts() throws {
    let dir = try TempDir()
    let old = try dir.write("a.csv", csv(["k", "v"], (0..<50).map { ["\($0)", "a"] }))
    let new = try dir.write("b.csv", csv(["k", "v"], (0..<50).map { ["\($0)", "b"] }))
    let r = try #require(
      try TableDiff.compare(old: old, new: new, displayPath: "t", options: .init(keyColumns: ["k"], sampleLimit: 3)))
    #expect(r.rows.modified == 50)
    #expect(r.rows.samples.modified.count == 3)
    // Samples are the first rows in file order.
    #expect(r.rows.samples.modified.map { $0.key["k"] } == ["0", "1", "2"])
  }

  @Test func missingKeyColumnIsAnError() throws {
    let dir = try TempDir()
    let (old, new) = try editedPair(dir)
    #expect(throws: TableError.self) {
      _ = try TableDiff.compare(old: old, new: new, displayPath: "t", options: .init(keyColumns: ["nope"]))
    }
  }

  @Test func addedColumnDoesNotMarkEveryRowModified() throws {
    let dir = try TempDir()
    let old = try dir.write("a.csv", csv(["k", "v"], (0..<20).map { ["\($0)", "a\($0)"] }))
    let new = try dir.write("b.csv", csv(["k", "v", "w"], (0..<20).map { ["\($0)", "a\($0)", "\($0 * 2)"] }))
    let r = try #require(try TableDiff.compare(old: old, new: new, displayPath: "t", options: .init(keyColumns: ["k"])))
    #expect(r.rows.modified == 0)
    #expect(r.schema.added == ["w"])
  }
}

@Suite struct EdgeCaseTests {
  @Test func emptyOldVersionMakesEveryRowAdded() throws {
    let dir = try TempDir()
    let old = try dir.write("a.csv", "")
    let new = try dir.write("b.csv", csv(["k", "v"], [["1", "a"], ["2", "b"]]))
    let r = try #require(try TableDiff.compare(old: old, new: new, displayPath: "t", options: .init()))
    #expect(r.rows.added == 2 && r.rows.removed == 0 && r.rows.old == 0)
    #expect(r.schema.added == ["k", "v"])
    let headerOnly = try dir.write("c.csv", "k,v\n")
    let r2 = try #require(
      try TableDiff.compare(old: new, new: headerOnly, displayPath: "t", options: .init(keyColumns: ["k"])))
    #expect(r2.rows.removed == 2 && r2.rows.new == 0)
    #expect(r2.schema.added.isEmpty && r2.schema.removed.isEmpty)
  }

  @Test func manyRepeatedKeysAreMatchedByOccurrence() throws {
    let dir = try TempDir()
    let rows = (0..<20_000).map { ["", "\($0)"] }
    let old = try dir.write("a.csv", csv(["k", "v"], rows))
    var changed = rows
    changed[7][1] = "x"
    let new = try dir.write("b.csv", csv(["k", "v"], changed))
    let r = try #require(try TableDiff.compare(old: old, new: new, displayPath: "t", options: .init(keyColumns: ["k"])))
    #expect(r.rows.duplicateKeys == 2 * 19_999)
    #expect(r.rows.modified == 1 && r.rows.added == 0 && r.rows.removed == 0)
  }
}

@Suite struct MissingSideTests {
  @Test func missingOldOrNewVersionIsAnEmptyTable() throws {
    let dir = try TempDir()
    let p = try dir.write("t.tsv", csv(["k", "v"], [["1", "a"], ["2", "b"], ["3", "c"]], delimiter: "\t"))
    let gone = dir.url.appendingPathComponent("gone.tsv").path
    let added = try #require(
      try TableDiff.compare(old: gone, new: p, displayPath: "t.tsv", options: .init(keyColumns: ["k"])))
    #expect(added.rows.added == 3 && added.rows.old == 0 && added.format == "tsv")
    let deleted = try #require(try TableDiff.compare(old: p, new: gone, displayPath: "t.tsv", options: .init()))
    #expect(deleted.rows.removed == 3 && deleted.schema.removed == ["k", "v"])
    #expect(throws: TableError.self) {
      _ = try TableDiff.compare(old: gone, new: gone, displayPath: "x", options: .init())
    }
  }
}

/// A memory budget too small for the row tables spills row identities to hash
/// partitions; the report must be identical to the in-memory one, and the partition
/// files must be gone afterwards, also when the diff fails.
@Suite struct PartitionedDiffTests {
  func files(in dir: TempDir) throws -> (String, String) {
    var rows = baseRows()
    var rng = LCG(state: 99)
    let a = try dir.write("a.csv", csv(["id", "name", "price", "qty"], rows))
    for i in stride(from: 0, to: rows.count, by: 9) { rows[i][2] = String(format: "%.2f", rng.next() * 100) }
    rows.remove(at: 50)
    rows += (101...130).map { ["\($0)", "new\($0)", "1.00", "1"] }
    rows.append(rows[3])  // a duplicate key and a duplicate row
    let b = try dir.write("b.csv", csv(["id", "name", "price", "qty"], rows))
    return (a, b)
  }

  @Test func partitionedMatchesInMemoryKeyedAndWholeRow() throws {
    let dir = try TempDir()
    let (a, b) = try files(in: dir)
    let spill = dir.url.appendingPathComponent("spill").path
    try FileManager.default.createDirectory(atPath: spill, withIntermediateDirectories: true)
    #expect(TableDiff.partitionCount(rows: 260, budget: 1000) > 1)
    for keys in [["id"], []] {
      let memory = try #require(try TableDiff.compare(old: a, new: b, displayPath: "t.csv", options: .init(keyColumns: keys)))
      let parted = try #require(
        try TableDiff.compare(
          old: a, new: b, displayPath: "t.csv",
          options: .init(keyColumns: keys, memoryBudget: 1000, temporaryDirectory: spill)))
      #expect(parted == memory, "keys \(keys)")
      #expect(memory.rows.added > 0 && memory.rows.removed > 0)
      #expect(try FileManager.default.contentsOfDirectory(atPath: spill).isEmpty)
    }
    // An error in one scan (a ragged row) still removes the partitions.
    let bad = try dir.write("bad.csv", "id,name,price,qty\n1,a,1,1\n2,b\n")
    #expect(throws: TableError.self) {
      try TableDiff.compare(old: a, new: bad, displayPath: "t.csv", options: .init(memoryBudget: 1000, temporaryDirectory: spill))
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: spill).isEmpty)
  }
}
