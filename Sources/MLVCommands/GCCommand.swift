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
      try await ctx.runAsync {
        let ws = try ctx.open()
        let lock = try ws.lock("mlv gc")
        defer { withExtendedLifetime(lock) {} }
        let policy = KeepPolicy(revisions: keep.isEmpty ? nil : keep, history: !tipsOnly, workspace: !noWorkspace)
        if let remote {
          try await RemoteMaintenance.gc(ws, remoteName: remote, policy: policy, dryRun: dryRun, out: ctx.out)
          return
        }
        let r = try ws.gc(policy, dryRun: dryRun)
        let verb = dryRun ? "would free" : "freed"
        ctx.out.line(
          "\(verb) \(Format.bytes(r.bytesFreed)): \(Format.count(r.deadObjects)) unused objects "
            + "(\(Format.bytes(r.deadBytes))), \(r.packsDeleted) packs deleted, \(r.packsRepacked) repacked; "
            + "\(Format.count(r.liveObjects, "object")) kept")
        if r.missing > 0 {
          ctx.out.line("note: \(r.missing) objects needed by kept revisions are not in the local store (see `mlv fsck`)")
        }
      }
    }
  }

  struct Fsck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Verify every stored object and that kept revisions have all their data.",
      discussion: """
        Re-hashes every object in the local store, checks indexes against packs, and
        walks every pointer of the kept revisions (all branches, tags, runs, HEAD and
        the workspace) down to its chunks. Each corrupt or missing object is listed
        with the paths that need it. Exits 4 when anything is wrong.

        Examples:
          mlv fsck
          mlv fsck --keep HEAD --tips-only
          mlv fsck --remote origin   # re-hash every object on the remote
          mlv fsck --repair          # replace damaged objects from the remote
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
      try await ctx.runAsync {
        let ws = try ctx.open()
        let lock = try ws.lock("mlv fsck")
        defer { withExtendedLifetime(lock) {} }
        let policy = KeepPolicy(revisions: keep.isEmpty ? nil : keep, history: !tipsOnly)
        if repair {
          try await RemoteMaintenance.repair(ws, remoteName: remote, policy: policy, out: ctx.out)
        } else if let remote {
          if try await !RemoteMaintenance.fsck(ws, remoteName: remote, policy: policy, out: ctx.out) { throw ExitCode(4) }
          return
        }
        let r = try ws.fsck(policy)
        for (path, why) in r.damagedIndexes { ctx.out.line("damaged index \(path): \(why)") }
        for (path, why) in r.damagedPacks { ctx.out.line("damaged pack \(path): \(why)") }
        for c in r.corrupt {
          ctx.out.line("corrupt object \(c.id.hex): \(c.detail)")
          for p in c.neededBy.prefix(10) { ctx.out.line("  needed by \(p)") }
        }
        for m in r.missing {
          ctx.out.line("missing object \(m.id.hex)")
          for p in m.neededBy.prefix(10) { ctx.out.line("  needed by \(p)") }
        }
        if r.danglingIndexEntries > 0 { ctx.out.line("\(r.danglingIndexEntries) index entries name objects their pack lacks") }
        ctx.out.line(
          "checked \(Format.count(r.objectsChecked, "object")) (\(Format.bytes(r.bytesChecked))) in \(r.packsChecked) packs "
            + "and \(Format.count(r.pointersChecked)) pointers: "
            + (r.isHealthy ? "no problems" : "\(r.corrupt.count) corrupt, \(r.missing.count) missing"))
        if !r.isHealthy { throw ExitCode(4) }
      }
    }
  }
}
