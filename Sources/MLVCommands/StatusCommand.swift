import ArgumentParser
import MLVWorkspace

extension MLVMain {
  struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show tracked data that changed or is not committed.",
      discussion: """
        Compares each tracked file or directory with its pointer (unchanged files are
        recognised from a stat cache without reading them) and lists modified, added
        and deleted files, pointers not committed yet or deleted, and data missing
        from the workspace.

        Examples:
          mlv status
          mlv status data/
        """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Limit to these tracked paths.") var paths: [String] = []

    func run() throws {
      let ctx = Context(global)
      try ctx.run {
        let ws = try ctx.open()
        let filter = try paths.map { try ws.relative($0, cwd: ctx.cwd) }
        let statuses = try ws.status(filter: filter)
        var clean = true
        for s in statuses {
          if s.pointerDeleted {
            clean = false
            let pointer = s.path + ".mlv"
            ctx.out.line(
              "\(pointer): pointer deleted (run `git checkout -- \(pointer)` to restore it, or `git rm \(pointer)` to stop tracking \(s.path))")
            continue
          }
          if s.missing {
            clean = false
            ctx.out.line("\(s.path): not in the workspace (run `mlv checkout` or `mlv pull`)")
            continue
          }
          if !s.isClean {
            clean = false
            ctx.out.line("\(s.path): changed (run `mlv add \(s.path)` or `mlv commit`)")
            for p in s.modified { ctx.out.line("  modified: \(join(s.path, p))") }
            for p in s.added { ctx.out.line("  added:    \(join(s.path, p))") }
            for p in s.deleted { ctx.out.line("  deleted:  \(join(s.path, p))") }
          }
          if s.uncommitted {
            clean = false
            ctx.out.line("\(s.path).mlv: not committed")
          }
        }
        if clean && !global.quiet {
          ctx.out.line(statuses.isEmpty ? "no tracked data (use `mlv add`)" : "tracked data is up to date (\(Format.count(statuses.count, "path")))")
        }
      }
    }

    func join(_ a: String, _ b: String) -> String { b.isEmpty ? a : a + "/" + b }
  }
}
