import ArgumentParser
import MLVWorkspace

extension MLVMain {
  struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "rm",
      abstract: "Stop tracking data: its pointer and .gitignore rule go, the data stays.",
      discussion: """
        Removes PATH.mlv and PATH's rule from its .gitignore, and stages both changes;
        commit to record them. The data itself is kept in the workspace (now an
        untracked file for git) unless --purge, which deletes it too — refusing files
        whose content is not in the store unless --force. Objects only the removed
        pointer needed go at the next `mlv gc` once no commit names them.

        Examples:
          mlv rm data/old
          mlv rm --purge scratch.bin
        """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Delete the data from the workspace too.") var purge = false
    @Flag(name: [.short, .long], help: "With --purge: delete data whose content is not in the store.") var force = false
    @Argument(help: "Tracked files or directories.", completion: Completions.trackedPaths) var paths: [String]

    func run() throws {
      let ctx = Context(global)
      try ctx.run(locking: "mlv rm") { ws in
        let rel = try paths.map { try ws.relative($0, cwd: ctx.cwd) }
        let results = try ws.remove(rel, purge: purge, force: force)
        guard !global.quiet else { return }
        for r in results {
          ctx.out.line(
            "untracked \(r.path) (removed \(r.path).mlv)"
              + (purge ? "; deleted \(Format.count(r.filesDeleted, "file"))" : "; the data stays in the workspace"))
        }
      }
    }
  }

  struct Move: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "mv",
      abstract: "Move tracked data: data, pointer and .gitignore rule together.",
      discussion: """
        Renames the data, its pointer file and its .gitignore rule, and stages the
        changes; `git status` is clean once they are committed. Nothing is hashed or
        stored again.

        Examples:
          mlv mv data/raw data/v1
          mlv mv model.bin models/model.bin
        """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The tracked path to move.", completion: Completions.trackedPaths) var source: String
    @Argument(help: "Where to move it (must not exist).") var destination: String

    func run() throws {
      let ctx = Context(global)
      try ctx.run(locking: "mlv mv") { ws in
        let from = try ws.relative(source, cwd: ctx.cwd)
        let to = try ws.relative(destination, cwd: ctx.cwd)
        try ws.move(from, to: to)
        if !global.quiet { ctx.out.line("moved \(from) -> \(to) (and \(from).mlv -> \(to).mlv)") }
      }
    }
  }
}
