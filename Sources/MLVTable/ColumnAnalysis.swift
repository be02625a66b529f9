import Foundation

/// Turns the two scans' accumulators into schema changes and per-column reports.
enum ColumnAnalysis {
  static let quantileLevels: [(String, Double)] = [
    ("p01", 0.01), ("p05", 0.05), ("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p95", 0.95), ("p99", 0.99),
  ]

  static func stats(_ a: ColumnAccumulator, topLimit: Int = 10) -> ColumnStats {
    let numeric = a.n > 0
    var quantiles: [String: Double]? = nil
    if numeric {
      let s = a.sketch.weightedItems()
      var q: [String: Double] = [:]
      for (name, level) in quantileLevels { q[name] = s.quantile(level) }
      quantiles = q
    }
    return ColumnStats(
      type: a.inferredType, count: a.rows, nulls: a.nulls, distinct: a.distinct.value(cappedAt: a.rows - a.nulls),
      distinctExact: a.distinct.isExact,
      min: numeric ? a.minValue : nil, max: numeric ? a.maxValue : nil,
      mean: numeric ? a.mean : nil,
      std: numeric ? (a.n > 1 ? (a.m2 / Double(a.n - 1)).squareRoot() : 0) : nil,
      quantiles: quantiles,
      minText: a.minText.map { ByteText.render($0) },
      maxText: a.maxText.map { ByteText.render($0) },
      top: a.top.top(topLimit).map { CategoryCount(value: $0.0, count: $0.1) },
      topExact: a.top.exact)
  }

  /// Finds renames among removed/added columns: identical content hash first (same
  /// multiset of values), then same position with the same type and similar stats.
  static func renames(old: TableScan, new: TableScan, removed: [String], added: [String]) -> [ColumnRename] {
    var out: [ColumnRename] = []
    var free = added
    let oldIndex = Dictionary(old.columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    let newIndex = Dictionary(new.columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    var pending: [String] = []
    for r in removed {
      guard let oi = oldIndex[r] else { continue }
      let a = old.accumulators[oi]
      let match = free.firstIndex { name in
        guard let ni = newIndex[name] else { return false }
        let b = new.accumulators[ni]
        return a.rows - a.nulls > 0 && a.contentHash == b.contentHash && a.rows - a.nulls == b.rows - b.nulls
      }
      if let m = match {
        out.append(ColumnRename(from: r, to: free[m]))
        free.remove(at: m)
      } else {
        pending.append(r)
      }
    }
    for r in pending {
      guard let oi = oldIndex[r], oi < new.columns.count else { continue }
      let candidate = new.columns[oi]
      guard let fi = free.firstIndex(of: candidate) else { continue }
      if similar(old.accumulators[oi], new.accumulators[oi]) {
        out.append(ColumnRename(from: r, to: candidate))
        free.remove(at: fi)
      }
    }
    return out
  }

  private static func similar(_ a: ColumnAccumulator, _ b: ColumnAccumulator) -> Bool {
    guard a.inferredType == b.inferredType, a.inferredType != .empty, a.rows > 0, b.rows > 0 else { return false }
    let na = Double(a.nulls) / Double(a.rows)
    let nb = Double(b.nulls) / Double(b.rows)
    if abs(na - nb) > 0.02 { return false }
    let da = Double(a.distinct.value)
    let db = Double(b.distinct.value)
    if abs(da - db) > 0.1 * max(da, db) { return false }
    if a.n > 1 && b.n > 1 {
      let sa = (a.m2 / Double(a.n - 1)).squareRoot()
      let sb = (b.m2 / Double(b.n - 1)).squareRoot()
      let scale = max(sa, sb, 1e-12)
      if abs(a.mean - b.mean) > 0.25 * scale { return false }
      if abs(sa - sb) > 0.2 * scale { return false }
    }
    return true
  }

  static func drift(_ a: ColumnAccumulator, _ b: ColumnAccumulator, thresholds t: DriftThresholds) -> ColumnDrift? {
    guard a.rows - a.nulls > 0, b.rows - b.nulls > 0 else { return nil }
    if a.inferredType.isNumeric && b.inferredType.isNumeric {
      let sa = a.sketch.weightedItems()
      let sb = b.sketch.weightedItems()
      let psi = DriftMath.psi(old: sa, new: sb)
      let ks = DriftMath.ks(old: sa, new: sb, n: a.n, m: b.n)
      let drifted = psi > t.psi || (ks.p < t.ksPValue && ks.d > t.ksStatistic)
      return ColumnDrift(
        kind: "numeric", psi: psi, ks: ks.d, ksPValue: ks.p, jsDistance: nil, chiSquarePValue: nil,
        thresholds: t, drifted: drifted)
    }
    if a.inferredType.isTemporal && b.inferredType.isTemporal && a.times > 0 && b.times > 0 {
      // Dates compare as epoch seconds with the numeric metrics and thresholds.
      let sa = a.timeSketch.weightedItems()
      let sb = b.timeSketch.weightedItems()
      let psi = DriftMath.psi(old: sa, new: sb)
      let ks = DriftMath.ks(old: sa, new: sb, n: a.times, m: b.times)
      let drifted = psi > t.psi || (ks.p < t.ksPValue && ks.d > t.ksStatistic)
      return ColumnDrift(
        kind: "temporal", psi: psi, ks: ks.d, ksPValue: ks.p, jsDistance: nil, chiSquarePValue: nil,
        thresholds: t, drifted: drifted)
    }
    let ca = a.top.countsByText()
    let cb = b.top.countsByText()
    let keys = Set(ca.keys).union(cb.keys).sorted()
    var va = keys.map { Double(ca[$0] ?? 0) }
    var vb = keys.map { Double(cb[$0] ?? 0) }
    // Values not tracked (high-cardinality columns) form one "other" bucket.
    va.append(max(0, Double(a.rows - a.nulls) - va.reduce(0, +)))
    vb.append(max(0, Double(b.rows - b.nulls) - vb.reduce(0, +)))
    let js = DriftMath.jsDistance(va, vb)
    let chi = DriftMath.chiSquarePValue(va, vb)
    var appeared: [String]? = nil
    var vanished: [String]? = nil
    if a.top.exact && b.top.exact && a.rows > a.nulls && b.rows > b.nulls {
      appeared = keys.filter { ca[$0] == nil }
      vanished = keys.filter { cb[$0] == nil }
    }
    let changedSet = !(appeared ?? []).isEmpty || !(vanished ?? []).isEmpty
    return ColumnDrift(
      kind: "categorical", psi: nil, ks: nil, ksPValue: nil, jsDistance: js, chiSquarePValue: chi,
      newCategories: appeared, vanishedCategories: vanished, thresholds: t, drifted: js > t.jsDistance || changedSet)
  }

  static func histogram(_ a: ColumnAccumulator?, _ b: ColumnAccumulator?) -> Histogram? {
    let sides = [a, b].compactMap { $0 }.filter { $0.n > 0 }
    guard !sides.isEmpty else { return nil }
    let lower = sides.map { $0.minValue }.min() ?? 0
    let upper = sides.map { $0.maxValue }.max() ?? 0
    let empty = WeightedSample(values: [], weights: [])
    return DriftMath.histogram(
      old: a.map { $0.sketch.weightedItems() } ?? empty, oldCount: a?.n ?? 0,
      new: b.map { $0.sketch.weightedItems() } ?? empty, newCount: b?.n ?? 0,
      lower: lower, upper: upper)
  }
}
