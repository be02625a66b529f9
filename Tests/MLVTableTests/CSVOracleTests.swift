import Foundation
import Testing

@testable import MLVTable

/// Python's csv module is the oracle for how a CSV reads: generated edge cases (quoted
/// newlines, stray quotes, text after a closing quote, BOM, LF/CRLF/CR line ends, bytes
/// that are not UTF-8, `,` `;` `|` and tab delimiters) are parsed by both, record by
/// record. Python is only a test tool here.
@Suite(.enabled(if: CSVOracle.available, "python3 is not installed"))
struct CSVOracleTests {
  @Test func generatedEdgeCasesReadAsPythonReadsThem() throws {
    let dir = try TempDir()
    var rng = LCG(state: 2026)
    let delimiters: [UInt8] = [",", ";", "|", "\t"].map { UInt8(ascii: $0) }
    var files: [(path: String, delimiter: UInt8)] = []
    for n in 0..<48 {
      let d = delimiters[n % delimiters.count]
      let bytes = CSVOracle.generate(&rng, delimiter: d, columns: 2 + n % 4, rows: 5 + n % 17, bom: n % 5 == 0)
      files.append((try dir.writeBytes("f\(n).csv", bytes), d))
    }
    let want = try CSVOracle.python(files)
    for (i, f) in files.enumerated() {
      // The sniffer finds the delimiter the file was written with.
      #expect(try TableFormat.detect(path: f.path) == .delimited(delimiter: f.delimiter), "\(f.path)")
      let r = try DelimitedReader(path: f.path, delimiter: f.delimiter)
      var got = [r.columns]
      while try r.next() { got.append(r.currentValues().map { $0 ?? "" }) }
      #expect(got == want[i], "\(f.path)")
    }
  }

  @Test func hardCasesOneByOne() throws {
    let dir = try TempDir()
    let cases: [[UInt8]] = [
      Array("a,b\r\n\"x\r\ny\",1\r2,\"3\"\"\"\n".utf8),
      Array("\u{FEFF}name,v\nann,1\n".utf8),
      Array("a,b\n\"ab\"c\"d\",e\nx\"y,\"\"\n".utf8),
      [UInt8]("k,v\n1,caf".utf8) + [0xe9] + [UInt8]("\n2,".utf8) + [0xff, 0xfe, 0x41, 0xc3] + [UInt8]("\n".utf8),
      Array("a;b\n\"1;2\";3\n4;\"5\n6\"\n".utf8),
    ]
    var files: [(path: String, delimiter: UInt8)] = []
    for (i, c) in cases.enumerated() {
      files.append((try dir.writeBytes("h\(i).csv", c), i == 4 ? UInt8(ascii: ";") : UInt8(ascii: ",")))
    }
    let want = try CSVOracle.python(files)
    for (i, f) in files.enumerated() {
      let r = try DelimitedReader(path: f.path, delimiter: f.delimiter)
      var got = [r.columns]
      while try r.next() { got.append(r.currentValues().map { $0 ?? "" }) }
      #expect(got == want[i], "case \(i)")
    }
    // Invalid bytes are kept and shown escaped, never replaced or dropped.
    #expect(want[3][1] == ["1", "caf\\xe9"] && want[3][2] == ["2", "\\xff\\xfeA\\xc3"])
  }

  @Test func aFileThatStopsBeingATableIsReportedNotFileDiffed() throws {
    let dir = try TempDir()
    let table = try dir.write("old.csv", "a,b\n1,\"two\nlines\"\n3,4\n")
    let binary = try dir.writeBytes("new.csv", [0x50, 0x4b, 0x03, 0x04, 0, 0, 1, 2, 3])
    do {
      _ = try TableDiff.compare(old: table, new: binary, displayPath: "data.csv", options: .init())
      Issue.record("no error for a table that became binary")
    } catch let e as TableError {
      #expect(e == .formatMismatch(old: "csv", new: TableFormat.notATable))
    }
    // A quoted newline no longer makes an extensionless CSV look like prose.
    let plain = try dir.write("data", "a,b\n1,\"two\nlines\"\n3,4\n")
    #expect(try TableFormat.detect(path: plain) == .delimited(delimiter: UInt8(ascii: ",")))
    #expect(try TableDiff.compare(old: binary, new: binary, displayPath: "blob.csv", options: .init()) == nil)
  }
}

enum CSVOracle {
  static let available: Bool = {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", "import csv"]
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
  }()

  /// Fields of any kind Python and mlv must agree on; every record has `columns` fields.
  static func generate(_ rng: inout LCG, delimiter d: UInt8, columns: Int, rows: Int, bom: Bool) -> [UInt8] {
    let ends: [[UInt8]] = [[0x0a], [0x0d, 0x0a], [0x0d]]
    let end = ends[Int(rng.next() * 3)]
    let plain: [[UInt8]] = ["a", "7", "-1.5", " ", "x\"y", "é", "z"].map { Array($0.utf8) } + [[0xe9], [0xff, 0x80]]
    let quoted: [[UInt8]] = [",", ";", "|", "\t", "\n", "\r\n", "\r", "\"\"", "q", "ü", " "].map { Array($0.utf8) } + [[0xc3]]
    var out: [UInt8] = bom ? [0xEF, 0xBB, 0xBF] : []
    for r in 0...rows {
      for c in 0..<columns {
        if c > 0 { out.append(d) }
        let kind = rng.next()
        if kind < 0.45 {
          out.append(0x22)
          for _ in 0..<Int(rng.next() * 5) { out += quoted[Int(rng.next() * Double(quoted.count))] }
          out.append(0x22)
          // Text after the closing quote (kept by Python when not strict).
          if rng.next() < 0.1 { out += Array("t\"u".utf8) }
        } else if kind < 0.9 || r == 0 {
          // A header field must not be empty, or the record could be blank.
          let n = r == 0 ? 1 + Int(rng.next() * 3) : Int(rng.next() * 4)
          var field: [UInt8] = []
          for _ in 0..<n { field += plain[Int(rng.next() * Double(plain.count))] }
          if field.first == 0x22 { field.insert(UInt8(ascii: "a"), at: 0) }
          out += field
        }
      }
      out += end
    }
    return out
  }

  /// Records as Python's csv module reads each file (blank records dropped, as pandas
  /// and mlv do; bytes that are not UTF-8 rendered `\xNN`).
  static func python(_ files: [(path: String, delimiter: UInt8)]) throws -> [[[String]]] {
    let script = #"""
      import csv, io, json, re, sys
      out = []
      for arg in sys.argv[1:]:
          path, d = arg.rsplit(":", 1)
          with open(path, "rb") as f:
              text = io.TextIOWrapper(f, encoding="utf-8-sig", errors="surrogateescape", newline="")
              rows = [r for r in csv.reader(text, delimiter=chr(int(d))) if r]
          esc = lambda s: re.sub("[\udc80-\udcff]", lambda m: "\\x%02x" % (ord(m.group()) - 0xdc00), s)
          out.append([[esc(v) for v in r] for r in rows])
      sys.stdout.write(json.dumps(out))
      """#
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script] + files.map { "\($0.path):\($0.delimiter)" }
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return try JSONDecoder().decode([[[String]]].self, from: data)
  }
}
