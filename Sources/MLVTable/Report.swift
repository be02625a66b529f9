import Foundation

/// Drift thresholds; a column is flagged when any rule fires. Defaults (see
/// docs/table-diff.md): PSI > 0.2; KS p < 0.01 and D > 0.1 together (with millions of
/// rows the p-value alone flags trivial shifts); Jensen–Shannon distance > 0.1.
public struct DriftThresholds: Codable, Equatable, Sendable {
  public var psi: Double
  public var ksPValue: Double
  public var ksStatistic: Double
  public var jsDistance: Double

  public init(psi: Double = 0.2, ksPValue: Double = 0.01, ksStatistic: Double = 0.1, jsDistance: Double = 0.1) {
    self.psi = psi
    self.ksPValue = ksPValue
    self.ksStatistic = ksStatistic
    self.jsDistance = jsDistance
  }
}

/// Options for `TableDiff.compare`.
public struct TableDiffOptions: Sendable {
  /// Columns identifying a row; empty means rows are matched by whole-row content.
  public var keyColumns: [String]
  /// Sample rows kept per kind (added, removed, modified).
  public var sampleLimit: Int
  public var thresholds: DriftThresholds
  /// Bytes the two versions' row tables may take together; past it, row identities are
  /// hash-partitioned to temporary files (see docs/table-diff.md, "Performance and memory").
  public var memoryBudget: Int
  /// Where partition files go (default: the system's temporary directory).
  public var temporaryDirectory: String?

  public static let defaultMemoryBudget = 512 << 20

  public init(
    keyColumns: [String] = [], sampleLimit: Int = 5, thresholds: DriftThresholds = DriftThresholds(),
    memoryBudget: Int = TableDiffOptions.defaultMemoryBudget, temporaryDirectory: String? = nil
  ) {
    self.keyColumns = keyColumns
    self.sampleLimit = sampleLimit
    self.thresholds = thresholds
    self.memoryBudget = memoryBudget
    self.temporaryDirectory = temporaryDirectory
  }
}

/// One most-frequent value and how often it occurs.
public struct CategoryCount: Codable, Equatable, Sendable {
  public var value: String
  public var count: Int
}

/// Statistics of one column in one version. Numeric fields are present when the
/// column holds numbers; `minText`/`maxText` cover its non-numeric values.
public struct ColumnStats: Codable, Equatable, Sendable {
  public var type: ColumnType
  public var count: Int
  public var nulls: Int
  public var distinct: Int
  public var distinctExact: Bool
  public var min: Double?
  public var max: Double?
  public var mean: Double?
  public var std: Double?
  /// Keys p01, p05, p25, p50, p75, p95, p99 (zero-padded so sorted keys read in order).
  public var quantiles: [String: Double]?
  public var minText: String?
  public var maxText: String?
  public var top: [CategoryCount]
  /// False once the column had too many distinct values for exact counts.
  public var topExact: Bool
}

/// Old and new statistics of a column (one is nil for added/removed columns).
public struct StatsPair: Codable, Equatable, Sendable {
  public var old: ColumnStats?
  public var new: ColumnStats?
}

/// Distribution drift of a column between the versions.
public struct ColumnDrift: Codable, Equatable, Sendable {
  /// `numeric` (PSI, KS), `temporal` (PSI, KS on epoch seconds) or `categorical`
  /// (Jensen–Shannon, chi-square).
  public var kind: String
  public var psi: Double?
  public var ks: Double?
  public var ksPValue: Double?
  public var jsDistance: Double?
  /// Informational: with large samples it is tiny for any difference, so it never flags.
  public var chiSquarePValue: Double?
  /// Categorical, when both versions' categories are known exactly: values only the new
  /// version has, and values only the old one had. Either makes the column drifted, even
  /// when the JS distance stays under its threshold (a new label in 1% of rows matters).
  public var newCategories: [String]? = nil
  public var vanishedCategories: [String]? = nil
  public var thresholds: DriftThresholds
  public var drifted: Bool
}

/// Bin counts of both versions over one common range (estimated from the sketches).
public struct Histogram: Codable, Equatable, Sendable {
  public var lower: Double
  public var upper: Double
  public var old: [Int]
  public var new: [Int]
}

public struct ColumnReport: Codable, Equatable, Sendable {
  public var name: String
  /// `common`, `added`, `removed` or `renamed`.
  public var status: String
  /// Old name when renamed.
  public var oldName: String?
  /// Type in the new version (old version for removed columns).
  public var type: ColumnType
  public var stats: StatsPair
  public var drift: ColumnDrift?
  public var histogram: Histogram?
  /// Modified rows in which this column changed (keyed diffs only).
  public var changedRows: Int?
}

public struct ColumnRename: Codable, Equatable, Sendable {
  public var from: String
  public var to: String
}

public struct TypeChange: Codable, Equatable, Sendable {
  public var column: String
  public var from: ColumnType
  public var to: ColumnType
}

public struct SchemaChanges: Codable, Equatable, Sendable {
  public var added: [String]
  public var removed: [String]
  public var renamed: [ColumnRename]
  public var typeChanges: [TypeChange]
}

/// A sample row: non-null values by column name.
public struct RowSample: Codable, Equatable, Sendable {
  public var values: [String: String]
}

public struct CellChange: Codable, Equatable, Sendable {
  public var column: String
  public var old: String?
  public var new: String?
}

public struct ModifiedRow: Codable, Equatable, Sendable {
  /// Key column values.
  public var key: [String: String]
  public var changes: [CellChange]
}

public struct RowSamples: Codable, Equatable, Sendable {
  public var added: [RowSample]
  public var removed: [RowSample]
  public var modified: [ModifiedRow]
}

public struct RowChanges: Codable, Equatable, Sendable {
  public var old: Int
  public var new: Int
  public var added: Int
  public var removed: Int
  public var modified: Int
  public var unchanged: Int
  /// Rows whose key repeated within one version (they are matched by occurrence).
  public var duplicateKeys: Int
  public var samples: RowSamples
}

/// The whole analysis; `jsonData()` gives the documented, byte-stable JSON form.
/// The one JSON encoding of reports: pretty-printed with sorted keys, so the same inputs
/// always give the same bytes; overflowing statistics become strings ("inf", "nan") rather
/// than making the whole report unencodable.
public enum ReportJSON {
  public static func encoder() -> JSONEncoder {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    enc.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return enc
  }
}

public struct TableDiffReport: Codable, Equatable, Sendable {
  public var version: Int
  public var path: String
  public var format: String
  public var key: [String]
  public var rows: RowChanges
  public var schema: SchemaChanges
  public var columns: [ColumnReport]
  public var drifted: Bool
  public var driftedColumns: [String]
  public var thresholds: DriftThresholds

  /// Pretty-printed JSON with sorted keys: the same inputs always give the same bytes.
  public func jsonData() throws -> Data {
    try ReportJSON.encoder().encode(self)
  }
}
