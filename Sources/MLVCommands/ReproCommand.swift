import ArgumentParser
import Foundation
import MLVExperiments
import MLVWorkspace

extension MLVMain {
  struct Repro: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "repro",
      abstract: "Reproduce a recorded run and compare, or bring the declared stages up to date.",
      discussion: """
        mlv repro RUN|REV: checks out the run's commit (code, params, data) in a
        temporary git worktree sharing the store, runs the recorded command there, and
        compares every output (content id) and metric with the record. Your workspace
        and branch are not touched (with --in-place the run commit is checked out in
        your workspace instead). Prints `reproduced: identical`, or each differing
        output and metric with its delta. Exit codes: 0 identical (or metrics within
        --tolerance); 1 differs, or an error.

        mlv repro (no run): runs the stages of mlv.stages.yaml in dependency order. A
        stage whose command, dependency contents and params match an earlier successful
        run is `up to date` (or `restored from cache` when its outputs are brought back
        from that run); the others run and are recorded like `mlv run -n STAGE`.

        Examples:
          mlv repro baseline
          mlv repro baseline --tolerance 1e-6
          mlv repro
        """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "A run name, run id or revision; omit to run the declared stages.") var target: String?
    @Flag(name: .customLong("in-place"), help: "Check out the run commit in this workspace and re-run there.")
    var inPlace = false
    @Option(name: .customLong("tolerance"), help: "Accept metric differences up to X (absolute), or X% (relative).")
    var tolerance: String?
    @Option(name: .customLong("stage"), help: "With no run: only this stage and what it depends on.")
    var stages: [String] = []
    @Flag(name: .customLong("force"), help: "With no run: run stages even when up to date.") var force = false
    @Flag(name: .customLong("no-commit"), help: "With no run: run stages without recording runs.") var noCommit = false

    mutating func run() async throws {
      let ctx = Context(global)
      let (target, stages, force, noCommit, inPlace, tolerance, global) = (
        self.target, self.stages, self.force, self.noCommit, self.inPlace, self.tolerance, self.global
      )
      try await ctx.runAsync(locking: "mlv repro") { ws in
        if let spec = target { try await Self.fetchMissingData(spec, ws: ws, ctx: ctx) }
        guard let spec = target else {
          var options = Pipeline.Options(mlvVersion: mlvVersion)
          options.stages = stages
          options.force = force
          options.commit = !noCommit
          options.log = { ctx.out.line($0) }
          _ = try RunCommands.interruptible { try Pipeline.reproduce(in: ws, options: options) }
          return
        }
        var options = ReproOptions(mlvVersion: mlvVersion)
        options.inPlace = inPlace
        if let tolerance { (options.absoluteTolerance, options.relativeTolerance) = try Self.parseTolerance(tolerance) }
        options.log = RunCommands.stderr(global.quiet)
        let report = try RunCommands.interruptible { try Reproduction.reproduce(spec, in: ws, options: options) }
        for line in Self.render(report) { ctx.out.line(line) }
        if !report.reproduced { throw ExitCode(1) }
      }
    }

    static func parseTolerance(_ text: String) throws -> (Double, Double) {
      if text.hasSuffix("%"), let p = Double(text.dropLast()), p >= 0 { return (0, p / 100) }
      if let a = Double(text), a >= 0 { return (a, 0) }
      throw ValidationError("--tolerance must be a non-negative number or a percentage (e.g. 1e-6 or 0.5%)")
    }

    static func render(_ report: ReproReport) -> [String] {
      var lines: [String] = []
      for c in report.environmentChanges {
        lines.append("note: \(c.key) was \(c.old?.canonical ?? "absent"), now \(c.new?.canonical ?? "absent")")
      }
      for a in report.differingInputs {
        lines.append("warning: input \(a.path) is \(short(a.reproduced)), recorded \(short(a.recorded))")
      }
      for a in report.differingOutputs {
        lines.append("differs: output \(a.path): recorded \(short(a.recorded)), reproduced \(a.reproduced.map(short) ?? "not produced")")
      }
      for m in report.metrics {
        let old = m.recorded?.canonical ?? "-"
        let new = m.reproduced?.canonical ?? "-"
        switch m.comparison {
        case .identical: continue
        case .withinTolerance(let d): lines.append("within tolerance: metric \(m.key): recorded \(old), reproduced \(new) (delta \(delta(d)))")
        case .differs(let d):
          lines.append("differs: metric \(m.key): recorded \(old), reproduced \(new)" + (d.map { " (delta \(delta($0)))" } ?? ""))
        }
      }
      let run = "run \(report.run.id) (\(report.run.commit.short))"
      if report.identical {
        lines.append("reproduced: identical (\(run))")
      } else if report.reproduced {
        lines.append("reproduced: within tolerance (\(run))")
      } else {
        let n = report.differingOutputs.count + report.metrics.filter { !$0.comparison.isAcceptable }.count
        lines.append("reproduced: differs (\(run); \(n) artifact\(n == 1 ? "" : "s") and metrics differ)")
      }
      return lines
    }

    /// The run's data is fetched from the default remote when the local store lacks any
    /// of it (a teammate's run, or a store cleaned by gc); without a remote, repro goes on
    /// and a missing object is reported by name (exit 4).
    static func fetchMissingData(_ spec: String, ws: Workspace, ctx: Context) async throws {
      let (commit, _) = try RunStore.resolve(spec, in: ws.git)
      let (graph, _) = try ws.graph(KeepPolicy(revisions: [commit.hex], history: false, workspace: false))
      guard !graph.missing.isEmpty, RemoteAccess.known(ws).defaultRemote != nil else { return }
      var words = RemoteAccess.Words()
      words.revisions = [commit.hex]
      let (remote, report, _) = try await Fetch.fetch(ws, words, jobs: defaultJobs)
      if !ctx.options.quiet { ctx.out.line(Fetch.summary(report, remote: remote)) }
    }

    static func short(_ id: String?) -> String { id.map { String($0.prefix(12)) } ?? "missing" }

    static func delta(_ d: Double) -> String { d >= 0 ? "+\(d)" : "\(d)" }
  }
}
