import Foundation
import Testing

/// Parquet fixtures written at test time by pyarrow (installed by `scripts/setup.sh
/// --test`), each with a JSON file of the cells mlv should read from it, rendered by
/// the rules in docs/table-diff.md ("Parquet"). Python is only a test tool.
enum ParquetFixtures {
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

  written = []
  for codec in ["none", "snappy", "gzip"]:
      for dictionary in [True, False]:
          for version in ["1.0", "2.0"]:
              name = "t_%s_%s_v%s.parquet" % (codec, "dict" if dictionary else "plain", version[0])
              pq.write_table(table, out + "/" + name, compression=codec, use_dictionary=dictionary,
                             data_page_version=version, row_group_size=max(1, n // 3), data_page_size=4096)
              written.append(name)
  pq.write_table(table, out + "/zstd.parquet", compression="zstd")
  pq.write_table(table, out + "/int96.parquet", use_deprecated_int96_timestamps=True)
  with open(out + "/names.txt", "w") as f:
      f.write("\n".join(written))
  """#
}
