import ArgumentParser
import Foundation
import MLVExperiments
import MLVGit
import MLVStore
import MLVWorkspace

extension MLVMain {
  struct Exp: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "exp",
      abstract: "List, compare, apply and share recorded runs.",
      discussion: """
        Examples:
          mlv exp show --sort accuracy --desc --precision 4
          mlv exp diff baseline lr-small
          mlv exp apply fast | mlv exp branch fast tune-fast | mlv exp remove sweep-3
          mlv exp push origin | mlv exp pull origin
        """,
      subcommands: [Show.self, DiffRuns.self, Apply.self, Branch.self, Remove.self, Push.self, Pull.self])

    struct Show: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Every recorded run as a table: run, stage, base commit, time, params, metrics.",
        discussion: """
          Runs are found through refs/mlv/runs/* and in the .mlv/runs records of every
          branch and tag, so runs on other branches are listed too. Failed runs (recorded
          with --keep-failed) are shown with --all. `base` is the commit the run started
          from; `data` says whether the run's outputs are in the local store (`remote`:
          fetch them with `mlv exp pull` or let `mlv repro` fetch them). Params and
          metrics columns are grouped by the file they come from. --precision rounds
          numbers in the text table only; --json and --csv keep full precision.

          Examples:
            mlv exp show --precision 4
            mlv exp show --sort acc --desc
            mlv exp show --csv > runs.csv
            mlv exp show --json --params train --metrics loss
          """)

      @OptionGroup var global: GlobalOptions
      @Option(name: .customLong("sort"), help: "Sort by a column: a metric, a param (params:KEY / metrics:KEY to be explicit), run or time.")
      var sort: String?
      @Flag(name: .customLong("desc"), help: "Sort descending.") var descending = false
      @Flag(name: .customLong("json"), help: "JSON output.") var json = false
      @Flag(name: .customLong("csv"), help: "CSV output.") var csv = false
      @Flag(name: .customLong("all"), help: "Include failed runs.") var all = false
      @Option(name: .customLong("precision"), help: "Significant digits of numbers in the text table.") var precision: Int?
      @Option(name: .customLong("params"), help: "Only these params keys (and keys under them).") var params: [String] = []
      @Option(name: .customLong("metrics"), help: "Only these metrics keys (and keys under them).") var metrics: [String] = []

      func validate() throws {
        if json && csv { throw ValidationError("choose one of --json and --csv") }
        if let precision, precision < 1 || precision > 17 { throw ValidationError("--precision must be 1 to 17") }
      }

      func run() throws {
        let ctx = Context(global)
        try ctx.run {
          let ws = try ctx.open()
          let cache = RunRecordCache(path: ws.stateDir + "/run-records")
          let runs = try RunStore.all(in: ws.git, cache: cache).filter { all || $0.record.exitCode == 0 }
          // a run's data is local when the store has the top object of every output
          let local = runs.map { run in
            run.record.outs.values.allSatisfy { hex in ObjectID(hex: hex).map { ws.store.contains($0) } ?? false }
          }
          var table = ExperimentTable(
            records: runs.map(\.record), params: params.isEmpty ? nil : params, metrics: metrics.isEmpty ? nil : metrics,
            dataLocal: local)
          table.precision = precision
          if let sort { try table.sort(by: sort, descending: descending) }
          if json {
            ctx.out.line(table.renderJSON())
          } else if csv {
            print(table.renderCSV(), terminator: "")
          } else if runs.isEmpty {
            ctx.out.line("no runs recorded (record one with `mlv run`)")
          } else {
            print(table.renderText(), terminator: "")
          }
        }
      }
    }

    struct DiffRuns: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two runs or revisions: params, metrics (with deltas), outputs, dependencies.",
        discussion: """
          A and B are run names (the latest run of that name), run ids, or git revisions;
          a revision that recorded no run is read from its mlv.stages.yaml (params files,
          metrics files, output pointers).

          Example:
            mlv exp diff baseline lr-small
          """)

      @OptionGroup var compare: CompareOptions

      func run() throws {
        try compare.run(sections: ["params", "metrics", "outs", "deps"])
      }
    }
  }
}

/// Arguments shared by `exp diff`, `params diff` and `metrics diff`.
struct CompareOptions: ParsableArguments {
  @OptionGroup var global: GlobalOptions
  @Argument(help: "The first run or revision (default: HEAD).") var a: String?
  @Argument(help: "The second run or revision (default: the workspace).") var b: String?
  @Flag(name: .customLong("all"), help: "Show unchanged keys too.") var all = false
  @Flag(name: .customLong("json"), help: "JSON output.") var json = false

  func run(sections: [String]) throws {
    let ctx = Context(global)
    try ctx.run {
      let ws = try ctx.open()
      // as in DVC: no argument compares HEAD with the workspace, one compares it with the workspace
      let a = self.a ?? "HEAD"
      let b = self.b ?? "workspace"
      let left = try RevisionSnapshot.record(for: a, in: ws.git)
      let right = self.b == nil ? try RevisionSnapshot.workspace(in: ws) : try RevisionSnapshot.record(for: b, in: ws.git)
      let report = DiffReport(left, right, includeUnchanged: all)
      let parts: [(String, [ValueChange])] = sections.map { name in
        switch name {
        case "params": return (name, report.params)
        case "metrics": return (name, report.metrics)
        case "outs": return (name, report.outs)
        default: return (name, report.deps)
        }
      }
      if json {
        ctx.out.line(DiffReport.json(parts))
        return
      }
      var printed = false
      for (name, changes) in parts where !changes.isEmpty {
        if sections.count > 1 { ctx.out.line("\(name):") }
        let shown = name == "outs" || name == "deps" ? changes.map { DiffReport.shortened($0) } : changes
        print(RunDiff.render(shown, oldLabel: a, newLabel: b), terminator: "")
        printed = true
      }
      if !printed { ctx.out.line("no differences in \(sections.joined(separator: ", ")) between \(a) and \(b)") }
    }
  }
}
