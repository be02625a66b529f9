import Foundation
import Testing

@testable import MLVTable

/// Nested Parquet (structs, lists, maps, lists of structs, lists of lists, structs
/// holding lists) written by pyarrow with every codec, page version and dictionary
/// setting, with page indexes and statistics; mlv must read what pyarrow reads back,
/// rendered by the rules of docs/table-diff.md (structs flattened to dotted columns,
/// lists and maps as canonical JSON).
@Suite(.enabled(if: ParquetFixtures.available, ParquetFixtures.skipReason))
struct NestedParquetTests {
  static let script = #"""
  import json, sys
  import pyarrow as pa, pyarrow.parquet as pq

  out, n = sys.argv[1], int(sys.argv[2])
  def opt(i, v, every=7):
      return None if i % every == 3 else v
  ids = list(range(n))
  def lst(i):
      if i % 11 == 5: return None
      if i % 11 == 6: return []
      return [None if (i + j) % 5 == 0 else i * 10 + j for j in range(i % 4)]
  cols = {
      "id": pa.array(ids, pa.int64()),
      "s": pa.array([opt(i, {"a": opt(i, i, 5), "b": "s%d" % (i % 9), "inner": opt(i, {"x": i * 0.5}, 4)}) for i in ids],
                    pa.struct([("a", pa.int32()), ("b", pa.string()), ("inner", pa.struct([("x", pa.float64())]))])),
      "l": pa.array([lst(i) for i in ids], pa.list_(pa.int64())),
      "ls": pa.array([opt(i, [{"k": "k%d\"\n" % j, "v": opt(j, j * i, 3)} for j in range(i % 3)]) for i in ids],
                     pa.list_(pa.struct([("k", pa.string()), ("v", pa.int32())]))),
      "m": pa.array([opt(i, [("z%d" % j, opt(j, i + j, 2)) for j in range(i % 4)][::-1]) for i in ids],
                    pa.map_(pa.string(), pa.int32())),
      "ll": pa.array([opt(i, [[("é" if (i + j) % 2 else "x") * j for j in range(k)] for k in range(i % 3)]) for i in ids],
                     pa.list_(pa.list_(pa.string()))),
      "sl": pa.array([{"tags": opt(i, ["t%d" % (i % 3)] * (i % 3)), "n": i} for i in ids],
                     pa.struct([("tags", pa.list_(pa.string())), ("n", pa.int16())])),
      "f": pa.array([opt(i, i * 0.25) for i in ids], pa.float32()),
  }
  table = pa.table(cols)

  def jleaf(t, v):
      if v is None: return "null"
      if pa.types.is_boolean(t): return "true" if v else "false"
      if pa.types.is_integer(t): return str(v)
      if pa.types.is_floating(t): return repr(float(v))
      return json.dumps(str(v), ensure_ascii=False)
  def js(t, v):
      if v is None: return "null"
      if pa.types.is_map(t):
          pairs = []
          for k, x in v:
              key = js(t.key_type, k)
              if not key.startswith('"'): key = json.dumps(key)
              pairs.append((key.encode(), js(t.item_type, x)))
          pairs.sort(key=lambda p: p[0])
          return "{" + ",".join(k.decode() + ":" + x for k, x in pairs) + "}"
      if pa.types.is_list(t):
          return "[" + ",".join(js(t.value_type, x) for x in v) + "]"
      if pa.types.is_struct(t):
          return "{" + ",".join(json.dumps(f.name, ensure_ascii=False) + ":" + js(f.type, v[f.name]) for f in t) + "}"
      return jleaf(t, v)
  def flat(v, t):
      if v is None: return ""
      if pa.types.is_floating(t): return repr(float(v))
      if pa.types.is_integer(t): return str(v)
      return str(v)

  written = []
  for codec in ["none", "snappy", "zstd", "gzip"]:
      for dictionary in [True, False]:
          for version in ["1.0", "2.0"]:
              name = "n_%s_%s_v%s.parquet" % (codec, "dict" if dictionary else "plain", version[0])
              pq.write_table(table, out + "/" + name, compression=codec, use_dictionary=dictionary,
                             data_page_version=version, row_group_size=max(1, n // 3), data_page_size=1024,
                             write_page_index=True, write_statistics=True)
              written.append(name)
  for name in written:
      back = pq.read_table(out + "/" + name)
      while any(pa.types.is_struct(f.type) for f in back.schema):
          back = back.flatten()
      cols = []
      for i, f in enumerate(back.schema):
          vals = back.column(i).to_pylist()
          if pa.types.is_list(f.type) or pa.types.is_map(f.type):
              cols.append([js(f.type, v) for v in vals])
          else:
              cols.append([flat(v, f.type) for v in vals])
      with open(out + "/" + name + ".json", "w") as fh:
          json.dump({"columns": back.column_names, "rows": [list(r) for r in zip(*cols)]}, fh, ensure_ascii=False)
  with open(out + "/names.txt", "w") as fh:
      fh.write("\n".join(written))
  """#

  static func generate(in dir: String, rows: Int) throws -> [String] {
    let path = dir + "/nested.py"
    try script.write(toFile: path, atomically: true, encoding: .utf8)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", path, dir, String(rows)]
    let err = Pipe()
    p.standardError = err
    try p.run()
    let msg = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw ParquetFixtures.FixtureError(message: msg) }
    return try String(contentsOfFile: dir + "/names.txt", encoding: .utf8).split(separator: "\n").map(String.init)
  }

  @Test func structsListsAndMapsReadAsPyarrowReadsThem() throws {
    let dir = try TempDir()
    let names = try Self.generate(in: dir.url.path, rows: 400)
    #expect(names.count == 16)
    for name in names {
      let want = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: dir.url.appendingPathComponent(name + ".json")))
      let got = try readAll(dir.url.path + "/" + name)
      #expect(got.columns == want.columns, "\(name)")
      #expect(got.rows.count == want.rows.count, "\(name)")
      var shown = 0
      for (i, (g, w)) in zip(got.rows, want.rows).enumerated() where g != w && shown < 3 {
        Issue.record("\(name) row \(i): got \(g), want \(w)")
        shown += 1
      }
    }
  }

  @Test func aChangedListElementIsAModifiedRow() throws {
    let dir = try TempDir()
    let script = """
      import pyarrow as pa, pyarrow.parquet as pq, sys
      d = sys.argv[1]
      ids = list(range(50))
      pq.write_table(pa.table({"id": ids, "l": [[i, i + 1] for i in ids]}), d + "/a.parquet")
      pq.write_table(pa.table({"id": ids, "l": [[i, i + (2 if i == 7 else 1)] for i in ids]}), d + "/b.parquet")
      """
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script, dir.url.path]
    try p.run()
    p.waitUntilExit()
    let r = try #require(
      try TableDiff.compare(
        old: dir.url.path + "/a.parquet", new: dir.url.path + "/b.parquet", displayPath: "t.parquet",
        options: .init(keyColumns: ["id"])))
    #expect(r.rows.modified == 1 && r.rows.added == 0 && r.rows.removed == 0)
    #expect(r.columns.map(\.name) == ["id", "l"])
  }

  @Test func damagedNestedFilesFailByName() throws {
    let dir = try TempDir()
    _ = try Self.generate(in: dir.url.path, rows: 120)
    let good = try [UInt8](Data(contentsOf: dir.url.appendingPathComponent("n_snappy_plain_v1.parquet")))
    var rng = LCG(state: 7)
    var failed = 0
    for _ in 0..<200 {
      var b = good
      let at = 4 + Int(rng.next() * Double(good.count - 12))
      b[at] ^= UInt8(1 + Int(rng.next() * 255))
      let p = try dir.writeBytes("bad.parquet", b)
      do {
        _ = try readAll(p)
      } catch let e as TableError {
        #expect(e.description.contains(p))
        failed += 1
      }
    }
    #expect(failed > 0)
  }
}
