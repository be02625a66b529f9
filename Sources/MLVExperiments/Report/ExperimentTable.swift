import Foundation

/// The `mlv exp show` table: one row per run with columns run, commit (short), time, then
/// every params key and every metrics key seen in any run (each group sorted by key).
/// Missing values show as `-` in text, empty in CSV, and are left out of JSON.
public struct ExperimentTable: Sendable {
  /// A column of the table.
  public struct Column: Equatable, Sendable {
    /// The fixed columns, then params and metrics columns.
    public enum Kind: String, Sendable { case run, commit, time, param, metric }
    /// What the column shows.
    public var kind: Kind
    /// `run`, `commit`, `time`, or the params/metrics key.
    public var key: String
  }

  /// Columns in display order.
  public private(set) var columns: [Column]
  /// Cell values, one array per row in `columns` order; nil where a run lacks the key.
  public private(set) var rows: [[ParamValue?]]

  /// Builds the table from `records` in the order given (callers usually pass them by time).
  /// `params`/`metrics`, when given, keep only those keys (and keys under them).
  public init(records: [RunRecord], params: [String]? = nil, metrics: [String]? = nil) {
    func keep(_ key: String, _ filter: [String]?) -> Bool {
      guard let filter else { return true }
      return filter.contains { key == $0 || key.hasPrefix($0 + ".") }
    }
    var paramKeys = Set<String>()
    var metricKeys = Set<String>()
    for r in records {
      for k in r.params.keys where keep(k, params) { paramKeys.insert(k) }
      for k in r.metrics.keys where keep(k, metrics) { metricKeys.insert(k) }
    }
    let p = paramKeys.sorted()
    let m = metricKeys.sorted()
    columns = [Column(kind: .run, key: "run"), Column(kind: .commit, key: "commit"), Column(kind: .time, key: "time")]
      + p.map { Column(kind: .param, key: $0) } + m.map { Column(kind: .metric, key: $0) }
    rows = records.map { r in
      var row: [ParamValue?] = [.string(r.name), r.commit.map { .string(String($0.prefix(7))) }, .string(ExperimentTable.time(r.startedAt))]
      row.reserveCapacity(3 + p.count + m.count)
      for k in p { row.append(r.params[k]) }
      for k in m { row.append(r.metrics[k]) }
      return row
    }
  }

  /// `2026-11-24T23:56:46.123Z` shown as `2026-11-24 23:56:46`.
  static func time(_ iso: String) -> String {
    String(iso.prefix(19)).replacingOccurrences(of: "T", with: " ")
  }

  /// The index of the column `key` names: `metrics:acc` / `params:lr` explicitly, else a
  /// metric, then a param, then run/commit/time with that name.
  public func columnIndex(_ key: String) throws -> Int {
    func find(_ kind: Column.Kind, _ k: String) -> Int? { columns.firstIndex { $0.kind == kind && $0.key == k } }
    if key.hasPrefix("metrics:") { if let i = find(.metric, String(key.dropFirst(8))) { return i } }
    if key.hasPrefix("params:") { if let i = find(.param, String(key.dropFirst(7))) { return i } }
    if let i = find(.metric, key) ?? find(.param, key) ?? columns.firstIndex(where: { $0.key == key && $0.kind != .param && $0.kind != .metric }) {
      return i
    }
    throw ExperimentError.unknownSortKey(key: key)
  }

  /// Sorts rows by a column: numbers numerically and before text, text in numeric-aware
  /// order (`run-2` before `run-10`), missing values always last; ties keep their order.
  public mutating func sort(by key: String, descending: Bool = false) throws {
    let c = try columnIndex(key)
    let indexed = rows.enumerated().map { ($0.offset, $0.element) }
    rows = indexed.sorted { a, b in
      switch (a.1[c], b.1[c]) {
      case (nil, nil): return a.0 < b.0
      case (nil, _): return false
      case (_, nil): return true
      case (let x?, let y?):
        let order = ExperimentTable.compare(x, y)
        if order == .orderedSame { return a.0 < b.0 }
        return descending ? order == .orderedDescending : order == .orderedAscending
      }
    }.map(\.1)
  }

  static func compare(_ x: ParamValue, _ y: ParamValue) -> ComparisonResult {
    switch (x.number, y.number) {
    case (let a?, let b?): return a < b ? .orderedAscending : (a > b ? .orderedDescending : .orderedSame)
    case (.some, nil): return .orderedAscending
    case (nil, .some): return .orderedDescending
    case (nil, nil): return x.canonical.compare(y.canonical, options: [.numeric])
    }
  }

  /// Header labels; a key used both as a param and a metric is qualified to tell them apart.
  public var headers: [String] {
    let params = Set(columns.filter { $0.kind == .param }.map(\.key))
    let metrics = Set(columns.filter { $0.kind == .metric }.map(\.key))
    return columns.map { c in
      switch c.kind {
      case .param where metrics.contains(c.key): return "params:" + c.key
      case .metric where params.contains(c.key): return "metrics:" + c.key
      default: return c.key
      }
    }
  }

  /// Aligned text with numeric columns right-aligned.
  public func renderText() -> String {
    let text = rows.map { $0.map { $0?.canonical ?? "-" } }
    let numeric = columns.indices.map { i in
      columns[i].kind != .run && rows.contains { $0[i]?.number != nil } && rows.allSatisfy { $0[i] == nil || $0[i]?.number != nil }
    }
    return TextGrid.render(header: headers, rows: text, rightAligned: numeric)
  }

  /// RFC 4180 CSV: CRLF line ends; fields with a comma, quote or line break are quoted.
  public func renderCSV() -> String {
    func field(_ s: String) -> String {
      s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
        ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
    var out = headers.map(field).joined(separator: ",") + "\r\n"
    for row in rows { out += row.map { field($0?.canonical ?? "") }.joined(separator: ",") + "\r\n" }
    return out
  }

  /// A JSON array, one object per row: `run`, `commit`, `time`, `params {}`, `metrics {}`,
  /// keys in column order, 2-space indentation.
  public func renderJSON() -> String {
    let items: [ParamNode] = rows.map { row in
      var fixed: [(String, ParamNode)] = []
      var params: [(String, ParamNode)] = []
      var metrics: [(String, ParamNode)] = []
      for (i, c) in columns.enumerated() {
        guard let v = row[i] else { continue }
        let node = ParamNode.scalar(v)
        switch c.kind {
        case .param: params.append((c.key, node))
        case .metric: metrics.append((c.key, node))
        default: fixed.append((c.key, node))
        }
      }
      return .mapping(fixed + [("params", .mapping(params)), ("metrics", .mapping(metrics))])
    }
    return JSONText.write(.sequence(items))
  }
}
