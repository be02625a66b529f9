import ArgumentParser
import Foundation
import MLVExperiments
import MLVGit
import MLVWorkspace

extension MLVMain {
  struct Exp: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List and compare recorded runs.",
      discussion: "Examples:\n  mlv exp show --sort accuracy --desc\n  mlv exp diff baseline lr-small",
      subcommands: [Show.self, DiffRuns.self])

    struct Show: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Every recorded run as a table: run, commit, time, params, metrics.",
        discussion: """
          Runs are found through refs/mlv/runs/* and in the .mlv/runs records of every
          branch and tag, so runs on other branches are listed too. Failed runs (recorded
          with --keep-failed) are shown with --all.

          Examples:
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
      @Option(name: .customLong("params"), help: "Only these params keys (and keys under them).") var params: [String] = []
      @Option(name: .customLong("metrics"), help: "Only these metrics keys (and keys under them).") var metrics: [String] = []

      func validate() throws {
        if json && csv { throw ValidationError("choose one of --json and --csv") }
      }

      func run() throws {
        let ctx = Context(global)
        try ctx.run {
          let ws = try ctx.open()
          let runs = try RunStore.all(in: ws.git).filter { all || $0.record.exitCode == 0 }
          var table = ExperimentTable(
            records: runs.map(\.record), params: params.isEmpty ? nil : params, metrics: metrics.isEmpty ? nil : metrics)
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
  @Argument(help: "The first run or revision.") var a: String
  @Argument(help: "The second run or revision.") var b: String
  @Flag(name: .customLong("all"), help: "Show unchanged keys too.") var all = false
  @Flag(name: .customLong("json"), help: "JSON output.") var json = false

  func run(sections: [String]) throws {
    let ctx = Context(global)
    try ctx.run {
      let ws = try ctx.open()
      let left = try RevisionSnapshot.record(for: a, in: ws.git)
      let right = try RevisionSnapshot.record(for: b, in: ws.git)
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
