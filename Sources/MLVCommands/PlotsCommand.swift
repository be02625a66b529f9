import ArgumentParser
import Foundation
import MLVExperiments
import MLVGit
import MLVWorkspace

extension MLVMain {
  struct Plots: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "plots",
      abstract: "Write one self-contained HTML page of the runs: table, params vs metrics, per-step curves.",
      discussion: """
        The page needs no network and no script: the runs table, a scatter chart of
        each numeric param that varies between runs against each numeric metric, and
        line charts of the per-step metrics of runs whose stage declared a plots file
        (`mlv run --plots FILE`: CSV with a header, or JSON Lines, with a `step` or
        `epoch` column), read from each run's commit.

        Examples:
          mlv plots --html runs.html
          mlv plots --html sweep.html sweep-1 sweep-2 sweep-3
        """)

    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("html"), help: "The page to write.") var html: String
    @Option(name: .customLong("precision"), help: "Significant digits in the table.") var precision = 6
    @Argument(help: "Runs to show (default: every successful run).") var runs: [String] = []

    func run() throws {
      let ctx = Context(global)
      try ctx.run {
        let ws = try ctx.open()
        var all = try RunStore.all(in: ws.git).filter { $0.record.exitCode == 0 }
        if !runs.isEmpty {
          let known = Set(all.map(\.id))
          for r in runs where !known.contains(r) { throw RunError.unknownRun(name: r) }
          all = all.filter { runs.contains($0.id) }
        }
        var pageRuns: [PlotsPage.Run] = []
        for run in all {
          var r = PlotsPage.Run(name: run.id, params: run.record.params, metrics: run.record.metrics)
          for file in try plotsFiles(of: run, git: ws.git) {
            guard let bytes = try ws.git.readFile(file, at: run.commit) else { continue }
            for (column, points) in try StepSeries.parse(bytes, path: "\(file) at \(run.commit.short)") {
              r.series["\(file): \(column)"] = points
              r.xLabel["\(file): \(column)"] = StepSeries.xLabel(bytes)
            }
          }
          pageRuns.append(r)
        }
        var table = ExperimentTable(records: all.map(\.record))
        table.precision = precision
        let page = PlotsPage(runs: pageRuns, table: table)
        let path = html.hasPrefix("/") ? html : ctx.cwd + "/" + html
        try Data(page.render().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        let curves = pageRuns.filter { !$0.series.isEmpty }.count
        ctx.out.line("wrote \(html): \(Format.count(pageRuns.count, "run")), \(Format.count(curves, "run")) with per-step curves")
      }
    }

    /// The plots files the run's stage declared, as committed in the run commit.
    func plotsFiles(of run: StoredRun, git: GitRepository) throws -> [String] {
      guard let stageName = run.record.stage, let bytes = try git.readFile(StageFile.fileName, at: run.commit) else { return [] }
      let file = try StageFile.parse(String(decoding: bytes, as: UTF8.self), path: "\(StageFile.fileName) at \(run.commit.short)")
      guard let stage = file[stageName] else { return [] }
      return stage.plots.map(stage.resolve)
    }
  }
}
