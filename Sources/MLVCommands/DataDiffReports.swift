import Foundation
import MLVStore
import MLVTable
import MLVWorkspace
import MLVSystem

/// The data-aware part of `mlv diff`: table reports for changed tables and per-folder
/// balance for directories, built on top of the file-level `DataDiff`.
struct DataReports {
  var tables: [TableDiffReport] = []
  var folders: [String: FolderBalanceReport] = [:]
  var errors: [String] = []

  var drifted: Bool { tables.contains { $0.drifted } }

  /// Analyses at most `limit` changed table files of `diff` (all of them when the user named
  /// files explicitly).
  static func build(
    _ diff: DataDiff, files: DiffFiles, ws: Workspace, from: DiffSide, to: DiffSide, options: TableDiffOptions,
    limit: Int
  ) -> DataReports {
    var r = DataReports()
    var analysed = 0
    for p in diff.paths {
      // Per-folder counts need every file; a tree diff read only the parts that differ.
      if (p.oldKind == "dir" || p.newKind == "dir") && !files.partial.contains(p.path) {
        let old = files.old[p.path] ?? [:]
        let new = files.new[p.path] ?? [:]
        if old.keys.contains(where: { $0.contains("/") }) || new.keys.contains(where: { $0.contains("/") }) {
          r.folders[p.path] = FolderBalance.compare(
            old: old.map { ($0.key, $0.value.size) }.sorted { $0.0 < $1.0 },
            new: new.map { ($0.key, $0.value.size) }.sorted { $0.0 < $1.0 })
        }
      }
      for c in p.changes where c.change != "renamed" && analysed < limit {
        guard TableFormat.hasTableExtension(c.path) else { continue }
        analysed += 1
        do {
          if let report = try tableReport(c.path, files: files, ws: ws, from: from, to: to, options: options) {
            r.tables.append(report)
          }
        } catch {
          r.errors.append("\(error)")
        }
      }
    }
    return r
  }

  static func tableReport(
    _ path: String, files: DiffFiles, ws: Workspace, from: DiffSide, to: DiffSide, options: TableDiffOptions
  ) throws -> TableDiffReport? {
    let old = try ws.materialize(path, on: from, files: files.old)
    defer { if let o = old, o.temporary { FS.remove(o.path) } }
    let new = try ws.materialize(path, on: to, files: files.new)
    defer { if let n = new, n.temporary { FS.remove(n.path) } }
    // A side where the file does not exist stands for an empty table.
    let absent = ws.tmpDir + "/absent-\(UUID().uuidString)" + ((path as NSString).pathExtension.isEmpty ? "" : "." + (path as NSString).pathExtension)
    return try TableDiff.compare(old: old?.path ?? absent, new: new?.path ?? absent, displayPath: path, options: options)
  }
}

/// `mlv diff --json`: the file-level document (docs/cli.md) with `tables` and `folders` added
/// at the top level.
struct DiffDocument: Encodable {
  var data: DataDiff
  var reports: DataReports

  enum Extra: String, CodingKey { case tables, folders, tableErrors, drifted }

  func encode(to encoder: Encoder) throws {
    try data.encode(to: encoder)
    var c = encoder.container(keyedBy: Extra.self)
    try c.encode(reports.tables, forKey: .tables)
    try c.encode(reports.folders, forKey: .folders)
    try c.encode(reports.errors, forKey: .tableErrors)
    try c.encode(reports.drifted, forKey: .drifted)
  }
}
