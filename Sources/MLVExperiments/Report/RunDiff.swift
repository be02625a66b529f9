import Foundation

/// How one key differs between two runs.
public struct ValueChange: Equatable, Sendable {
  /// What happened to the key between the two runs.
  public enum Kind: String, Sendable { case added, removed, changed, unchanged }
  /// The flattened key.
  public var key: String
  /// The value in the first run, if it had the key.
  public var old: ParamValue?
  /// The value in the second run, if it had the key.
  public var new: ParamValue?

  /// Derived from which sides have the key and whether the values are equal.
  public var kind: Kind {
    switch (old, new) {
    case (nil, _): return .added
    case (_, nil): return .removed
    case (let a?, let b?): return a.canonical == b.canonical ? .unchanged : .changed
    }
  }

  /// `new - old` when both are numbers.
  public var absoluteDelta: Double? {
    guard let a = old?.number, let b = new?.number else { return nil }
    return b - a
  }

  /// `(new - old) / |old|` when both are numbers and old is not zero.
  public var relativeDelta: Double? {
    guard let a = old?.number, let d = absoluteDelta, a != 0 else { return nil }
    return d / abs(a)
  }
}

/// `params diff`, `metrics diff` and `exp diff` between two runs.
public enum RunDiff {
  /// Every key of either side, sorted; unchanged keys only when asked for.
  public static func diff(
    old: [String: ParamValue], new: [String: ParamValue], includeUnchanged: Bool = false
  ) -> [ValueChange] {
    Set(old.keys).union(new.keys).sorted()
      .map { ValueChange(key: $0, old: old[$0], new: new[$0]) }
      .filter { includeUnchanged || $0.kind != .unchanged }
  }

  /// `params diff`: the params of `a` against those of `b`.
  public static func params(_ a: RunRecord, _ b: RunRecord, includeUnchanged: Bool = false) -> [ValueChange] {
    diff(old: a.params, new: b.params, includeUnchanged: includeUnchanged)
  }

  /// `metrics diff`: the metrics of `a` against those of `b`.
  public static func metrics(_ a: RunRecord, _ b: RunRecord, includeUnchanged: Bool = false) -> [ValueChange] {
    diff(old: a.metrics, new: b.metrics, includeUnchanged: includeUnchanged)
  }

  /// A table: key, old, new, change, relative change (`+12.5%`); `-` where not applicable.
  public static func render(_ changes: [ValueChange], oldLabel: String, newLabel: String) -> String {
    let rows = changes.map { c -> [String] in
      [
        c.key, c.old?.canonical ?? "-", c.new?.canonical ?? "-",
        c.absoluteDelta.map(signed) ?? (c.kind == .changed || c.kind == .unchanged ? "" : c.kind.rawValue),
        c.relativeDelta.map { String(format: "%+.1f%%", $0 * 100) } ?? "",
      ]
    }
    return TextGrid.render(
      header: ["key", oldLabel, newLabel, "change", "rel"], rows: rows, rightAligned: [false, true, true, true, true])
  }

  /// `+0.5`, `-2`, shortest round-trip form, integers without `.0`.
  static func signed(_ d: Double) -> String {
    let text = d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : ParamValue.render(d)
    return d > 0 ? "+" + text : text
  }
}

/// How far apart two values of a metric are, as `mlv repro` judges a rerun.
public enum MetricComparison: Equatable, Sendable {
  case identical
  case withinTolerance(delta: Double)
  /// `delta` is nil when the values are not both numbers (or one side is missing).
  case differs(delta: Double?)

  /// Equal values are identical (two NaNs too); numbers whose difference is within
  /// `absolute`, or within `relative` times the old value's magnitude, are within tolerance.
  public static func compare(_ old: ParamValue?, _ new: ParamValue?, absolute: Double = 0, relative: Double = 0)
    -> MetricComparison
  {
    guard let old, let new else { return old == nil && new == nil ? .identical : .differs(delta: nil) }
    if old.canonical == new.canonical { return .identical }
    guard let a = old.number, let b = new.number, a.isFinite, b.isFinite else { return .differs(delta: nil) }
    let delta = b - a
    if abs(delta) <= absolute || abs(delta) <= relative * abs(a) { return .withinTolerance(delta: delta) }
    return .differs(delta: delta)
  }

  /// Compares every key of either side.
  public static func compareAll(
    old: [String: ParamValue], new: [String: ParamValue], absolute: Double = 0, relative: Double = 0
  ) -> [String: MetricComparison] {
    var out: [String: MetricComparison] = [:]
    for k in Set(old.keys).union(new.keys) { out[k] = compare(old[k], new[k], absolute: absolute, relative: relative) }
    return out
  }

  /// Whether a rerun with this result counts as reproduced.
  public var isAcceptable: Bool {
    if case .differs = self { return false }
    return true
  }
}
