import ArgumentParser
import Foundation
import MLVRemote
import MLVStore
import MLVWorkspace

extension MLVMain {
  struct Push: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "push",
      abstract: "Upload the data of HEAD (or of revisions, or paths) that a remote lacks.",
      discussion: """
        Uploads only objects the remote does not have, as packs (a few dozen requests
        per GiB), --jobs at a time, each retried on transient errors. An interrupted
        push keeps what it uploaded; running it again moves only the rest.

        By default pushes what HEAD and the workspace (including staged pointers) need.

        Examples:
          mlv push
          mlv push origin v1.0 experiment
          mlv push --all-commits
          mlv push -- models/
          mlv push --dry-run          # what the remote lacks (or: mlv status --remote)
        """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Push the data of every commit of every branch and tag.") var allCommits = false
    @Flag(help: "Show what the remote lacks without uploading anything.") var dryRun = false
    @Option(help: "Parallel uploads.") var jobs = defaultJobs
    @Argument(help: "[REMOTE] [REVISION...] [-- PATH...]: a remote name first, then revisions and tracked paths.", completion: Completions.pathsOrRevisions) var words: [String] = []

    mutating func run() async throws {
      let ctx = Context(global)
      try await ctx.runAsync(locking: "mlv push") { ws in
        let w = try RemoteAccess.classify(words, terminated: [], ws: ws, cwd: ctx.cwd)
        let remote = try RemoteAccess.open(ws, name: w.remote)
        let graph: ObjectGraph
        if w.paths.isEmpty {
          let head = try ws.git.head()
          let revisions = allCommits ? (w.revisions.isEmpty ? nil : w.revisions) : (w.revisions.isEmpty ? (head == nil ? [] : ["HEAD"]) : w.revisions)
          graph = try ws.graph(KeepPolicy(revisions: revisions, history: allCommits, workspace: w.revisions.isEmpty)).graph
        } else {
          var selections: [DataSelection] = []
          if w.revisions.isEmpty {
            selections = try ws.selectData(at: nil, paths: w.paths)
          } else {
            for rev in w.revisions { selections += try ws.selectData(at: try ws.git.resolveCommit(rev), paths: w.paths) }
          }
          graph = ws.graph(of: selections)
        }
        let ids = graph.reached
        var missing = graph.missing
        if dryRun {
          let index = try await remote.index()
          let lacking = Set(ids.filter { !index.contains($0) })
          let layout = ws.store.layout(of: lacking)
          let local = lacking.count - layout.notLocal.count
          ctx.out.line(
            ids.isEmpty
              ? "nothing to push: no data is tracked here"
              : local == 0
              ? "\(remote.name) has all \(Format.count(ids.count, "object")) this push would send"
              : "would push \(Format.count(local, "object")) (\(Format.bytes(layout.storedBytes))) to \(remote.name); "
                + "\(Format.count(ids.count - lacking.count)) already there")
          if !layout.notLocal.isEmpty { ctx.out.line("\(Format.count(layout.notLocal.count, "object")) needed are not in the local store") }
          return
        }
        let r = try await remote.push(ids, from: ws.store, jobs: max(1, jobs), progress: TransferProgressBridge(ws.progress))
        missing.formUnion(r.notLocal)
        if !missing.isEmpty {
          let paths = Set(graph.paths(of: missing).values.flatMap { $0 }).sorted()
          FileHandle.standardError.write(
            Data(("mlv: warning: \(missing.count) needed objects are not in the local store and were not pushed"
              + (paths.isEmpty ? "" : " (needed by \(paths.prefix(5).joined(separator: ", ")))") + "\n").utf8))
        }
        guard !global.quiet else { return }
        var line = "pushed \(Format.count(r.objectsPushed, "object")), \(Format.bytes(r.bytesPushed)), "
          + "\(Format.count(r.alreadyOnRemote)) already on \(remote.name)"
        if r.packsResumed > 0 { line += " (\(r.packsResumed) packs from an interrupted push reused)" }
        ctx.out.line(line)
      }
    }
  }
}
