import ArgumentParser
import Foundation
import MLVStore
import MLVTable
import MLVWorkspace
import MLVSystem

extension MLVMain {
  struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "diff",
      abstract: "Compare tracked data between two revisions or with the workspace.",
      discussion: """
        No revision: HEAD against the workspace. One revision: it against the
        workspace. Two: the first against the second. Lists files added, removed,
        modified and renamed in each tracked path, with sizes, totals, and how many
        bytes of the newer version are new relative to the older one (what storing it
        costs), and for each modified file how much of it is shared with the older
        version.

        Changed tables (CSV, TSV, JSON Lines, Parquet; also inside tracked directories)
        get a data-aware report: rows added, removed and modified (matched by --key
        columns, or by whole-row content), schema changes, per-column statistics, and
        drift (PSI and Kolmogorov-Smirnov for numbers, Jensen-Shannon for categories;
        thresholds in docs/table-diff.md). Tracked directories with subfolders get
        per-folder (class) counts and bytes. --json prints all of it as a stable
        document (docs/cli.md); --html writes one self-contained page with histograms
        of both versions.

        Examples:
          mlv diff
          mlv diff HEAD~1 HEAD
          mlv diff HEAD~1 HEAD -- data/train.csv
          mlv diff v1 v2 --key id -- data/train.csv
          mlv diff v1 v2 --key user_id -- features.parquet
          mlv diff v1 v2 --json -- data/
          mlv diff v1 v2 --html report.html
          mlv diff v1 v2 --fail-on-drift         # exit 5 if a column drifted
        """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print a JSON document instead of text.") var json = false
    @Option(help: "Show at most this many files per path in text output.") var limit = 50
    @Option(name: .customLong("key"), help: "Key column(s) matching table rows (repeatable or comma-separated).")
    var keys: [String] = []
    @Option(help: "Write a self-contained HTML report to this file.") var html: String?
    @Flag(help: "Exit with code 5 when any table column drifted beyond its threshold.") var failOnDrift = false
    @Option(help: "Analyse at most this many changed tables (0: file-level diff only).") var tables = 20
    @Option(help: "MiB the row matching of a table diff may use; larger tables are hash-partitioned to temporary files.")
    var tableMemory = TableDiffOptions.defaultMemoryBudget >> 20
    @Argument(help: "The older revision (default HEAD).", completion: Completions.revisions) var from: String?
    @Argument(help: "The newer revision (default: the workspace).", completion: Completions.revisions) var to: String?
    @Argument(parsing: .postTerminator, help: "Limit to these tracked paths.", completion: Completions.trackedPaths) var paths: [String] = []

    func run() throws {
      let ctx = Context(global)
      try ctx.run {
        let ws = try ctx.open()
        func side(_ rev: String) throws -> DiffSide { .commit(try ws.git.resolveCommit(rev), label: rev) }
        let old: DiffSide = try side(from ?? "HEAD")
        let new: DiffSide = try to.map(side) ?? .workspace
        var filter = try ctx.trackedFilter(paths, ws, at: try ws.git.resolveCommit(from ?? "HEAD"))
        if let to, !paths.isEmpty { filter = try ctx.trackedFilter(paths, ws, at: try ws.git.resolveCommit(to)) }
        let (d, files) = try ws.diffWithFiles(from: old, to: new, filter: filter)
        let keyColumns = keys.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
        let explicit = !filter.isEmpty && filter.allSatisfy { TableFormat.hasTableExtension($0) }
        let reports = DataReports.build(
          d, files: files, ws: ws, from: old, to: new, options: TableDiffOptions(
            keyColumns: keyColumns, memoryBudget: max(1, tableMemory) << 20, temporaryDirectory: ws.tmpDir),
          limit: explicit ? Int.max : tables)
        if json {
          // The report encoder: a table statistic that overflowed must not fail the document.
          let json = try ReportJSON.encoder().encode(DiffDocument(data: d, reports: reports))
          ctx.out.line(String(decoding: json, as: UTF8.self))
        } else if !global.quiet {
          render(d, ctx.out)
          let color = isatty(1) != 0
          for (path, balance) in reports.folders.sorted(by: { $0.key < $1.key })
          where balance.folders.contains(where: { $0.countDelta != 0 || $0.bytesDelta != 0 }) {
            ctx.out.line("\nper-folder balance of \(path):")
            ctx.out.line(balance.renderText(color: color))
          }
          for t in reports.tables { ctx.out.line("\n" + t.renderText(color: color)) }
        }
        if let html {
          var sections: [(heading: String, body: String)] = []
          for (path, balance) in reports.folders.sorted(by: { $0.key < $1.key }) {
            sections.append((heading: "\(path): files per folder", body: balance.renderHTMLBody()))
          }
          for e in reports.errors { sections.append((heading: "Error", body: "<pre>" + HTMLReport.escape(e) + "</pre>")) }
          let t = d.totals
          let page = HTMLReport.pullRequestPage(
            title: "mlv diff \(d.from) \(d.to)", tables: reports.tables, filesText: renderedText(d),
            filesChanged: t.added + t.removed + t.modified + t.renamed, extra: sections)
          try FS.atomicWrite(Array(page.utf8), to: html.hasPrefix("/") ? html : ctx.cwd + "/" + html, durable: false)
          if !global.quiet && !json { ctx.out.line("wrote \(html)") }
        }
        for e in reports.errors { FileHandle.standardError.write(Data("mlv: error: \(e)\n".utf8)) }
        if !reports.errors.isEmpty { throw ExitCode(1) }
        if failOnDrift && reports.drifted {
          FileHandle.standardError.write(Data("mlv: drift beyond thresholds in \(reports.tables.filter(\.drifted).map(\.path).joined(separator: ", "))\n".utf8))
          throw ExitCode(5)
        }
      }
    }

    func renderedText(_ d: DataDiff) -> String {
      var lines: [String] = []
      render(d, Output { lines.append($0) })
      return lines.joined(separator: "\n")
    }

    func render(_ d: DataDiff, _ out: Output) {
      if d.paths.isEmpty {
        out.line("no differences in tracked data between \(d.from) and \(d.to)")
        return
      }
      for p in d.paths {
        let kinds = p.oldKind == nil ? "new" : p.newKind == nil ? "removed" : p.newKind!
        out.line("\(p.path) (\(kinds)): \(Format.bytes(p.oldSize)) -> \(Format.bytes(p.newSize)), \(Format.count(p.oldFiles)) -> \(Format.count(p.newFiles, "file"))")
        for c in p.changes.prefix(limit) {
          switch c.change {
          case "renamed": out.line("  renamed   \(c.oldPath ?? "") -> \(c.path)")
          case "added": out.line("  added     \(c.path) (\(Format.bytes(c.newSize ?? 0)))")
          case "removed": out.line("  removed   \(c.path) (\(Format.bytes(c.oldSize ?? 0)))")
          default:
            let shared = c.sharedBytes.map { s in
              ", \(Int((Double(s) / Double(max(c.newSize ?? 1, 1)) * 100).rounded()))% shared"
            } ?? ""
            out.line("  modified  \(c.path) (\(Format.bytes(c.oldSize ?? 0)) -> \(Format.bytes(c.newSize ?? 0))\(shared))")
          }
        }
        if p.changes.count > limit { out.line("  ... \(p.changes.count - limit) more (use --limit or --json)") }
      }
      let t = d.totals
      let fresh = t.newBytes.map { "\(Format.bytes($0)) new relative to \(d.from)" } ?? "new bytes unknown (objects not local)"
      out.line("\(t.added) added, \(t.removed) removed, \(t.modified) modified, \(t.renamed) renamed; \(Format.bytes(t.oldSize)) -> \(Format.bytes(t.newSize)); \(fresh)")
    }
  }
}
