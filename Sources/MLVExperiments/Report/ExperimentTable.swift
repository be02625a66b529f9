import Foundation

/// The `mlv exp show` table: one row per run with columns run, stage, base (the commit
/// the run started from, short), time, then every params key and every metrics key seen
/// in any run, grouped by the file they come from (each group sorted by key). Missing
/// values show as `-` in text, empty in CSV, and are left out of JSON. Text rounds
/// numbers to `precision` significant digits; CSV and JSON keep full precision.
public struct ExperimentTable: Sendable {
  /// A column of the table.
  public struct Column: Equatable, Sendable {
    /// The fixed columns, then params and metrics columns.
    public enum Kind: String, Sendable { case run, stage, commit, time, data, param, metric }
    /// What the column shows.
    public var kind: Kind
    /// `run`, `commit`, `time`, or the params/metrics key.
    public var key: String
    /// The params or metrics file the key comes from (`params.yaml`, `metrics` for the
    /// first metrics file, whose keys are recorded without a file name); nil for the fixed columns.
    public var group: String? = nil
  }

  /// Significant digits of numbers in text (nil: as recorded).
  public var precision: Int?

  /// Columns in display order.
  public private(set) var columns: [Column]
  /// Cell values, one array per row in `columns` order; nil where a run lacks the key.
  public private(set) var rows: [[ParamValue?]]

  /// Builds the table from `records` in the order given (callers usually pass them by time).
  /// `params`/`metrics`, when given, keep only those keys (and keys under them).
  public init(records: [RunRecord], params: [String]? = nil, metrics: [String]? = nil, dataLocal: [Bool]? = nil) {
    func keep(_ key: String, _ filter: [String]?) -> Bool {
      guard let filter else { return true }
      let bare = key.split(separator: ":", maxSplits: 1).last.map(String.init) ?? key
      return filter.contains { k in [key, bare].contains { $0 == k || $0.hasPrefix(k + ".") } }
    }
    var paramKeys: [String: String] = [:]  // key -> group
    var metricKeys: [String: String] = [:]
    for r in records {
      let first = r.paramsFiles.first?.path ?? "params"
      for k in r.params.keys where keep(k, params) { paramKeys[k] = paramKeys[k] ?? Self.group(of: k, first: first) }
      for k in r.metrics.keys where keep(k, metrics) { metricKeys[k] = metricKeys[k] ?? Self.group(of: k, first: "metrics") }
    }
    func ordered(_ keys: [String: String]) -> [(String, String)] {
      keys.map { ($0.key, $0.value) }.sorted { ($0.1 == "metrics" || !$0.0.contains(":") ? 0 : 1, $0.1, $0.0) < ($1.1 == "metrics" || !$1.0.contains(":") ? 0 : 1, $1.1, $1.0) }
    }
    let p = ordered(paramKeys)
    let m = ordered(metricKeys)
    var fixed = [Column(kind: .run, key: "run"), Column(kind: .stage, key: "stage"), Column(kind: .commit, key: "base"), Column(kind: .time, key: "time")]
    if dataLocal != nil { fixed.append(Column(kind: .data, key: "data")) }
    columns = fixed + p.map { Column(kind: .param, key: $0.0, group: $0.1) } + m.map { Column(kind: .metric, key: $0.0, group: $0.1) }
    rows = records.enumerated().map { i, r in
      var row: [ParamValue?] = [
        .string(r.name), r.stage.map { .string($0) }, r.commit.map { .string(String($0.prefix(7))) },
        .string(ExperimentTable.time(r.startedAt)),
      ]
      if let dataLocal { row.append(.string(i < dataLocal.count && !dataLocal[i] ? "remote" : "local")) }
      row.reserveCapacity(row.count + p.count + m.count)
      for (k, _) in p { row.append(r.params[k]) }
      for (k, _) in m { row.append(r.metrics[k]) }
      return row
    }
  }

  /// `file:key` belongs to `file`; a bare key to the first file.
  static func group(of key: String, first: String) -> String {
    guard let colon = key.firstIndex(of: ":") else { return first }
    return String(key[..<colon])
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

  /// Aligned text with numeric columns right-aligned, and a line above the header naming
  /// each params and metrics file over its columns.
  public func renderText() -> String {
    let text = rows.map { row in row.map { v in v.map { Self.rounded($0, precision) } ?? "-" } }
    let numeric = columns.indices.map { i in
      columns[i].kind != .run && rows.contains { $0[i]?.number != nil } && rows.allSatisfy { $0[i] == nil || $0[i]?.number != nil }
    }
    let heads = headers.enumerated().map { i, h in
      columns[i].group.map { g in h.hasPrefix(g + ":") ? String(h.dropFirst(g.count + 1)) : h } ?? h
    }
    return TextGrid.render(header: heads, rows: text, rightAligned: numeric, groups: columns.map(\.group))
  }

  /// A double to `digits` significant digits (`%g`: 0.123456789 is 0.1235 at 4); integers,
  /// text and unrounded values as recorded.
  static func rounded(_ v: ParamValue, _ digits: Int?) -> String {
    guard let digits, case .double(let d) = v, d.isFinite else { return v.canonical }
    return String(format: "%.\(max(1, min(17, digits)))g", d)
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
