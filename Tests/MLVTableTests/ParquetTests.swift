import Foundation
import Testing

@testable import MLVTable
import CLZ4

/// Every cell of a Parquet file as mlv reads it ("" for null), by streaming and by re-reading rows.
func readAll(_ path: String) throws -> (columns: [String], rows: [[String]]) {
  let r = try ParquetReader(path: path)
  var rows: [[String]] = []
  while try r.next() {
    #expect(r.recordOffset == Int64(rows.count) && r.recordLine == rows.count + 1)
    rows.append(r.currentValues().map { $0 ?? "" })
  }
  return (r.columns, rows)
}

struct Expected: Decodable {
  let columns: [String]
  let rows: [[String]]
}

@Suite(.enabled(if: ParquetFixtures.available, ParquetFixtures.skipReason))
struct ParquetFixtureTests {
  /// Cell-by-cell comparison; floats compare as numbers (Swift and Python spell some differently).
  func compare(_ got: (columns: [String], rows: [[String]]), _ want: Expected, _ name: String) {
    #expect(got.columns == want.columns, "\(name)")
    #expect(got.rows.count == want.rows.count, "\(name)")
    var mismatches = 0
    for (i, (g, w)) in zip(got.rows, want.rows).enumerated() {
      for (j, c) in want.columns.enumerated() where j < g.count {
        var same = g[j] == w[j]
        if c == "f16" && !w[j].isEmpty {
          // pyarrow hands out the exact binary value; mlv prints the shortest text that
          // reads back as the same half.
          same = Float(g[j]).map(Float16Text.bits) == Float(w[j]).map(Float16Text.bits)
        } else if c.hasPrefix("f") && !w[j].isEmpty {
          same = Double(g[j]) == Double(w[j])
        }
        if !same && mismatches < 5 {
          Issue.record("\(name) row \(i) column \(c): got '\(g[j])', want '\(w[j])'")
          mismatches += 1
        }
      }
    }
  }

  @Test func everyCodecEncodingAndPageVersionReadsWhatPyarrowReads() throws {
    let dir = try TempDir()
    let names = try ParquetFixtures.generate(in: dir.url.path)
    #expect(names.count == 24 + 12 + 1)
    for name in names {
      let want = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: dir.url.appendingPathComponent(name + ".json")))
      compare(try readAll(dir.url.path + "/" + name), want, name)
    }
  }

  @Test func recordAtReReadsARowInAnyRowGroup() throws {
    let dir = try TempDir()
    _ = try ParquetFixtures.generate(in: dir.url.path)
    let want = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: dir.url.appendingPathComponent("expected.json")))
    let r = try ParquetReader(path: dir.url.path + "/t_snappy_dict_v2.parquet")
    for row in [999, 0, 400, 401, 333, 334, 998] {
      #expect(try r.record(at: Int64(row)).map { $0 ?? "" } == want.rows[row], "row \(row)")
    }
    #expect(try r.record(at: 1000) == [])
  }

  /// The batched re-read of the diff (column at a time, unrequested plain values stepped
  /// over) gives what `record(at:)` gives, for every codec, encoding and nesting covered.
  @Test func batchedReReadMatchesRecordAt() throws {
    let dir = try TempDir()
    let names = try ParquetFixtures.generate(in: dir.url.path)
    for name in names {
      let path = dir.url.path + "/" + name
      let n = try ParquetReader(path: path).declaredRows
      let rows: [Int64] = [n - 1, 0, 400, 401, 333, 334, n - 2, 0, n, -1]
      let got = try ParquetReader(path: path).records(at: rows)
      let one = try ParquetReader(path: path)
      for row in rows where row >= 0 && row < n {
        let want = try one.record(at: row)
        #expect(got[row] == want, "\(name) row \(row)")
      }
      #expect(got[n] == nil && got[-1] == nil, "\(name)")
    }
  }

  /// A damaged page in any codec is an error naming the file and the column.
  @Test func damagedPageNamesTheFileAndTheColumn() throws {
    let dir = try TempDir()
    _ = try ParquetFixtures.generate(in: dir.url.path, rows: 300)
    var failed = 0
    for codec in ["zstd", "lz4", "brotli", "gzip", "snappy"] {
      let bad = try ParquetFixtures.damagedTextColumn(in: dir, codec: codec)
      do {
        _ = try readAll(bad)
      } catch let e as TableError {
        failed += 1
        #expect(e.description.contains(bad) && e.description.contains("'text'"), "\(e.description)")
      }
    }
    #expect(failed >= 4)
  }

  @Test func diffOfTwoParquetVersionsAndMismatchWithCSV() throws {
    let dir = try TempDir()
    _ = try ParquetFixtures.generate(in: dir.url.path, rows: 300)
    let a = dir.url.path + "/t_snappy_dict_v1.parquet"
    let b = dir.url.path + "/t_gzip_plain_v2.parquet"
    let r = try #require(try TableDiff.compare(old: a, new: b, displayPath: "t.parquet", options: .init(keyColumns: ["id"])))
    #expect(r.format == "parquet")
    #expect(r.rows.old == 300 && r.rows.new == 300 && r.rows.added == 0 && r.rows.modified == 0)
    let types = Dictionary(uniqueKeysWithValues: r.columns.map { ($0.name, $0.type) })
    #expect(types["id"] == .integer && types["f64"] == .float && types["flag"] == .boolean)
    #expect(types["day"] == .date && types["ts_us"] == .datetime && types["dec"] == .float)
    let csvPath = try dir.write("t.csv", "id\n1\n")
    #expect(throws: TableError.formatMismatch(old: "parquet", new: "csv")) {
      try TableDiff.compare(old: a, new: csvPath, displayPath: "t", options: .init())
    }
    #expect(try TableFormat.detect(path: a) == .parquet)
    #expect(TableFormat.hasTableExtension("x/y.PARQUET"))
  }

  /// Damaged files must end in a TableError (or read), never crash, hang or blow up.
  @Test func truncatedAndBitFlippedFilesNeverCrash() throws {
    let dir = try TempDir()
    _ = try ParquetFixtures.generate(in: dir.url.path, rows: 200)
    let good = try [UInt8](Data(contentsOf: dir.url.appendingPathComponent("t_snappy_dict_v1.parquet")))
    var outcomes = (read: 0, failed: 0)
    func attempt(_ bytes: [UInt8]) throws {
      let p = try dir.writeBytes("bad.parquet", bytes)
      do {
        let r = try ParquetReader(path: p)
        while try r.next() { _ = r.currentValues() }
        outcomes.read += 1
      } catch let e as TableError {
        #expect(e.description.contains(p))
        outcomes.failed += 1
      }
    }
    var cuts = Array(stride(from: 1, to: good.count, by: max(1, good.count / 150)))
    cuts += (1...40).map { good.count - $0 }
    for n in cuts { try attempt(Array(good[..<n])) }
    #expect(outcomes.failed == cuts.count)  // every truncation loses the footer
    var rng = LCG(state: 42)
    for _ in 0..<400 {
      var b = good
      for _ in 0..<(1 + Int(rng.next() * 4)) {
        // Half the flips land in the footer, where the structure is.
        let at = rng.next() < 0.5 ? good.count - 1 - Int(rng.next() * 1500) : Int(rng.next() * Double(good.count))
        b[max(0, at)] ^= UInt8(1 + Int(rng.next() * 255))
      }
      try attempt(b)
    }
    #expect(outcomes.failed > cuts.count)
  }
}

@Suite struct ParquetUnitTests {
  func page(_ bytes: [UInt8], codec: Int, size: Int) throws -> [UInt8] {
    return try bytes.withUnsafeBufferPointer { try PageCodec.decompress($0, codec: codec, size: size) }
  }

  func lz4Block(_ data: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: Int(LZ4_compressBound(Int32(data.count))))
    let n = data.withUnsafeBufferPointer { s in
      out.withUnsafeMutableBufferPointer { d in
        s.baseAddress!.withMemoryRebound(to: CChar.self, capacity: data.count) { sp in
          d.baseAddress!.withMemoryRebound(to: CChar.self, capacity: d.count) { dp in
            LZ4_compress_default(sp, dp, Int32(data.count), Int32(d.count))
          }
        }
      }
    }
    return Array(out[..<Int(n)])
  }

  func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }

  @Test func lz4HadoopFramingRawFallbackAndLimits() throws {
    let a = [UInt8](String(repeating: "hadoop lz4 frame ", count: 50).utf8)
    let b = [UInt8](String(repeating: "second block ", count: 30).utf8)
    let framed = be32(a.count) + be32(lz4Block(a).count) + lz4Block(a) + be32(b.count) + be32(lz4Block(b).count) + lz4Block(b)
    #expect(try page(framed, codec: 5, size: a.count + b.count) == a + b)
    // Legacy LZ4 that is really a raw block (old parquet-cpp) falls back.
    #expect(try page(lz4Block(a), codec: 5, size: a.count) == a)
    #expect(try page(lz4Block(a), codec: 7, size: a.count) == a)
    // Wrong sizes, damaged blocks and impossible claims are errors, not allocations.
    #expect(throws: PageCodec.Failure.self) { try page(lz4Block(a), codec: 7, size: a.count + 1) }
    #expect(throws: PageCodec.Failure.self) { try page(Array(lz4Block(a).dropLast(3)), codec: 5, size: a.count) }
    #expect(throws: PageCodec.Failure.self) { try page([0x10, 0x41], codec: 7, size: 1 << 29) }
    #expect(throws: PageCodec.Failure.self) { try page([], codec: 6, size: PageCodec.maxPageBytes + 1) }
    #expect(throws: PageCodec.Failure.self) { try page([1, 2, 3], codec: 0, size: 4) }
    #expect(throws: PageCodec.Failure.self) { try page([1, 2, 3], codec: 3, size: 3) }  // LZO
  }

  @Test func gzipConcatenatedMembersZstdAndBrotliFromPython() throws {
    // Python's gzip/zlib are the reference encoders (Python is a test tool only).
    let script = """
      import gzip, sys, zlib
      a, b = b"first member " * 40, b"second member " * 25
      sys.stdout.write((gzip.compress(a) + gzip.compress(b) + gzip.compress(b"")).hex() + "\\n")
      sys.stdout.write(gzip.compress(a).hex() + "\\n")
      """
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script]
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    let lines = text.split(separator: "\n").map { line in
      stride(from: 0, to: line.count, by: 2).map { i -> UInt8 in
        let s = line.index(line.startIndex, offsetBy: i)
        return UInt8(line[s...line.index(after: s)], radix: 16)!
      }
    }
    try #require(lines.count == 2)
    let a = [UInt8](String(repeating: "first member ", count: 40).utf8)
    let b = [UInt8](String(repeating: "second member ", count: 25).utf8)
    #expect(try page(lines[0], codec: 2, size: a.count + b.count) == a + b)
    #expect(try page(lines[1], codec: 2, size: a.count) == a)
    #expect(throws: PageCodec.Failure.self) { try page(lines[1], codec: 2, size: a.count - 1) }
    #expect(throws: PageCodec.Failure.self) { try page(lines[1], codec: 2, size: a.count + 1) }
    #expect(throws: PageCodec.Failure.self) { try page(Array(lines[1].dropLast(12)), codec: 2, size: a.count) }
    #expect(throws: PageCodec.Failure.self) { try page([0x28, 0xb5, 0x2f, 0xfd, 0, 0], codec: 6, size: 10) }
    #expect(throws: PageCodec.Failure.self) { try page([0xff, 0xff, 0xff], codec: 4, size: 10) }
  }

  func delta(_ bytes: [UInt8], limit: Int = 1000) throws -> [Int64] {
    return try bytes.withUnsafeBufferPointer { b in
      var d = DeltaBinaryPacked(b)
      return try d.decode(limit: limit)
    }
  }

  @Test func deltaBinaryPackedSpecExamplesAndLies() throws {
    // encodings.md example 1: 1..5 (block 128, 4 miniblocks, 5 values, first 1, min
    // delta 1, widths 0).
    #expect(try delta([0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0, 0, 0, 0]) == [1, 2, 3, 4, 5])
    // Example 2: 7 5 3 1 2 3 4 5: min delta -2, deltas-min 0 0 0 3 3 3 3 at width 2.
    let packed: [UInt8] = [0x80, 0x01, 0x04, 0x08, 0x0e, 0x03, 0x02, 0, 0, 0, 0xc0, 0x3f] + [UInt8](repeating: 0, count: 6)
    #expect(try delta(packed) == [7, 5, 3, 1, 2, 3, 4, 5])
    #expect(throws: DeltaBinaryPacked.Failure.self) { try delta([0x80, 0x01, 0x04, 0x05, 0x02], limit: 4) }  // more values than room
    #expect(throws: DeltaBinaryPacked.Failure.self) { try delta([0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 65, 0, 0, 0]) }
    #expect(throws: DeltaBinaryPacked.Failure.self) { try delta([0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 8]) }
    #expect(throws: DeltaBinaryPacked.Failure.self) { try delta([0x07, 0x04, 0x05, 0x02]) }  // block not a multiple of 128
  }

  @Test func float16TextIsShortestAndReadsBack() {
    #expect(Float16Text.render(0x3c00) == "1.0" && Float16Text.render(0x2e66) == "0.1")
    #expect(Float16Text.render(0xc000) == "-2.0" && Float16Text.render(0x7c00) == "inf")
    #expect(Float16Text.render(0x0001) == "6e-08" && Float16Text.render(0x7bff) == "6.55e+04")
    for b in stride(from: 0, to: 0x7c00, by: 37) {
      let bits = UInt16(b)
      #expect(Float(Float16Text.render(bits)).map(Float16Text.bits) == bits)
    }
  }

  func snappy(_ bytes: [UInt8], expected: Int? = nil) throws -> [UInt8] {
    return try bytes.withUnsafeBufferPointer { try Snappy.decompress($0, expected: expected) }
  }

  @Test func snappyLiteralsAndCopies() throws {
    // "abc" literal, then a 1-byte-offset copy of 8 from 3 back: overlaps its own output.
    #expect(try snappy([11, 0x08, 97, 98, 99, 0x11, 3]) == Array("abcabcabcab".utf8))
    // 2-byte-offset copy (len 4, offset 2) and a 4-byte-offset copy (len 2, offset 1).
    #expect(try snappy([8, 0x04, 120, 121, 0x0e, 2, 0, 0x07, 1, 0, 0, 0]) == Array("xyxyxyyy".utf8))
    // A 61-byte literal needs the one-byte length extension (tag 60 << 2).
    let lit = [UInt8](repeating: 65, count: 61)
    #expect(try snappy([61, 60 << 2, 60] + lit) == lit)
    #expect(try snappy([0]) == [])
  }

  @Test func snappyRejectsBadInput() {
    #expect(throws: Snappy.Failure.self) { try snappy([5, 0x11, 3]) }  // copy before any output
    #expect(throws: Snappy.Failure.self) { try snappy([4, 0x04, 97, 0x11, 0]) }  // offset 0
    #expect(throws: Snappy.Failure.self) { try snappy([3, 0x08, 97, 98]) }  // literal truncated
    #expect(throws: Snappy.Failure.self) { try snappy([9, 0x08, 97, 98, 99]) }  // ends early
    #expect(throws: Snappy.Failure.self) { try snappy([3, 0x08, 97, 98, 99, 0x11, 3]) }  // past declared end
    #expect(throws: Snappy.Failure.self) { try snappy([3, 0x08, 97, 98, 99], expected: 4) }
    #expect(throws: Snappy.Failure.self) { try snappy([0xff, 0xff, 0xff, 0xff, 0x0f, 0]) }  // 4 GiB claim
  }

  func rle(_ bytes: [UInt8], width: Int, count: Int) throws -> [UInt32] {
    var out: [UInt32] = []
    try bytes.withUnsafeBufferPointer { b in
      var d = try RLEHybridDecoder(b, bitWidth: width)
      try d.decode(count, into: &out)
    }
    return out
  }

  @Test func rleHybridBitPackedAndRuns() throws {
    // The spec's example: 0...7 bit-packed at width 3, then a run of five 4s.
    #expect(try rle([0x03, 0x88, 0xC6, 0xFA, 0x0A, 0x04], width: 3, count: 13) == [0, 1, 2, 3, 4, 5, 6, 7, 4, 4, 4, 4, 4])
    // Only the values asked for are produced, even from a huge run.
    #expect(try rle([0xfe, 0xff, 0xff, 0xff, 0x0f, 0x01], width: 1, count: 3) == [1, 1, 1])
    #expect(try rle([0x02, 0x2c, 0x01], width: 9, count: 1) == [300])
    #expect(try rle([0x03], width: 0, count: 8) == [UInt32](repeating: 0, count: 8))
    #expect(throws: RLEHybridDecoder.Failure.self) { try rle([0x03, 0x88], width: 3, count: 8) }
    #expect(throws: RLEHybridDecoder.Failure.self) { try rle([0x0A], width: 3, count: 5) }
    #expect(throws: RLEHybridDecoder.Failure.self) { try rle([0x02, 0x05], width: 2, count: 1) }  // value wider than 2 bits
    #expect(throws: RLEHybridDecoder.Failure.self) { try rle([], width: 33, count: 1) }
  }

  func thrift(_ bytes: [UInt8]) throws -> ThriftStruct {
    return try bytes.withUnsafeBufferPointer { b in
      var r = ThriftReader(b)
      return try r.readStruct()
    }
  }

  @Test func thriftVarintsZigzagAndStructs() throws {
    #expect(ThriftReader.zigzag(0) == 0 && ThriftReader.zigzag(1) == -1 && ThriftReader.zigzag(2) == 1)
    #expect(ThriftReader.zigzag(3) == -2 && ThriftReader.zigzag(UInt64.max) == Int64.min)
    let v = try [UInt8]([0xAC, 0x02]).withUnsafeBufferPointer { b -> UInt64 in
      var r = ThriftReader(b)
      return try r.varint()
    }
    #expect(v == 300)
    // i32 field 1 = 42 (zigzag 84), string field 2 = "abc", field 10 (long form, id 10
    // zigzag 20) = i64 -3, list field 11 of two i32s.
    let s = try thrift([0x15, 0x54, 0x18, 3, 97, 98, 99, 0x06, 20, 5, 0x19, 0x25, 2, 4, 0x00])
    #expect(s.int(1) == 42 && s.string(2) == "abc" && s.int(10) == -3)
    if case .list(let items)? = s.fields[11] { #expect(items.count == 2) } else { Issue.record("no list") }
  }

  @Test func thriftRejectsLiesAndDeepNesting() {
    #expect(throws: ThriftError.self) { try thrift([0x18, 100, 97]) }  // string past the end
    #expect(throws: ThriftError.self) { try thrift([0x19, 0xf5, 0xe8, 0x07, 2]) }  // list of 1000 in 1 byte
    #expect(throws: ThriftError.self) { try thrift([UInt8](repeating: 0x1c, count: 100)) }  // nesting
    #expect(throws: ThriftError.self) { try thrift([0x15]) }  // truncated
    #expect(throws: ThriftError.self) { try thrift([0x1d]) }  // unknown type 13
  }
}
