import Foundation
import Testing

@testable import MLVTable

@Suite struct ReaderTests {
  @Test func quotedFieldsWithDelimitersNewlinesAndQuotes() throws {
    let dir = try TempDir()
    let old = try dir.write("a.csv", "id,text,n\n1,plain,1\n2,\"a, b\",2\n")
    let new = try dir.write(
      "b.csv", "id,text,n\r\n1,plain,1\r\n2,\"a, b\",2\r\n3,\"line1\nline2 \"\"q\"\", x\",3\r\n4,\"\",4\r\n")
    let r = try #require(
      try TableDiff.compare(old: old, new: new, displayPath: "t", options: .init(keyColumns: ["id"])))
    #expect(r.rows.added == 2 && r.rows.removed == 0 && r.rows.modified == 0)
    let added = r.rows.samples.added.map { $0.values }
    #expect(added.first?["text"] == "line1\nline2 \"q\", x")
    #expect(added.last?["text"] == nil)  // an empty quoted field is null
    #expect(r.columns.first { $0.name == "text" }?.stats.new?.nulls == 1)
  }

  @Test func delimiterIsSniffedFromTheHeader() throws {
    let dir = try TempDir()
    for (d, name) in [(";", "ssv"), ("|", "psv"), ("\t", "tsv")] {
      let p = try dir.write(
        "x\(name).csv", csv(["a", "b", "c"], [["1", "x,y", "3"], ["4", "5", "6"]], delimiter: d))
      let r = try #require(try TableDiff.compare(old: p, new: p, displayPath: "t", options: .init()))
      #expect(r.format == name)
      #expect(r.columns.map { $0.name } == ["a", "b", "c"])
      #expect(r.columns[1].stats.new?.top.first?.value == "5" || r.columns[1].stats.new?.top.first?.value == "x,y")
    }
  }

  @Test func tsvByExtension() throws {
    let dir = try TempDir()
    let old = try dir.write("a.tsv", csv(["k", "v"], [["1", "a b"], ["2", "c"]], delimiter: "\t"))
    let new = try dir.write("b.tsv", csv(["k", "v"], [["1", "a b"], ["2", "d"]], delimiter: "\t"))
    let r = try #require(
      try TableDiff.compare(old: old, new: new, displayPath: "t.tsv", options: .init(keyColumns: ["k"])))
    #expect(r.format == "tsv")
    #expect(r.rows.modified == 1)
    #expect(r.rows.samples.modified.first?.changes == [CellChange(column: "v", old: "c", new: "d")])
  }

  @Test func jsonLinesFlattensNestedObjects() throws {
    let dir = try TempDir()
    let old = try dir.write(
      "a.jsonl",
      """
      {"id": 1, "user": {"name": "ann", "age": 30}, "tags": ["x", "y"], "ok": true}
      {"id": 2, "user": {"name": "bob", "age": 40}, "tags": [], "ok": false}

      """)
    let new = try dir.write(
      "b.ndjson",
      """
      {"id": 1, "user": {"name": "ann", "age": 31}, "tags": ["x", "y"], "ok": true}
      {"id": 3, "user": {"name": "c\\u00e9 \\"q\\"", "age": null}, "ok": null, "extra": 1.5}

      """)
    let r = try #require(
      try TableDiff.compare(old: old, new: new, displayPath: "t", options: .init(keyColumns: ["id"])))
    #expect(r.format == "jsonl")
    #expect(r.rows.added == 1 && r.rows.removed == 1 && r.rows.modified == 1)
    #expect(r.rows.samples.modified.first?.changes == [CellChange(column: "user.age", old: "30", new: "31")])
    #expect(r.rows.samples.added.first?.values["user.name"] == "cé \"q\"")
    #expect(r.rows.samples.removed.first?.values["tags"] == "[]")
    let types = Dictionary(uniqueKeysWithValues: r.columns.map { ($0.name, $0.type) })
    #expect(types["user.age"] == .integer && types["ok"] == .boolean && types["tags"] == .string)
    #expect(r.schema.added == ["extra"])
    #expect(r.columns.first { $0.name == "ok" }?.stats.new?.nulls == 1)
  }

  @Test func contentSniffingWithoutExtension() throws {
    let dir = try TempDir()
    let c = try dir.write("data", csv(["a", "b"], [["1", "2"], ["3", "4"]]))
    let j = try dir.write("events", "{\"a\": 1}\n{\"a\": 2}\n")
    let bin = try dir.writeBytes("blob", [0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 0, 0, 255])
    let prose = try dir.write("README", "This is just a paragraph of text\nwith two lines\n")
    #expect(TableFormat.hasTableExtension("d/x.CSV") && TableFormat.hasTableExtension("e.ndjson"))
    #expect(!TableFormat.hasTableExtension("model.bin") && !TableFormat.hasTableExtension("data"))
    #expect(try TableFormat.detect(path: c) == .delimited(delimiter: UInt8(ascii: ",")))
    #expect(try TableFormat.detect(path: j) == .jsonLines)
    #expect(try TableFormat.detect(path: bin) == nil)
    #expect(try TableFormat.detect(path: prose) == nil)
    #expect(try TableDiff.compare(old: bin, new: bin, displayPath: "blob", options: .init()) == nil)
  }

  func malformedLine(_ text: String) throws -> (Int, String)? {
    let dir = try TempDir()
    let p = try dir.write("bad.csv", text)
    do {
      _ = try TableDiff.compare(old: p, new: p, displayPath: "bad.csv", options: .init())
      return nil
    } catch TableError.malformed(_, let line, let reason) {
      return (line, reason)
    }
  }

  @Test func malformedCSVNamesThePhysicalLine() throws {
    // The record at line 2 spans two physical lines, so the ragged record is on line 5.
    let ragged = try #require(try malformedLine("a,b\n\"x\ny\",1\n2,3\n4,5,6\n"))
    #expect(ragged.0 == 5)
    #expect(ragged.1.contains("expected 2 fields, found 3"))
    let short = try #require(try malformedLine("a,b,c\n1,2,3\n4,5\n"))
    #expect(short.0 == 3)
    let unterminated = try #require(try malformedLine("a,b\n1,2\n3,\"open\nmore\n"))
    #expect(unterminated.0 == 3)
    #expect(unterminated.1.contains("unterminated"))
    // Stray quotes are read leniently, as Python's csv module does (CSVOracleTests).
    #expect(try malformedLine("a,b\n1,2\n3,ab\"c\n") == nil)
    #expect(try malformedLine("a,b\n1,\"x\"y\n") == nil)
    // Errors name the display path, marking the old version.
    let dir = try TempDir()
    let good = try dir.write("good.csv", "a,b\n1,2\n")
    let broken = try dir.write("broken.csv", "a,b\n1,2,3\n")
    #expect(
      throws: TableError.malformed(path: "data/t.csv (old version)", line: 2, reason: "expected 2 fields, found 3")
    ) {
      _ = try TableDiff.compare(old: broken, new: good, displayPath: "data/t.csv", options: .init())
    }
    let bad = TableError.malformed(path: "t.csv", line: 7, reason: "unterminated quoted field")
    #expect(bad.description == "t.csv:7: malformed table: unterminated quoted field")
  }

  @Test func largeRecordsAcrossBufferBoundaries() throws {
    // Fields longer than the 1 MiB window force the reader to grow and re-scan.
    let dir = try TempDir()
    let big = String(repeating: "z", count: 1_500_000)
    var rows: [[String]] = []
    for i in 0..<20_000 { rows.append(["\(i)", "\"q,\(i)\"\"\""]) }
    rows.append(["20000", big])
    let p = try dir.write("big.csv", csv(["k", "v"], rows))
    let r = try #require(try TableDiff.compare(old: p, new: p, displayPath: "t", options: .init(keyColumns: ["k"])))
    #expect(r.rows.old == 20_001 && r.rows.unchanged == 20_001)
    #expect(r.columns[1].stats.new?.distinct == 20_001)
    #expect(r.columns[1].stats.new?.minText == "q,0\"")
  }
}

@Suite struct ByteOrderMarkTests {
  @Test func leadingBOMIsNotPartOfTheFirstColumn() throws {
    let dir = try TempDir()
    let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    let old = try dir.writeBytes("a.csv", bom + Array(csv(["id", "v"], [["1", "a"], ["2", "b"]]).utf8))
    let new = try dir.writeBytes("b", bom + Array(csv(["id", "v"], [["1", "a"], ["2", "c"]]).utf8))
    let r = try #require(
      try TableDiff.compare(old: old, new: new, displayPath: "t", options: .init(keyColumns: ["id"])))
    #expect(r.columns.map { $0.name } == ["id", "v"])
    #expect(r.rows.modified == 1)
    let j = try dir.writeBytes("c", bom + Array("{\"id\": 1}\n".utf8))
    #expect(try TableFormat.detect(path: j) == .jsonLines)
  }
}
