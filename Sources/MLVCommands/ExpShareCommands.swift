import ArgumentParser
import Foundation
import MLVExperiments
import MLVGit
import MLVRemote
import MLVWorkspace

extension MLVMain.Exp {
  struct Apply: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "apply",
      abstract: "Bring a run's params, code and outputs into the workspace.",
      discussion: """
        Writes the files the run changed against the commit it started from (params,
        code, the stage file, output pointers) and restores the outputs' data. HEAD and
        the branch stay; commit the result with `mlv commit` to keep it. A file with
        changes of your own found in no run is refused unless --force.

        Example:
          mlv exp apply fast && mlv commit -m "take the fast run"
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The run.") var runID: String
    @Flag(name: .customLong("force"), help: "Overwrite files with changes of your own.") var force = false

    func run() throws {
      let ctx = Context(global)
      try ctx.run(locking: "mlv exp apply") { ws in
        let applied = try RunPromotion.apply(runID, force: force, in: ws)
        for f in applied.files { ctx.out.line("  wrote \(f)") }
        for f in applied.removed { ctx.out.line("  removed \(f)") }
        ctx.out.line("applied run \(runID): \(Format.count(applied.files.count + applied.removed.count, "file")), \(Format.count(applied.data.count, "output")) restored")
      }
    }
  }

  struct Branch: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "branch",
      abstract: "Make a branch at a run's commit.",
      discussion: "Example:\n  mlv exp branch fast tune-fast && git checkout tune-fast && mlv checkout")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The run.") var runID: String
    @Argument(help: "The new branch.") var branch: String

    func run() throws {
      let ctx = Context(global)
      try ctx.run(locking: "mlv exp branch") { ws in
        let commit = try RunPromotion.branch(runID, name: branch, in: ws)
        ctx.out.line("branch \(branch) at run \(runID) (\(commit.short))")
      }
    }
  }

  struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "remove",
      abstract: "Drop runs: their refs go now, their data at the next `mlv gc`.",
      discussion: "Example:\n  mlv exp remove sweep-3 sweep-4")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Run ids.") var runs: [String]

    func validate() throws { if runs.isEmpty { throw ValidationError("name at least one run") } }

    func run() throws {
      let ctx = Context(global)
      try ctx.run(locking: "mlv exp remove") { ws in
        for id in try RunPromotion.remove(runs, in: ws) { ctx.out.line("removed run \(id)") }
      }
    }
  }

  struct Push: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "push",
      abstract: "Send runs to a teammate: refs to the git remote, outputs to the mlv remote.",
      discussion: """
        Pushes refs/mlv/runs/RUN for each run (every run when none is named) to the
        git remote GIT_REMOTE (a remote name, a path or a URL), and uploads the data
        the run commits need to the mlv remote of the same name, or the default one.
        A run that exists on the git remote with another commit is refused and reported
        (exit 1). The git remote is reached by running `git push`, so ssh (agent, keys,
        ~/.ssh/config) and https (credential helpers) work as they do for git.

        Example:
          mlv exp push origin fast sweep-1
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The git remote.") var gitRemote: String
    @Argument(help: "Run ids (default: every run).") var runs: [String] = []
    @Option(help: "Parallel uploads.") var jobs = defaultJobs

    mutating func run() async throws {
      let ctx = Context(global)
      let (gitRemote, runs, jobs) = (self.gitRemote, self.runs, self.jobs)
      try await ctx.runAsync(locking: "mlv exp push") { ws in
        let selected = try RunSync.runs(runs, in: ws.git)
        guard !selected.isEmpty else { ctx.out.line("no runs to push"); return }
        let remote = try RemoteAccess.open(ws, name: RemoteAccess.known(ws).remotes[gitRemote] != nil ? gitRemote : nil)
        let graph = try ws.graph(KeepPolicy(revisions: selected.map(\.commit.hex), history: false, workspace: false)).graph
        if !graph.missing.isEmpty {
          throw ExpShareError.dataNotLocal(count: graph.missing.count, remote: remote.name)
        }
        let data = try await remote.push(graph.reached, from: ws.store, jobs: max(1, jobs), progress: TransferProgressBridge(ws.progress))
        let result = try RunSync.push(selected, to: gitRemote, in: ws.git)
        ctx.out.line("pushed \(Format.count(result.pushed.count, "run")) to \(gitRemote); data: \(Format.count(data.objectsPushed, "object")), \(Format.bytes(data.bytesPushed)) to \(remote.name) (\(data.alreadyOnRemote) already there)")
        for r in result.rejected {
          FileHandle.standardError.write(Data("mlv: error: run \(r.id) refused by \(gitRemote): \(r.reason) (a run of that name with another commit is there)\n".utf8))
        }
        if !result.rejected.isEmpty { throw ExitCode(1) }
      }
    }
  }

  struct Pull: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "pull",
      abstract: "Get a teammate's runs: refs from the git remote, outputs from the mlv remote.",
      discussion: """
        Fetches refs/mlv/runs/* (or the named runs) from the git remote and creates
        each run that is missing here; a run of the same name with another commit
        is kept and reported. Then downloads the data of the new runs from the mlv
        remote of the same name, or the default one, so `mlv repro RUN` works
        offline.

        Example:
          git clone URL copy && cd copy && mlv exp pull origin && mlv repro base
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The git remote.") var gitRemote: String
    @Argument(help: "Run ids (default: every run).") var runs: [String] = []
    @Flag(name: .customLong("no-data"), help: "Only the refs; data is fetched when needed.") var noData = false
    @Option(help: "Parallel downloads.") var jobs = defaultJobs

    mutating func run() async throws {
      let ctx = Context(global)
      let (gitRemote, runs, jobs, noData) = (self.gitRemote, self.runs, self.jobs, self.noData)
      try await ctx.runAsync(locking: "mlv exp pull") { ws in
        let result = try RunSync.pull(runs, from: gitRemote, in: ws.git)
        var line = "pulled \(Format.count(result.added.count, "run")) from \(gitRemote)"
        if !result.unchanged.isEmpty { line += ", \(result.unchanged.count) already here" }
        ctx.out.line(line)
        for id in result.conflicting {
          FileHandle.standardError.write(Data("mlv: warning: run \(id) exists here with another commit; kept yours\n".utf8))
        }
        // the data of every run the remote has (new or already here), downloading only what is missing
        let pulled = try RunSync.runs(result.added.map(\.id) + result.unchanged, in: ws.git)
        guard !noData, !pulled.isEmpty, RemoteAccess.known(ws).remotes.count > 0 else { return }
        let graph = try ws.graph(KeepPolicy(revisions: pulled.map(\.commit.hex), history: false, workspace: false)).graph
        guard !graph.missing.isEmpty else { return }
        let remote = try RemoteAccess.open(ws, name: RemoteAccess.known(ws).remotes[gitRemote] != nil ? gitRemote : nil)
        let report = try await DataTransfer.fetchMissing(graph, ws: ws, remote: remote, jobs: max(1, jobs))
        ctx.out.line(MLVMain.Fetch.summary(report, remote: remote))
      }
    }
  }
}

enum ExpShareError: Error, CustomStringConvertible {
  case dataNotLocal(count: Int, remote: String)
  var description: String {
    switch self {
    case .dataNotLocal(let n, let remote):
      return "\(n) objects the runs need are not in the local store, so \(remote) would get an incomplete run; fetch them first (mlv fetch) or push fewer runs"
    }
  }
}
