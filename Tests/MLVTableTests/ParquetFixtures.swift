import Foundation
import Testing

@testable import MLVTable

/// Parquet fixtures written at test time by pyarrow (installed by `scripts/setup.sh
/// --test`), each with a JSON file of the cells mlv should read from it, rendered by
/// the rules in docs/table-diff.md ("Parquet"). Python is only a test tool.
enum ParquetFixtures {
  /// A copy of the generated `t_<codec>_plain_v1.parquet` with 40 bytes in the middle of
  /// its `text` column overwritten (inside a page's compressed values); returns its path.
  static func damagedTextColumn(in dir: TempDir, codec: String) throws -> String {
    let path = dir.url.path + "/t_\(codec)_plain_v1.parquet"
    var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    let meta = try ParquetReader(path: path).meta
    let i = try #require(meta.columns.firstIndex { $0.name == "text" })
    let chunk = meta.rowGroups[0].chunks[i]
    let mid = Int(chunk.start + chunk.size / 2)
    for k in mid..<(mid + 40) { bytes[k] = 0xff }
    return try dir.writeBytes("bad_\(codec).parquet", bytes)
  }

  static let available: Bool = {
    (try? run(["-c", "import pyarrow"])) == 0
  }()

  static let skipReason: Comment = "pyarrow is not installed (scripts/setup.sh --test installs it)"

  @discardableResult
  static func run(_ args: [String]) throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3"] + args
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    return p.terminationStatus
  }

  /// Writes the fixtures into `dir`; returns the names of the readable ones.
  static func generate(in dir: String, rows: Int = 1000) throws -> [String] {
    let script = dir + "/gen.py"
    try source.write(toFile: script, atomically: true, encoding: .utf8)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", script, dir, String(rows)]
    let err = Pipe()
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    let msg = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw FixtureError(message: msg) }
    let names = try String(contentsOfFile: dir + "/names.txt", encoding: .utf8)
    return names.split(separator: "\n").map(String.init)
  }

  struct FixtureError: Error { let message: String }

  static let source = #"""
  import datetime, decimal, json, sys
  import pyarrow as pa, pyarrow.parquet as pq

  out, n = sys.argv[1], int(sys.argv[2])
  EPOCH = datetime.datetime(1970, 1, 1)

  def ts(v, digits, utc):
      if v is None: return ""
      per = 10 ** digits
      s, f = divmod(v, per)
      t = (EPOCH + datetime.timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%S")
      return t + (".%0*d" % (digits, f) if f else "") + ("Z" if utc else "")

  def dec(d, scale):
      if d is None: return ""
      u = int(d.scaleb(scale))
      sign, m = ("-" if u < 0 else ""), str(abs(u)).rjust(scale + 1, "0")
      return sign + m[:-scale] + "." + m[-scale:]

  def opt(i, v, every=7):
      return None if i % every == 3 else v

  ids = list(range(n))
  cols = {
      "id": pa.array(ids, pa.int64()),
      "i32": pa.array([opt(i, i * 37 - 5000) for i in ids], pa.int32()),
      "u32": pa.array([4_000_000_000 + i for i in ids], pa.uint32()),
      "f64": pa.array([opt(i, i * 0.25 - 3.5, 5) for i in ids], pa.float64()),
      "f32": pa.array([i * 0.5 for i in ids], pa.float32()),
      "flag": pa.array([opt(i, i % 3 == 0) for i in ids], pa.bool_()),
      "name": pa.array([opt(i, ["ann", "bob", "cé", ""][i % 4], 11) for i in ids], pa.string()),
      "text": pa.array(["row %d %s" % (i, "x" * (i % 13)) for i in ids], pa.string()),
      "day": pa.array([opt(i, datetime.date(1969, 12, 1) + datetime.timedelta(days=i)) for i in ids], pa.date32()),
      "ts_ms": pa.array([1_600_000_000_000 + i * 1501 for i in ids], pa.timestamp("ms")),
      "ts_us": pa.array([opt(i, -86_400_000_000 + i * 1_000_000 + (i % 2) * 250) for i in ids], pa.timestamp("us", tz="UTC")),
      "ts_ns": pa.array([1_700_000_000_000_000_000 + i * 123_456_789 for i in ids], pa.timestamp("ns")),
      "dec": pa.array([opt(i, decimal.Decimal(i * 13 - 4000).scaleb(-2)) for i in ids], pa.decimal128(10, 2)),
      "bin": pa.array([bytes([i % 256, 255 - i % 256]) for i in ids], pa.binary()),
  }
  table = pa.table(cols)
  as_int = lambda name: table.column(name).cast(pa.int64()).to_pylist()
  expected_cols = {
      "id": [str(v) for v in ids],
      "i32": ["" if v is None else str(v) for v in table.column("i32").to_pylist()],
      "u32": [str(v) for v in table.column("u32").to_pylist()],
      "f64": ["" if v is None else repr(v) for v in table.column("f64").to_pylist()],
      "f32": [repr(v) for v in table.column("f32").to_pylist()],
      "flag": ["" if v is None else ("true" if v else "false") for v in table.column("flag").to_pylist()],
      "name": ["" if v is None else v for v in table.column("name").to_pylist()],
      "text": table.column("text").to_pylist(),
      "day": ["" if v is None else v.isoformat() for v in table.column("day").to_pylist()],
      "ts_ms": [ts(v, 3, False) for v in as_int("ts_ms")],
      "ts_us": [ts(v, 6, True) for v in as_int("ts_us")],
      "ts_ns": [ts(v, 9, False) for v in as_int("ts_ns")],
      "dec": [dec(v, 2) for v in table.column("dec").to_pylist()],
      "bin": [v.hex() for v in table.column("bin").to_pylist()],
  }
  names = list(cols)
  expected = {"columns": names, "rows": [[expected_cols[c][i] for c in names] for i in ids]}
  with open(out + "/expected.json", "w") as f:
      json.dump(expected, f)

  # INT96 timestamps carry nanoseconds and no time zone.
  ns = lambda name: table.column(name).cast(pa.timestamp("ns")).cast(pa.int64()).to_pylist()
  for c in ["ts_ms", "ts_us", "ts_ns"]:
      expected_cols[c] = [ts(v, 9, False) for v in ns(c)]
  with open(out + "/expected_int96.json", "w") as f:
      json.dump({"columns": names, "rows": [[expected_cols[c][i] for c in names] for i in ids]}, f)

  import numpy as np
  written = []
  def write(name, t, **kw):
      pq.write_table(t, out + "/" + name, **kw)
      written.append(name)

  for codec in ["none", "snappy", "gzip", "zstd", "lz4", "brotli"]:
      for dictionary in [True, False]:
          for version in ["1.0", "2.0"]:
              name = "t_%s_%s_v%s.parquet" % (codec, "dict" if dictionary else "plain", version[0])
              write(name, table, compression=codec, use_dictionary=dictionary,
                    data_page_version=version, row_group_size=max(1, n // 3), data_page_size=4096,
                    write_page_index=(codec == "zstd"))

  # Every non-dictionary encoding pyarrow writes, on every type that allows it.
  enc = {
      "id": "DELTA_BINARY_PACKED", "i32": "DELTA_BINARY_PACKED", "u32": "BYTE_STREAM_SPLIT",
      "f64": "BYTE_STREAM_SPLIT", "f32": "BYTE_STREAM_SPLIT", "name": "DELTA_BYTE_ARRAY",
      "text": "DELTA_LENGTH_BYTE_ARRAY", "day": "DELTA_BINARY_PACKED", "ts_ms": "BYTE_STREAM_SPLIT",
      "ts_us": "DELTA_BINARY_PACKED", "ts_ns": "DELTA_BINARY_PACKED", "dec": "BYTE_STREAM_SPLIT",
      "bin": "DELTA_BYTE_ARRAY",
  }
  extra = table.append_column("f16", pa.array(np.array([(i - 500) / 7 for i in ids], dtype=np.float16)))
  extra = extra.append_column("fixed", pa.array([bytes([i % 7, i % 5, 1]) for i in ids], pa.binary(3)))
  extra = extra.append_column("d32", pa.array([opt(i, decimal.Decimal(i * 7 - 3000).scaleb(-3)) for i in ids], pa.decimal128(9, 3)))
  for version in ["1.0", "2.0"]:
      for codec in ["none", "zstd"]:
          write("enc_%s_v%s.parquet" % (codec, version[0]), extra, use_dictionary=False, compression=codec,
                column_encoding=enc, data_page_version=version, data_page_size=2048, row_group_size=max(1, n // 2))
          write("bss_%s_v%s.parquet" % (codec, version[0]), extra, use_dictionary=False, compression=codec,
                data_page_version=version, column_encoding={"f16": "BYTE_STREAM_SPLIT", "fixed": "BYTE_STREAM_SPLIT",
                "d32": "BYTE_STREAM_SPLIT", "i32": "BYTE_STREAM_SPLIT", "id": "BYTE_STREAM_SPLIT", "bin": "DELTA_LENGTH_BYTE_ARRAY"})
          write("dba_fixed_%s_v%s.parquet" % (codec, version[0]), extra.select(["id", "fixed", "f16"]), use_dictionary=False,
                compression=codec, data_page_version=version, column_encoding={"fixed": "DELTA_BYTE_ARRAY", "f16": "DELTA_BYTE_ARRAY"})
  write("int96.parquet", table, use_deprecated_int96_timestamps=True)

  # The oracle: each file as pyarrow itself reads it back, rendered by type.
  def render(col):
      t = col.type
      if pa.types.is_timestamp(t):
          digits = {"s": 0, "ms": 3, "us": 6, "ns": 9}[t.unit]
          return [ts(v, digits, t.tz is not None) for v in col.cast(pa.int64()).to_pylist()]
      vals = col.to_pylist()
      def one(v):
          if v is None: return ""
          if pa.types.is_boolean(t): return "true" if v else "false"
          if pa.types.is_floating(t): return repr(v)
          if pa.types.is_decimal(t): return dec(v, t.scale)
          if pa.types.is_date(t): return v.isoformat()
          if pa.types.is_binary(t) or pa.types.is_fixed_size_binary(t): return v.hex()
          return str(v)
      return [one(v) for v in vals]
  for name in written:
      back = pq.read_table(out + "/" + name)
      cols = [render(back.column(i)) for i in range(back.num_columns)]
      with open(out + "/" + name + ".json", "w") as f:
          json.dump({"columns": back.column_names, "rows": [list(r) for r in zip(*cols)]}, f)
  with open(out + "/names.txt", "w") as f:
      f.write("\n".join(written))
  """#
}
