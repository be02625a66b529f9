import Foundation

/// Streaming quantile sketch in the KLL family, with equal capacity `k` per level (the
/// simpler MRL variant): level h holds items of weight 2^h; a full level is sorted and
/// every other item (random parity) is promoted. Memory is O(k log(n/k)) — about 12 K
/// doubles (96 KB) for 3 M values at k = 1024 — and the rank error is ~1/k-ish in
/// practice. Exact while n < k. The parity RNG is seeded so results are reproducible.
struct QuantileSketch {
  let k: Int
  private(set) var levels: [[Double]] = [[]]
  private var rng = SplitMix64(state: 0x5EED)
  private(set) var count = 0

  init(k: Int = 1024) {
    self.k = k
    levels[0].reserveCapacity(k)
  }

  @inline(__always)
  mutating func add(_ v: Double) {
    levels[0].append(v)
    count += 1
    if levels[0].count >= k { compact(0) }
  }

  /// Levels above 0 are kept sorted, so compacting them is a linear merge; only level
  /// 0 is sorted from scratch (this halves the sorting work, the sketch's main cost).
  private mutating func compact(_ h: Int) {
    var items = levels[h]
    levels[h] = []
    if h == 0 { sortDoubles(&items) }
    var keep: Double? = nil
    if items.count % 2 == 1 { keep = items.removeLast() }
    let parity = Int(rng.next() & 1)
    if levels.count == h + 1 { levels.append([]) }
    var promoted: [Double] = []
    promoted.reserveCapacity(items.count / 2)
    var i = parity
    while i < items.count {
      promoted.append(items[i])
      i += 2
    }
    levels[h + 1] = mergeSorted(levels[h + 1], promoted)
    items.removeAll(keepingCapacity: true)
    if let keep = keep { items.append(keep) }
    levels[h] = items
    if levels[h + 1].count >= k { compact(h + 1) }
  }

  private func mergeSorted(_ a: [Double], _ b: [Double]) -> [Double] {
    if a.isEmpty { return b }
    var out: [Double] = []
    out.reserveCapacity(a.count + b.count)
    var i = 0
    var j = 0
    while i < a.count && j < b.count {
      if b[j] < a[i] {
        out.append(b[j])
        j += 1
      } else {
        out.append(a[i])
        i += 1
      }
    }
    out.append(contentsOf: a[i...])
    out.append(contentsOf: b[j...])
    return out
  }

  /// All retained items with their weights, sorted by value.
  func weightedItems() -> WeightedSample {
    var pairs: [(Double, Double)] = []
    for (h, level) in levels.enumerated() {
      let w = Double(1 << h)
      for v in level { pairs.append((v, w)) }
    }
    pairs.sort { $0.0 < $1.0 }
    return WeightedSample(values: pairs.map { $0.0 }, weights: pairs.map { $0.1 })
  }
}

/// A sorted weighted sample standing in for a column's distribution (from the sketch).
struct WeightedSample {
  let values: [Double]
  let cumulative: [Double]
  let total: Double

  init(values: [Double], weights: [Double]) {
    self.values = values
    var c: [Double] = []
    c.reserveCapacity(weights.count)
    var s = 0.0
    for w in weights {
      s += w
      c.append(s)
    }
    cumulative = c
    total = s
  }

  var isEmpty: Bool { values.isEmpty }

  /// Fraction of weight at or below x.
  func cdf(_ x: Double) -> Double {
    guard total > 0 else { return 0 }
    var lo = 0
    var hi = values.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if values[mid] <= x { lo = mid + 1 } else { hi = mid }
    }
    return lo == 0 ? 0 : cumulative[lo - 1] / total
  }

  /// Smallest value whose cumulative fraction reaches q.
  func quantile(_ q: Double) -> Double? {
    guard total > 0 else { return nil }
    let target = q * total
    var lo = 0
    var hi = values.count - 1
    while lo < hi {
      let mid = (lo + hi) / 2
      if cumulative[mid] < target { lo = mid + 1 } else { hi = mid }
    }
    return values[lo]
  }
}
