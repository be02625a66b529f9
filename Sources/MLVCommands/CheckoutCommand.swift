import ArgumentParser
import MLVStore
import MLVWorkspace

extension MLVMain {
  struct Checkout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "checkout",
      abstract: "Bring back the code, params and data of a revision.",
      discussion: """
        With REVISION (branch, tag, commit, HEAD~1, ...): checks out its code and
        pointers like git, then restores the data they point to. With paths after `--`:
        restores only those tracked paths from REVISION, without moving HEAD; a path
        inside a tracked directory restores only that file or sub-directory. Without a
        revision: restores data to match the current pointers (after a plain `git
        checkout` or `git pull`), and removes the data of paths no pointer names.

        All or nothing: objects the local store lacks are fetched from the default
        remote first; when one is on no remote, nothing is changed (exit 4). Only
        files whose content differs are written. Files whose current content is not in
        the store (changes never added) make the checkout refuse, naming them, unless
        --force is given.

        After a merge conflict in a pointer, --ours or --theirs settles it: for the
        whole tracked path, or for one file inside a tracked directory.

        Examples:
          mlv checkout HEAD~1
          mlv checkout master
          git checkout v1 && mlv checkout
          mlv checkout v2 -- data/
          mlv checkout v1 -- data/images/cat.png
          mlv checkout --theirs data/x.csv
        """)

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.short, .long], help: "Discard uncommitted changes to code and data.") var force = false
    @Flag(help: "Resolve a merge conflict in the named pointers with this branch's version.") var ours = false
    @Flag(help: "Resolve a merge conflict in the named pointers with the merged branch's version.") var theirs = false
    @Argument(help: "A branch, tag or commit.", completion: Completions.revisions) var revision: String?
    @Argument(parsing: .postTerminator, help: "Limit to these tracked paths.", completion: Completions.trackedPaths) var paths: [String] = []

    func validate() throws {
      if ours && theirs { throw ValidationError("give --ours or --theirs, not both") }
      if (ours || theirs) && revision == nil && paths.isEmpty {
        throw ValidationError("name the conflicted paths: mlv checkout --\(ours ? "ours" : "theirs") PATH")
      }
    }

    mutating func run() async throws {
      let ctx = Context(global)
      let (revision, paths, force, side) = (revision, paths, force, ours ? ManifestMerge.Side.ours : theirs ? .theirs : nil)
      try await ctx.runAsync(locking: "mlv checkout") { ws in
        if let side {
          try await Self.resolve(ws, ctx, (revision.map { [$0] } ?? []) + paths, side)
          return
        }
        let commit = try revision.map { try ws.git.resolveCommit($0) }
        let filter = try ctx.trackedFilter(paths, ws, at: commit)
        // What the target needs must be local before HEAD moves or data is touched.
        let selections = try ws.selectData(at: commit, paths: filter)
        let kept = ws.keptSubtrees(for: selections)
        if let fetched = try await DataTransfer.ensureLocal(selections, skipping: kept, ws: ws), !global.quiet {
          ctx.out.line("fetched \(Format.count(fetched.objectsFetched, "object")) (\(Format.bytes(fetched.bytesFetched)))")
        }
        let s = try ws.checkout(revision: revision, paths: filter, force: force)
        guard !global.quiet else { return }
        if let c = s.commit, let info = try? ws.git.commitInfo(c) {
          let branch = (try? ws.git.currentBranch()).flatMap { $0 }
          ctx.out.line("at \(c.short) \(info.summary)\(branch.map { " (\($0))" } ?? " (detached)")")
        }
        ctx.out.line(Self.summary(s))
      }
    }

    static func summary(_ s: CheckoutSummary) -> String {
      var line = "data: \(Format.count(s.filesWritten, "file")) written (\(Format.bytes(s.bytesWritten))), "
        + "\(Format.count(s.filesRemoved)) removed, \(Format.count(s.filesUnchanged)) unchanged"
      if !s.pathsRemoved.isEmpty { line += "; no longer tracked here: " + s.pathsRemoved.joined(separator: ", ") }
      return line
    }

    static func resolve(_ ws: Workspace, _ ctx: Context, _ paths: [String], _ side: ManifestMerge.Side) async throws {
      for arg in paths {
        let path = try ws.relative(arg, cwd: ctx.cwd)
        let owner = try ws.trackedPaths().first { $0 == path || path.hasPrefix($0 + "/") } ?? path
        if let v = try ws.conflictVersions(owner) {
          let needed = ws.manifestsNeeded([v.base, v.ours, v.theirs])
          if !needed.isEmpty, let remote = try? RemoteAccess.open(ws, name: nil) {
            _ = try await remote.fetch(needed, into: ws.store, progress: TransferProgressBridge(ws.progress))
          }
        }
        let r = try ws.resolveConflict(path, side: side)
        guard !ctx.options.quiet else { continue }
        if r.remaining.isEmpty {
          ctx.out.line("resolved \(owner).mlv (\(side.rawValue) for \(path == owner ? "every conflict" : path)); \(summary(r.summary))")
        } else {
          ctx.out.line(
            "took \(side.rawValue) for \(path); \(Format.count(r.remaining.count, "conflict")) left in \(owner).mlv: "
              + r.remaining.prefix(5).joined(separator: ", ") + (r.remaining.count > 5 ? ", ..." : ""))
        }
      }
    }
  }
}
