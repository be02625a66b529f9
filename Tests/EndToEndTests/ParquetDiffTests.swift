import Foundation
import Testing

/// Whether pyarrow (installed by `scripts/setup.sh --test`) can write the fixtures.
private let pyarrowAvailable: Bool = {
  (try? exec("python3", ["-c", "import pyarrow"], cwd: "/").code) == 0
}()

/// `mlv diff` of two committed versions of a Parquet table, through the binary.
@Suite(.enabled(if: pyarrowAvailable, "pyarrow is not installed (scripts/setup.sh --test installs it)"))
struct ParquetDiffTests {
  /// v1: ids 0..<1000 (id, score, group). v2 deletes ids 10..<20, changes `score` of
  /// 100..<105, adds 5000..<5007 and a `weight` column; written as snappy, several row groups.
  @Test func keyedDiffOfTwoParquetVersions() throws {
    let repo = try Repo()
    let script = """
      import sys, pyarrow as pa, pyarrow.parquet as pq
      out, version = sys.argv[1], sys.argv[2]
      ids = [i for i in range(1000) if version == "1" or not 10 <= i < 20]
      if version == "2": ids += list(range(5000, 5007))
      score = [99.5 if version == "2" and 100 <= i < 105 else (i % 97) / 10 for i in ids]
      cols = {"id": pa.array(ids, pa.int64()), "score": score, "group": [["a", "b", "c"][i % 3] for i in ids]}
      if version == "2": cols["weight"] = pa.array([i % 5 for i in ids], pa.int32())
      pq.write_table(pa.table(cols), out, compression="snappy", row_group_size=256)
      """
    let gen = repo.path + "/../gen-\(UUID().uuidString).py"
    try script.write(toFile: gen, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: gen) }
    let tmp = repo.path + "/../v-\(UUID().uuidString).parquet"
    defer { try? FileManager.default.removeItem(atPath: tmp) }
    func write(_ version: String) throws {
      let r = try exec("python3", [gen, tmp, version], cwd: repo.path)
      #expect(r.code == 0, "\(r.stderr)")
      try repo.write("data/train.parquet", [UInt8](try Data(contentsOf: URL(fileURLWithPath: tmp))))
    }
    try write("1")
    try repo.mlvOK("add", "data")
    try repo.mlvOK("commit", "-m", "v1")
    try write("2")
    try repo.mlvOK("commit", "-m", "v2")

    let r = try repo.mlvOK("diff", "HEAD~1", "HEAD", "--key", "id", "--json")
    let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    let table = try #require((doc["tables"] as? [[String: Any]])?.first)
    #expect(table["format"] as? String == "parquet")
    let rows = table["rows"] as! [String: Any]
    #expect(rows["added"] as? Int == 7)
    #expect(rows["removed"] as? Int == 10)
    #expect(rows["modified"] as? Int == 5)
    let schema = table["schema"] as! [String: Any]
    #expect(schema["added"] as? [String] == ["weight"])
    #expect((schema["removed"] as? [String])?.isEmpty == true)
    let columns = table["columns"] as! [[String: Any]]
    let score = columns.first { $0["name"] as? String == "score" }
    #expect(score?["changedRows"] as? Int == 5)
    #expect(score?["type"] as? String == "float")
  }
}
