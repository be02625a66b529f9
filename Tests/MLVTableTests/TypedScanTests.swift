import Foundation
import Testing

@testable import MLVTable

/// The Parquet scan reads a column at a time and takes shortcuts the row-by-row scan of
/// other formats does not (DOUBLE values kept as numbers beside their text, see
/// `TextColumn.doubles`). These tests pin it against the plain text path: the same file
/// scanned through a wrapper that hides the `ParquetReader` (so `TableScanner` takes its
/// row-by-row branch and classifies every cell's text) must give the same statistics,
/// content hashes and row table, keyed and unkeyed.
@Suite(.enabled(if: ParquetFixtures.available, ParquetFixtures.skipReason))
struct TypedScanTests {
  /// A ParquetReader seen only as a RecordReader.
  final class RowByRow: RecordReader {
    let inner: ParquetReader
    init(_ inner: ParquetReader) { self.inner = inner }
    var columns: [String] { inner.columns }
    var fieldCount: Int { inner.fieldCount }
    var recordLine: Int { inner.recordLine }
    var recordOffset: Int64 { inner.recordOffset }
    func next() throws -> Bool { try inner.next() }
    func field(_ i: Int) -> UnsafeBufferPointer<UInt8> { inner.field(i) }
    func record(at offset: Int64) throws -> [String?] { try inner.record(at: offset) }
  }

  /// Every statistic the report shows, as sorted-key JSON (a NaN mean compares equal too).
  static func statsText(_ a: ColumnAccumulator) -> String {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys]
    e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return (try? e.encode(ColumnAnalysis.stats(a, topLimit: 1000))).map { String(decoding: $0, as: UTF8.self) } ?? "unencodable"
  }

  /// Compares the two scans of `path`; returns how many DOUBLE columns had their values
  /// as numbers (so a test can check the shortcut was taken at all).
  @discardableResult
  static func checkBothWays(_ path: String, key: [String]) throws -> Int {
    let identity = RowIdentity(keyColumns: key, hashedColumns: nil)
    let columnWise = try TableScanner.scan(try ParquetReader(path: path), identity: identity, expectedRows: 0)
    let rowWise = try TableScanner.scan(RowByRow(try ParquetReader(path: path)), identity: identity, expectedRows: 0)
    let name = (path as NSString).lastPathComponent
    #expect(columnWise.columns == rowWise.columns, "\(name)")
    #expect(columnWise.rows == rowWise.rows, "\(name)")
    #expect(columnWise.duplicateKeys == rowWise.duplicateKeys, "\(name)")
    for (i, c) in columnWise.columns.enumerated() where i < rowWise.accumulators.count {
      let a = columnWise.accumulators[i]
      let b = rowWise.accumulators[i]
      let (sa, sb) = (statsText(a), statsText(b))
      #expect(sa == sb, "\(name) column \(c): statistics differ")
      #expect(a.contentHash == b.contentHash, "\(name) column \(c)")
      #expect(a.mean.bitPattern == b.mean.bitPattern && a.m2.bitPattern == b.m2.bitPattern, "\(name) column \(c)")
      #expect(a.sketch.levels == b.sketch.levels && a.timeSketch.levels == b.timeSketch.levels, "\(name) column \(c)")
    }
    let t = columnWise.table
    let u = rowWise.table
    #expect(t.keys == u.keys && t.aux == u.aux && t.offsets == u.offsets, "\(name): row tables differ")
    // Offsets are row numbers in both scans, so the re-read finds the same rows.
    let p = try ParquetReader(path: path)
    var typed = 0
    for g in 0..<p.groupCount {
      for o in p.columns.indices where try p.column(o, ofGroup: g).completeDoubles != nil { typed += 1 }
    }
    return typed
  }

  @Test func everyFlatFixtureScansAlikeColumnWiseAndRowByRow() throws {
    let dir = try TempDir()
    let names = try ParquetFixtures.generate(in: dir.url.path, rows: 600)
    var typed = 0
    for name in names {
      let path = dir.url.path + "/" + name
      typed += try Self.checkBothWays(path, key: [])
      try Self.checkBothWays(path, key: ["id"])
    }
    // The f64 column of the fixtures with a dictionary or PLAIN pages takes the shortcut.
    #expect(typed > 0)
  }

  @Test func everyNestedFixtureScansAlikeColumnWiseAndRowByRow() throws {
    let dir = try TempDir()
    let names = try NestedParquetTests.generate(in: dir.url.path, rows: 300)
    for name in names {
      try Self.checkBothWays(dir.url.path + "/" + name, key: [])
    }
  }

  /// The diff's own paths over damaged files: the page-at-a-time scan and the batched
  /// re-read end in a TableError naming the file (and, for a damaged page, the column),
  /// or read; never a crash.
  @Test func damagedFilesFailByNameInTheScanAndTheReRead() throws {
    let dir = try TempDir()
    _ = try ParquetFixtures.generate(in: dir.url.path, rows: 300)
    let identity = RowIdentity(keyColumns: ["id"], hashedColumns: nil)
    var named = 0
    for codec in ["zstd", "lz4", "brotli", "gzip", "snappy"] {
      let bad = try ParquetFixtures.damagedTextColumn(in: dir, codec: codec)
      do {
        _ = try TableScanner.scan(try ParquetReader(path: bad), identity: identity, expectedRows: 0)
      } catch let e as TableError {
        named += 1
        #expect(e.description.contains(bad) && e.description.contains("'text'"), "\(e.description)")
      }
    }
    #expect(named >= 4)

    let good = try [UInt8](Data(contentsOf: dir.url.appendingPathComponent("t_snappy_dict_v1.parquet")))
    var rng = LCG(state: 7)
    var failed = 0
    for round in 0..<300 {
      var b = good
      for _ in 0..<(1 + Int(rng.next() * 4)) {
        let at = rng.next() < 0.3 ? good.count - 1 - Int(rng.next() * 1500) : Int(rng.next() * Double(good.count))
        b[max(0, at)] ^= UInt8(1 + Int(rng.next() * 255))
      }
      let p = try dir.writeBytes("flip\(round % 2).parquet", b)
      do {
        _ = try TableScanner.scan(try ParquetReader(path: p), identity: identity, expectedRows: 0)
        _ = try ParquetReader(path: p).records(at: [0, 5, 150, 299, 10_000])
      } catch let e as TableError {
        #expect(e.description.contains(p))
        failed += 1
      }
    }
    #expect(failed > 0)
  }

  /// A DOUBLE column of awkward values (signed zeros, subnormals, the extremes, 17-digit
  /// values, integers beyond 2^53, NaN and infinities) as PLAIN and dictionary pages.
  @Test func awkwardDoublesScanAlike() throws {
    let dir = try TempDir()
    let script = """
      import sys, math, struct, random
      import pyarrow as pa, pyarrow.parquet as pq
      random.seed(13)
      special = [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308,
                 1e16, 1e22, 1e23, 123456789012345678.0, 0.1, 1/3, -2.5e-7, float("nan"), float("inf"), float("-inf"), None]
      vals = special + [struct.unpack("<d", struct.pack("<Q", random.getrandbits(64)))[0] for _ in range(3000)]
      vals += [random.gauss(50, 15) for _ in range(3000)]
      ids = list(range(len(vals)))
      t = pa.table({"id": pa.array(ids, pa.int64()), "x": pa.array(vals, pa.float64())})
      pq.write_table(t, sys.argv[1] + "/plain.parquet", use_dictionary=False, data_page_size=4096)
      pq.write_table(t, sys.argv[1] + "/dict.parquet", use_dictionary=True, row_group_size=1000)
      """
    let scriptPath = try dir.write("gen.py", script)
    #expect(try ParquetFixtures.run([scriptPath, dir.url.path]) == 0)
    for name in ["plain.parquet", "dict.parquet"] {
      #expect(try Self.checkBothWays(dir.url.path + "/" + name, key: ["id"]) > 0, "\(name)")
    }
  }
}

@Suite struct TypedValueTests {
  /// `add(_:hash:double:)` against `add(_:hash:)` on the text `Double.description` gives,
  /// for random bit patterns (every exponent) and the special values.
  @Test func doubleShortcutMatchesParsingItsText() {
    var rng = SplitMix64(state: 42)
    var values: [Double] = [0, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .leastNormalMagnitude, 1e16, 1e23, 0.1, .nan, .infinity, -.infinity]
    for _ in 0..<20000 { values.append(Double(bitPattern: rng.next())) }
    for _ in 0..<5000 { values.append(Double(Int64(bitPattern: rng.next()) >> 10) / 1000) }
    var typed = ColumnAccumulator()
    var text = ColumnAccumulator()
    for v in values {
      var s = v.description
      s.withUTF8 { f in
        let h = f.count > 0 ? fnv1a(f.baseAddress!, f.count) : 0
        typed.add(f, hash: h, double: v)
        text.add(f, hash: h)
      }
    }
    #expect(typed.rows == text.rows && typed.nulls == text.nulls && typed.strings == text.strings)
    #expect(typed.integers == text.integers && typed.floats == text.floats && typed.n == text.n)
    #expect(typed.mean.bitPattern == text.mean.bitPattern && typed.m2.bitPattern == text.m2.bitPattern)
    #expect(typed.minValue == text.minValue && typed.maxValue == text.maxValue)
    #expect(typed.sketch.levels == text.sketch.levels)
    #expect(typed.contentHash == text.contentHash && typed.distinct.value == text.distinct.value)
    #expect(typed.minText == text.minText && typed.maxText == text.maxText)
  }

  /// Misra–Gries and the exact phase of TopCounter, against counting every value.
  @Test func topCounterCountsExactlyThenFindsHeavyHitters() {
    var exact = TopCounter(exactLimit: 50, capacity: 8)
    var rng = SplitMix64(state: 7)
    var truth: [String: Int] = [:]
    for _ in 0..<5000 {
      let s = "v\(rng.next() % 40)"
      truth[s, default: 0] += 1
      var t = s
      t.withUTF8 { exact.add(mix(fnv1a($0.baseAddress!, $0.count)), $0, numericSoFar: false) }
    }
    #expect(exact.exact)
    #expect(exact.countsByText() == truth)
    let want = truth.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(5)
    #expect(exact.top(5).map { $0.0 } == want.map { $0.key })

    // One value in a third of 30 000 rows, the rest (long ones too) nearly all distinct.
    var mg = TopCounter(exactLimit: 50, capacity: 8)
    for i in 0..<30000 {
      var t = i % 3 == 0 ? "heavy" : "x\(rng.next())" + (i % 7 == 0 ? String(repeating: "é", count: 40) : "")
      t.withUTF8 { mg.add(mix(fnv1a($0.baseAddress!, $0.count)), $0, numericSoFar: false) }
    }
    #expect(!mg.exact)
    #expect(mg.entries.count <= 8)
    let top = mg.top(1)
    #expect(top.first?.0 == "heavy")
    // Misra–Gries undercounts by at most n / (capacity + 1).
    #expect((top.first?.1 ?? 0) >= 10000 - 30000 / 9)
    // A long value is shown cut, as shortText cuts it.
    for e in mg.entries { #expect(e.text.count <= 61) }
  }
}

@Suite struct SnappyStreamTests {
  /// Random element streams (short and long literals, copies of every tag type with
  /// offsets below, at and above 8 and overlapping their own output, elements ending
  /// flush with the buffer) decode to what byte-by-byte semantics give; a stream cut
  /// short or claiming more output is refused.
  @Test func randomStreamsDecodeAsTheFormatSays() throws {
    var rng = SplitMix64(state: 99)
    func varint(_ v: Int) -> [UInt8] {
      var out: [UInt8] = []
      var x = v
      while x >= 0x80 {
        out.append(UInt8(x & 0x7f) | 0x80)
        x >>= 7
      }
      out.append(UInt8(x))
      return out
    }
    for round in 0..<300 {
      var want: [UInt8] = []
      var body: [UInt8] = []
      let elements = 1 + Int(rng.next() % 60)
      for e in 0..<elements {
        if want.isEmpty || rng.next() % 3 == 0 {
          let len = 1 + Int(rng.next() % (rng.next() % 4 == 0 ? 200 : 20))
          let bytes = (0..<len).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
          if len <= 60 {
            body.append(UInt8((len - 1) << 2))
          } else {
            body += [60 << 2, UInt8(len - 1)]
          }
          body += bytes
          want += bytes
        } else {
          let offset = 1 + Int(rng.next() % UInt64(min(want.count, rng.next() % 2 == 0 ? 12 : 3000)))
          var len = 1 + Int(rng.next() % 64)
          switch (e + round) % 3 {
          case 0 where offset < 2048:
            len = 4 + Int(rng.next() % 8)
            body += [UInt8(1 | (len - 4) << 2 | (offset >> 8) << 5), UInt8(offset & 255)]
          case 1:
            body += [UInt8(2 | (len - 1) << 2), UInt8(offset & 255), UInt8(offset >> 8)]
          default:
            body += [UInt8(3 | (len - 1) << 2), UInt8(offset & 255), UInt8(offset >> 8), 0, 0]
          }
          for _ in 0..<len { want.append(want[want.count - offset]) }
        }
      }
      let stream = varint(want.count) + body
      let got = try stream.withUnsafeBufferPointer { try Snappy.decompress($0, expected: want.count) }
      #expect(got == want, "round \(round)")
      let cut = Array(stream.dropLast())
      #expect(throws: Snappy.Failure.self) { try cut.withUnsafeBufferPointer { try Snappy.decompress($0) } }
      let longer = varint(want.count + 1) + body
      #expect(throws: Snappy.Failure.self) { try longer.withUnsafeBufferPointer { try Snappy.decompress($0) } }
    }
  }
}

@Suite struct PairHashTests {
  /// `fnv1a2` is `fnv1a` of each range, for every pair of lengths up to 40 (either
  /// longer, equal, one empty).
  @Test func pairHashIsTwoSingleHashes() {
    var rng = SplitMix64(state: 5)
    let bytes = (0..<80).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    bytes.withUnsafeBufferPointer { b in
      guard let p = b.baseAddress else { return }
      for n in 0...40 {
        for m in 0...40 {
          let (x, y) = fnv1a2(p, n, p + 40, m)
          #expect(x == fnv1a(p, n) && y == fnv1a(p + 40, m), "lengths \(n), \(m)")
        }
      }
    }
  }
}

@Suite struct FloatTextTests {
  /// `putFloatText` writes `description`'s text for every Double and Float bit pattern
  /// class: random patterns (NaNs of both signs and payloads, subnormals, infinities).
  @Test func floatTextIsDescription() throws {
    var rng = SplitMix64(state: 11)
    var doubles: [Double] = [0, -0.0, .nan, -.nan, .signalingNaN, .infinity, -.infinity, .leastNonzeroMagnitude, 1e16, 1e23]
    for _ in 0..<50000 { doubles.append(Double(bitPattern: rng.next())) }
    let col = TextColumn()
    for v in doubles {
      try col.putFloatText(v)
      col.endRow()
    }
    for (i, v) in doubles.enumerated() {
      #expect(ByteText.render(col.field(i)) == v.description, "\(v.bitPattern)")
    }
    var floats: [Float] = [0, -0.0, .nan, .signalingNaN, .infinity, 1e-45, 0.1]
    for _ in 0..<50000 { floats.append(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))) }
    let fc = TextColumn()
    for v in floats {
      try fc.putFloatText(v)
      fc.endRow()
    }
    for (i, v) in floats.enumerated() {
      #expect(ByteText.render(fc.field(i)) == v.description, "\(v.bitPattern)")
    }
  }
}
