import ArgumentParser
import MLVRemote
import MLVWorkspace

extension MLVMain {
  struct GC: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "gc",
      abstract: "Delete stored objects that no kept revision needs.",
      discussion: """
        By default the data of every branch, tag and recorded run (their whole
        history), HEAD and the workspace is kept; everything else is deleted. Packs
        that became mostly dead are rewritten with only their live objects. Holds the
        repository lock, so a concurrent `mlv add` waits rather than losing objects.

        With --remote, gc takes the remote's exclusive lock (it fails while a push
        runs; a lock left by a killed push is removed with `mlv remote unlock`) and
        also aborts multipart uploads killed pushes left unfinished.

        Examples:
          mlv gc --dry-run
          mlv gc
          mlv gc --keep master --tips-only   # only master's tip and the workspace
          mlv gc --remote origin --dry-run   # the same rules, on a remote
        """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Show what would be freed without deleting anything.") var dryRun = false
    @Option(name: .customLong("keep"), help: "Keep only these revisions (repeatable) and the workspace.")
    var keep: [String] = []
    @Flag(help: "Keep only the tips of kept revisions, not their history.") var tipsOnly = false
    @Flag(help: "Do not keep the data the workspace points to.") var noWorkspace = false
    @Option(help: "Clean this remote instead of the local store (nobody may push to it meanwhile).")
    var remote: String?

    mutating func run() async throws {
      let ctx = Context(global)
      let (keep, tipsOnly, noWorkspace, dryRun, remote) = (keep, tipsOnly, noWorkspace, dryRun, remote)
      try await ctx.runAsync(locking: "mlv gc") { ws in
        let policy = KeepPolicy(revisions: keep.isEmpty ? nil : keep, history: !tipsOnly, workspace: !noWorkspace)
        if let remote {
          try await RemoteMaintenance.gc(ws, remoteName: remote, policy: policy, dryRun: dryRun, out: ctx.out)
          return
        }
        let report = try ws.gc(policy, dryRun: dryRun)
        let r = report.store
        let verb = dryRun ? "would free" : "freed"
        ctx.out.line(
          "\(verb) \(Format.bytes(r.bytesFreed)): \(Format.count(r.deadObjects, "unused object")) "
            + "(\(Format.bytes(r.deadBytes))), \(Format.count(r.packsDeleted, "pack")) deleted, \(r.packsRepacked) repacked; "
            + "\(Format.count(r.liveObjects, "object")) kept")
        if report.missing > 0 {
          ctx.out.line(
            "note: \(Format.count(report.missing, "object")) needed by kept revisions "
              + "\(report.missing == 1 ? "is" : "are") not in the local store (see `mlv fsck`)")
        }
        if r.packsWithDamagedLiveObjects + r.damagedPacksKept > 0 {
          ctx.out.line(
            "note: \(Format.count(r.packsWithDamagedLiveObjects + r.damagedPacksKept, "damaged pack")) left as "
              + "\(r.packsWithDamagedLiveObjects + r.damagedPacksKept == 1 ? "it is" : "they are") (run `mlv fsck --repair`)")
        }
        for p in report.unreadablePointers.prefix(10) { ws.progress.warn("unreadable pointer \(p)") }
      }
    }
  }

  struct Fsck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "fsck",
      abstract: "Verify every stored object and that kept revisions have all their data.",
      discussion: """
        Re-hashes every object in the local store, checks indexes against packs, and
        walks every pointer of the kept revisions (all branches, tags, runs, HEAD and
        the workspace) down to its chunks. Each corrupt or missing object is listed
        with the paths that need it. Exits 4 when anything is wrong.

        --remote reads the remote's indexes from the remote itself (never the local
        cache of them), verifies each, then re-hashes every object they name.

        --repair rebuilds the local indexes from the packs (which describe
        themselves), rewrites damaged packs with their good objects, then fetches
        what kept revisions still miss from the remote (--remote, or the default).

        Examples:
          mlv fsck
          mlv fsck --keep HEAD --tips-only
          mlv fsck --remote origin   # re-hash every object on the remote
          mlv fsck --repair          # rebuild indexes, drop damaged objects, fetch
                                     # what is missing from the default remote
        """)

    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("keep"), help: "Check only these revisions (repeatable) and the workspace.")
    var keep: [String] = []
    @Flag(help: "Check only the tips of revisions, not their history.") var tipsOnly = false
    @Option(help: "Verify this remote instead (with --repair: the remote to repair from).") var remote: String?
    @Flag(help: "Replace corrupt or missing local objects from the remote (default remote unless --remote).")
    var repair = false

    mutating func run() async throws {
      let ctx = Context(global)
      let (keep, tipsOnly, remote, repair) = (keep, tipsOnly, remote, repair)
      try await ctx.runAsync(locking: "mlv fsck") { ws in
        let policy = KeepPolicy(revisions: keep.isEmpty ? nil : keep, history: !tipsOnly)
        if repair {
          _ = try await RemoteMaintenance.repair(ws, remoteName: remote, policy: policy, out: ctx.out)
        } else if let remote {
          if try await !RemoteMaintenance.fsck(ws, remoteName: remote, policy: policy, out: ctx.out) { throw ExitCode(4) }
          return
        }
        let r = try ws.fsck(policy)
        let store = r.store
        for (path, why) in store.damagedIndexes { ctx.out.line("damaged index \(path): \(why)") }
        for (path, why) in store.damagedPacks { ctx.out.line("damaged pack \(path): \(why)") }
        for e in store.badEntries.prefix(20) { ctx.out.line("bad index entry for \(e.id.hex) in \(e.index): \(e.reason)") }
        if store.badEntries.count > 20 { ctx.out.line("... and \(store.badEntries.count - 20) more bad index entries") }
        for c in r.corrupt {
          ctx.out.line("corrupt object \(c.id.hex): \(c.detail)")
          for p in c.neededBy.prefix(10) { ctx.out.line("  needed by \(p)") }
        }
        for m in r.missing {
          ctx.out.line("missing object \(m.id.hex)")
          for p in m.neededBy.prefix(10) { ctx.out.line("  needed by \(p)") }
        }
        for d in r.damaged { ctx.out.line("unusable object \(d.id.hex): \(d.reason)") }
        for p in r.unreadablePointers { ctx.out.line("unreadable pointer \(p)") }
        if store.unindexedObjects > 0 {
          ctx.out.line("note: \(Format.count(store.unindexedObjects, "object")) in packs no index names (harmless; `mlv fsck --repair` indexes them)")
        }
        var problems: [String] = []
        if !store.corrupt.isEmpty { problems.append("\(store.corrupt.count) corrupt") }
        if !r.missing.isEmpty { problems.append("\(r.missing.count) missing") }
        let damage = store.damagedIndexes.count + store.damagedPacks.count + store.badEntries.count + r.damaged.count
          + r.unreadablePointers.count
        if damage > 0 { problems.append("\(damage) damaged") }
        ctx.out.line(
          "checked \(Format.count(store.objectsChecked, "object")) (\(Format.bytes(store.bytesChecked))) in "
            + "\(Format.count(store.packsChecked, "pack")) and \(Format.count(r.pointersChecked, "pointer")): "
            + (r.isHealthy ? "no problems" : problems.joined(separator: ", ") + (repair ? "" : " (try `mlv fsck --repair`)")))
        if !r.isHealthy { throw ExitCode(4) }
      }
    }
  }
}
