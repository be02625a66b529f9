import ArgumentParser
import Foundation
import MLVRemote
import MLVStore
import MLVWorkspace

extension MLVMain {
  struct Fetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "fetch",
      abstract: "Download the data of a revision into the local store; the workspace is untouched.",
      discussion: """
        Downloads only objects the local store lacks, in ranged requests over the
        remote's packs, and verifies every object against its id before storing it.
        Without a revision, fetches what the current pointers need.

        Examples:
          mlv fetch
          mlv fetch origin HEAD~3 -- data/
          mlv fetch data/images/cat.png
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Parallel downloads.") var jobs = defaultJobs
    @Argument(help: "[REMOTE] [REVISION] [-- PATH...]: a remote name first, then a revision and tracked paths.", completion: Completions.pathsOrRevisions) var words: [String] = []

    mutating func run() async throws {
      let ctx = Context(global)
      try await Fetch.locked(ctx, "mlv fetch", words: words, jobs: jobs) { _, _, remote, report, _ in
        if !global.quiet { ctx.out.line(Fetch.summary(report, remote: remote)) }
      }
    }

    /// The common start of fetch and pull: under the repository lock, classifies `words`
    /// and downloads what they select, then hands the result to `body`.
    static func locked(
      _ ctx: Context, _ command: String, words: [String], jobs: Int,
      _ body: (Workspace, RemoteAccess.Words, RemoteRepository, FetchReport, [DataSelection]) throws -> Void
    ) async throws {
      try await ctx.runAsync(locking: command) { ws in
        let w = try RemoteAccess.classify(words, terminated: [], ws: ws, cwd: ctx.cwd)
        let (remote, report, selections) = try await fetch(ws, w, jobs: jobs)
        try body(ws, w, remote, report, selections)
      }
    }

    /// Shared by fetch and pull: resolves the selection and downloads what it needs.
    static func fetch(_ ws: Workspace, _ w: RemoteAccess.Words, jobs: Int) async throws -> (RemoteRepository, FetchReport, [DataSelection]) {
      guard w.revisions.count <= 1 else { throw ValidationError("give at most one revision") }
      let remote = try RemoteAccess.open(ws, name: w.remote)
      let commit = try w.revisions.first.map { try ws.git.resolveCommit($0) }
      let selections = try ws.selectData(at: commit, paths: w.paths)
      let report = try await DataTransfer.fetch(selections, ws: ws, remote: remote, jobs: max(1, jobs))
      return (remote, report, selections)
    }

    static func summary(_ r: FetchReport, remote: RemoteRepository) -> String {
      "fetched \(Format.count(r.objectsFetched, "object")), \(Format.bytes(r.bytesFetched)) from \(remote.name) "
        + "in \(Format.count(r.requests)) requests, \(Format.count(r.alreadyLocal)) already local"
    }
  }

  struct Pull: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "pull",
      abstract: "Fetch the data of the current pointers and restore it in the workspace.",
      discussion: """
        The teammate's command after `git clone`: downloads what the pointers need and
        writes the data, byte for byte. A path inside a tracked directory fetches and
        restores only that file or sub-directory. With a revision, behaves like `mlv
        checkout REVISION` once its data is fetched. HEAD does not move otherwise.

        Examples:
          git clone URL copy && cd copy && mlv pull
          mlv pull data/images/cat.png
          mlv pull backup -- models/
        """)

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.short, .long], help: "Overwrite files whose current content is not in the store.") var force = false
    @Option(help: "Parallel downloads.") var jobs = defaultJobs
    @Argument(help: "[REMOTE] [REVISION] [-- PATH...]: a remote name first, then a revision and tracked paths.", completion: Completions.pathsOrRevisions) var words: [String] = []

    mutating func run() async throws {
      let ctx = Context(global)
      try await Fetch.locked(ctx, "mlv pull", words: words, jobs: jobs) { ws, w, remote, report, selections in
        // The remote's index (mapped, ~50 MB for a million objects once read through) is
        // not needed by the restore: let it go before the restore's own peak.
        remote.invalidate()
        var total = CheckoutSummary()
        func add(_ s: CheckoutSummary) {
          total.filesWritten += s.filesWritten
          total.bytesWritten += s.bytesWritten
          total.filesUnchanged += s.filesUnchanged
          total.filesRemoved += s.filesRemoved
          total.pathsRemoved += s.pathsRemoved
        }
        if let rev = w.revisions.first {
          add(try ws.checkout(revision: rev, paths: w.paths, force: force))
        } else {
          let whole = selections.filter { $0.inner == nil }.map(\.dataPath)
          if w.paths.isEmpty || !whole.isEmpty {
            add(try ws.checkout(revision: nil, paths: w.paths.isEmpty ? [] : whole, force: force))
          }
          for sel in selections where sel.inner != nil { add(try ws.restoreSelection(sel, force: force)) }
        }
        ctx.out.line(Fetch.summary(report, remote: remote))
        ctx.out.line(MLVMain.Checkout.summary(total))
        if !GitIntegration.isInstalled(ws.git) {
          ctx.out.line("hint: run `mlv install` once in this clone so `git checkout`, `git pull` and `git merge` keep the data in step")
        }
      }
    }
  }
}
