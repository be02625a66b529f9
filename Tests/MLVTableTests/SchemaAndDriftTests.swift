import Foundation
import Testing

@testable import MLVTable

@Suite struct SchemaAndDriftTests {
  @Test func schemaChangesAreDetected() throws {
    let dir = try TempDir()
    var rng = LCG(state: 1)
    var oldRows: [[String]] = []
    var newRows: [[String]] = []
    for i in 0..<300 {
      let a = String(format: "%.4f", rng.next())
      let b = "b\(i % 5)"
      let d = "\(i % 13)"
      oldRows.append(["\(i)", a, b, d, "2024-01-\(String(format: "%02d", i % 28 + 1))"])
      // a renamed to alpha (same values), b removed, d becomes float, e added.
      newRows.append(["\(i)", a, "\(i % 13).5", "2024-01-\(String(format: "%02d", i % 28 + 1))", "e\(i % 3)"])
    }
    let old = try dir.write("a.csv", csv(["id", "a", "b", "d", "when"], oldRows))
    let new = try dir.write("b.csv", csv(["id", "alpha", "d", "when", "e"], newRows))
    let r = try #require(
      try TableDiff.compare(old: old, new: new, displayPath: "t", options: .init(keyColumns: ["id"])))
    #expect(r.schema.added == ["e"])
    #expect(r.schema.removed == ["b"])
    #expect(r.schema.renamed == [ColumnRename(from: "a", to: "alpha")])
    #expect(r.schema.typeChanges == [TypeChange(column: "d", from: .integer, to: .float)])
    let types = Dictionary(uniqueKeysWithValues: r.columns.map { ($0.name, $0.type) })
    #expect(types["when"] == .date)
    #expect(types["e"] == .string)
    #expect(r.columns.first { $0.name == "alpha" }?.status == "renamed")
    #expect(r.columns.first { $0.name == "b" }?.status == "removed")
  }

  @Test func renameBySamePositionTypeAndStats() throws {
    let dir = try TempDir()
    var rng = LCG(state: 9)
    // Values differ slightly (different draws, same distribution) so the hash differs.
    let old = try dir.write(
      "a.csv", csv(["k", "temp"], (0..<500).map { ["\($0)", String(format: "%.3f", rng.normal())] }))
    let new = try dir.write(
      "b.csv", csv(["k", "temperature"], (0..<500).map { ["\($0)", String(format: "%.3f", rng.normal() * 0.001)] }))
    let r = try #require(try TableDiff.compare(old: old, new: new, displayPath: "t", options: .init()))
    // The spread collapsed, so stats are not similar: no rename claimed.
    #expect(r.schema.renamed.isEmpty)
    let new2 = try dir.write(
      "c.csv", csv(["k", "temperature"], (0..<500).map { ["\($0)", String(format: "%.3f", rng.normal())] }))
    let r2 = try #require(try TableDiff.compare(old: old, new: new2, displayPath: "t", options: .init()))
    #expect(r2.schema.renamed == [ColumnRename(from: "temp", to: "temperature")])
  }

  @Test func typeInferenceAndNulls() throws {
    let dir = try TempDir()
    let rows = [
      ["1", "1.5", "true", "2024-03-01T10:00:00Z", "x", ""],
      ["2", "NaN", "false", "2024-03-02 11:30", "y", "NA"],
      ["", "2", "TRUE", "2024-03-03T00:00:00.123+02:00", "3", "null"],
    ]
    let p = try dir.write("a.csv", csv(["i", "f", "b", "dt", "s", "n"], rows))
    let r = try #require(try TableDiff.compare(old: p, new: p, displayPath: "t", options: .init()))
    let types = r.columns.map { $0.type }
    #expect(types == [.integer, .float, .boolean, .datetime, .string, .empty])
    let f = try #require(r.columns[1].stats.new)
    #expect(f.nulls == 1 && f.count == 3)
    #expect(f.mean == 1.75)
    #expect(r.columns[5].stats.new?.nulls == 3)
    #expect(r.rows.added == 0 && r.rows.removed == 0 && r.drifted == false)
  }

  @Test func shiftedColumnDriftsUnchangedColumnsDoNot() throws {
    let dir = try TempDir()
    var rng = LCG(state: 42)
    var oldRows: [[String]] = []
    var newRows: [[String]] = []
    for i in 0..<5000 {
      let stable = String(format: "%.4f", rng.normal())
      let cat = ["a", "b", "c", "d"][i % 4]
      oldRows.append(["\(i)", stable, String(format: "%.4f", rng.normal()), cat, "c\(i % 4)"])
      let skewed = i % 10 == 0 ? "b" : "a"
      newRows.append([
        "\(i)", stable, String(format: "%.4f", rng.normal() + 1.5), cat, "c\(i % 4)" == "c0" ? "c0" : skewed,
      ])
    }
    let header = ["id", "stable", "shifted", "cat", "skew"]
    let old = try dir.write("a.csv", csv(header, oldRows))
    let new = try dir.write("b.csv", csv(header, newRows))
    let r = try #require(
      try TableDiff.compare(old: old, new: new, displayPath: "t", options: .init(keyColumns: ["id"])))
    let drift = Dictionary(uniqueKeysWithValues: r.columns.map { ($0.name, $0.drift) })
    let shifted = try #require(drift["shifted"] ?? nil)
    #expect(shifted.drifted)
    #expect((shifted.psi ?? 0) > 0.2)
    #expect((shifted.ks ?? 0) > 0.4 && (shifted.ksPValue ?? 1) < 1e-6)
    let stable = try #require(drift["stable"] ?? nil)
    #expect(!stable.drifted)
    #expect((stable.psi ?? 1) < 1e-6 && (stable.ks ?? 1) == 0)
    #expect(drift["cat"]??.drifted == false)
    #expect(drift["cat"]??.jsDistance == 0)
    #expect(drift["skew"]??.drifted == true)
    #expect(drift["skew"]??.kind == "categorical")
    #expect(r.drifted)
    #expect(r.driftedColumns == ["shifted", "skew"])
    // Thresholds are configurable: a very lax PSI and KS rule stops the flag.
    var lax = TableDiffOptions(keyColumns: ["id"])
    lax.thresholds = DriftThresholds(psi: 100, ksPValue: 0, ksStatistic: 1, jsDistance: 1)
    let r2 = try #require(try TableDiff.compare(old: old, new: new, displayPath: "t", options: lax))
    // Only a changed set of categories still flags: a label that appeared or vanished
    // is drift whatever the distance (the skewed column lost c1..c3 and gained a, b).
    #expect(r2.driftedColumns == ["skew"])
    let skew = try #require(r2.columns.first { $0.name == "skew" }?.drift)
    #expect(skew.newCategories == ["a", "b"] && skew.vanishedCategories == ["c1", "c2", "c3"])
    #expect(r2.columns.first { $0.name == "cat" }?.drift?.drifted == false)
  }

  @Test func driftMathKnownValues() {
    // JS distance of disjoint distributions is 1 (base 2); identical ones 0.
    #expect(abs(DriftMath.jsDistance([1, 0], [0, 1]) - 1) < 1e-12)
    #expect(DriftMath.jsDistance([3, 5], [6, 10]) == 0)
    // Chi-square: Q(1/2, x/2) for 1 dof at x = 3.841 is 0.05.
    #expect(abs(DriftMath.gammaQ(0.5, 3.841 / 2) - 0.05) < 1e-3)
    // Kolmogorov distribution: Q(1.36) ≈ 0.049.
    #expect(abs(DriftMath.kolmogorovQ(1.36) - 0.0494) < 1e-3)
    #expect(abs(DriftMath.logGamma(5) - log(24)) < 1e-10)
  }

  @Test func sketchQuantilesAreCloseOnLargeInput() {
    var s = QuantileSketch(k: 256)
    // 200k values in a scrambled order.
    for i in 0..<200_000 { s.add(Double((i &* 7919) % 200_000)) }
    let w = s.weightedItems()
    #expect(w.total == 200_000)
    for q in [0.01, 0.25, 0.5, 0.75, 0.99] {
      let v = w.quantile(q) ?? -1
      #expect(abs(v / 200_000 - q) < 0.02)
    }
    var h = HyperLogLog()
    for i in 0..<100_000 { h.add(mix(UInt64(i))) }
    #expect(abs(Double(h.estimate) - 100_000) < 3_000)
  }
}

@Suite struct TemporalTests {
  @Test func epochSecondsOfISOValues() {
    func t(_ s: String) -> Double? {
      var s = s
      return s.withUTF8 { isoEpochSeconds($0) }
    }
    #expect(t("1970-01-01") == 0)
    #expect(t("2000-03-01") == 951_868_800)
    #expect(t("2024-02-29T12:30:15Z") == 1_709_209_815)
    #expect(t("2024-02-29T14:30:15+02:00") == 1_709_209_815)
    #expect(t("2024-02-29 12:30") == 1_709_209_800)
  }

  @Test func shiftedDatesDrift() throws {
    let dir = try TempDir()
    func rows(_ year: Int) -> [[String]] {
      (0..<400).map { ["\($0)", String(format: "%04d-%02d-%02d", year, $0 % 12 + 1, $0 % 28 + 1)] }
    }
    let old = try dir.write("a.csv", csv(["k", "day"], rows(2020)))
    let same = try dir.write("b.csv", csv(["k", "day"], rows(2020)))
    let later = try dir.write("c.csv", csv(["k", "day"], rows(2023)))
    let r1 = try #require(try TableDiff.compare(old: old, new: same, displayPath: "t", options: .init()))
    let r2 = try #require(try TableDiff.compare(old: old, new: later, displayPath: "t", options: .init()))
    #expect(r1.columns[1].drift?.kind == "temporal" && r1.columns[1].drift?.drifted == false)
    #expect(r2.columns[1].drift?.drifted == true && r2.columns[1].drift?.ks == 1)
  }
}

@Suite struct SortTests {
  @Test func sortDoublesMatchesTheStandardLibrary() {
    var rng = LCG(state: 77)
    for n in [0, 1, 5, 127, 128, 1000, 1024, 5000] {
      var a: [Double] = (0..<n).map { i in
        switch i % 5 {
        case 0: return rng.normal() * 1e6
        case 1: return -rng.next()
        case 2: return Double(i % 7)
        case 3: return 0
        default: return rng.next() * 1e-300
        }
      }
      let expected = a.sorted()
      sortDoubles(&a)
      #expect(a == expected, "n = \(n)")
    }
  }
}

@Suite struct BudgetTests {
  @Test func wideTablesGetSmallerPerColumnStructures() {
    let narrow = ColumnBudget(columns: 6)
    #expect(narrow.sketchK == 1024 && narrow.exactDistinct == 100_000 && narrow.exactTop == 1000)
    let wide = ColumnBudget(columns: 5000)
    #expect(wide.sketchK == 128 && wide.exactDistinct == 1000 && wide.exactTop == 100)
    #expect(wide.sketchK % 2 == 0)
  }
}
