import Foundation

/// Streams one column's values: type evidence, moments (Welford), quantile sketch,
/// distinct count, category counts, and an order-independent content hash (used to
/// spot renamed columns). Memory is bounded regardless of row count.
struct ColumnAccumulator {
  var rows = 0
  var nulls = 0
  var integers = 0
  var floats = 0
  var booleans = 0
  var dates = 0
  var datetimes = 0
  var strings = 0
  // Welford's running mean and sum of squared deviations: numerically stable in one pass.
  var n = 0
  var mean = 0.0
  var m2 = 0.0
  var minValue = Double.infinity
  var maxValue = -Double.infinity
  var sketch: QuantileSketch
  /// Dates and datetimes as epoch seconds, for drift between temporal columns.
  var timeSketch: QuantileSketch
  var times = 0
  var distinct: DistinctCounter
  var top: TopCounter
  var contentHash: UInt64 = 0
  var minText: [UInt8]? = nil
  var maxText: [UInt8]? = nil

  init(budget: ColumnBudget = ColumnBudget(columns: 1)) {
    sketch = QuantileSketch(k: budget.sketchK)
    timeSketch = QuantileSketch(k: max(64, budget.sketchK / 2))
    distinct = DistinctCounter(limit: budget.exactDistinct)
    top = TopCounter(exactLimit: budget.exactTop)
  }

  @inline(__always)
  mutating func add(_ f: UnsafeBufferPointer<UInt8>, hash: UInt64) {
    rows += 1
    var x = 0.0
    let kind = classify(f, number: &x)
    switch kind {
    case .null:
      nulls += 1
      return
    case .integer, .float:
      addNumber(x, integer: kind == .integer)
    case .boolean: booleans += 1
    case .date, .datetime:
      if kind == .date { dates += 1 } else { datetimes += 1 }
      if let t = isoEpochSeconds(f) {
        timeSketch.add(t)
        times += 1
      }
    case .string: strings += 1
    }
    if kind != .integer && kind != .float { trackText(f) }
    let m = mix(hash)
    contentHash &+= m
    distinct.add(m)
    top.add(m, f, numericSoFar: strings + booleans + dates + datetimes == 0)
  }

  /// A DOUBLE column's value `v` with its text `f` (`v.description`, see
  /// `TextColumn.doubles`); the same as `add(f, hash:)`, without parsing `f`. For a finite
  /// `v` that text is the shortest that reads back as `v`, and `parseNumber` rounds
  /// correctly (exact fast path or strtod), so it would read `v` itself, as a float
  /// (the text has a point or an exponent; checked, not assumed). `nan` and `inf`
  /// texts take the text path (null and string).
  @inline(__always)
  mutating func add(_ f: UnsafeBufferPointer<UInt8>, hash: UInt64, double v: Double) {
    guard f.count > 0, v.isFinite else { return add(f, hash: hash) }
    var pointOrExponent = false
    for c in f where c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
      pointOrExponent = true
      break
    }
    rows += 1
    addNumber(v, integer: !pointOrExponent)
    let m = mix(hash)
    contentHash &+= m
    distinct.add(m)
    top.add(m, f, numericSoFar: strings + booleans + dates + datetimes == 0)
  }

  @inline(__always)
  private mutating func addNumber(_ x: Double, integer: Bool) {
    if integer { integers += 1 } else { floats += 1 }
    n += 1
    let d = x - mean
    mean += d / Double(n)
    m2 += d * (x - mean)
    if x < minValue { minValue = x }
    if x > maxValue { maxValue = x }
    sketch.add(x)
  }

  private mutating func trackText(_ f: UnsafeBufferPointer<UInt8>) {
    if let lo = minText {
      if lexLess(f, lo) { minText = Array(f) }
    } else {
      minText = Array(f)
    }
    if let hi = maxText {
      if lexLess(hi, f) { maxText = Array(f) }
    } else {
      maxText = Array(f)
    }
  }

  /// Null fills a missing field (JSON Lines rows without the key).
  mutating func addMissing() {
    rows += 1
    nulls += 1
  }

  var inferredType: ColumnType {
    let nonNull = rows - nulls
    if nonNull == 0 { return .empty }
    if integers == nonNull { return .integer }
    if integers + floats == nonNull { return .float }
    if booleans == nonNull { return .boolean }
    if dates == nonNull { return .date }
    if dates + datetimes == nonNull { return .datetime }
    return .string
  }
}

private func lexLess(_ a: UnsafeBufferPointer<UInt8>, _ b: [UInt8]) -> Bool {
  return b.withUnsafeBufferPointer { lexLess(a, $0) }
}

private func lexLess(_ a: [UInt8], _ b: UnsafeBufferPointer<UInt8>) -> Bool {
  return a.withUnsafeBufferPointer { lexLess($0, b) }
}

private func lexLess(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
  let n = min(a.count, b.count)
  if n > 0, let pa = a.baseAddress, let pb = b.baseAddress {
    // Most values differ from the running min and max in their first byte.
    if pa[0] != pb[0] { return pa[0] < pb[0] }
    let c = memcmp(pa, pb, n)
    if c != 0 { return c < 0 }
  }
  return a.count < b.count
}

/// Inferred column type. Empty, NA, N/A, null, None, NaN count as null and do not vote.
public enum ColumnType: String, Codable, Sendable {
  case integer, float, boolean, date, datetime, string, empty

  var isNumeric: Bool { self == .integer || self == .float }
  var isTemporal: Bool { self == .date || self == .datetime }
}

/// Per-column sizes of the bounded structures, shrunk for wide tables so the total
/// stays bounded too (about 100 MB of sketches and exact sets per version at worst):
/// up to 200 columns get the full sizes (sketch k 1024, 100 000 exact distinct hashes,
/// 1000 exact categories); wider tables divide the budget, with floors that keep the
/// statistics meaningful.
struct ColumnBudget {
  let sketchK: Int
  let exactDistinct: Int
  let exactTop: Int

  init(columns: Int) {
    let c = max(1, columns)
    sketchK = max(128, min(1024, 200_000 / c)) & ~1
    exactDistinct = max(1000, min(100_000, 4_000_000 / c))
    exactTop = max(100, min(1000, 200_000 / c))
  }
}
