import ArgumentParser
import MLVWorkspace

extension MLVMain {
  struct Add: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "add",
      abstract: "Store files or directories and write pointer files for git.",
      discussion: """
        Each path is split into content-defined chunks stored once in .mlv/store. A
        pointer file PATH.mlv is written beside it and staged, and PATH is added to the
        .gitignore of its directory. Directories honour .mlvignore; symbolic links
        inside them are skipped, never followed. Adding again after a change stores
        only new chunks.

        Only data you changed is recorded: a path whose pointer git changed (checkout,
        pull, merge) while its data was not checked out again is refused by name, since
        recording it would undo the newer pointer; --force records it anyway.

        Examples:
          mlv add data/
          mlv add models/model.bin data/train.csv
        """)

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.short, .long], help: "Record data even when its pointer changed without a checkout.") var force = false
    @Argument(help: "Files or directories to track.") var paths: [String]

    func run() throws {
      let ctx = Context(global)
      try ctx.run(locking: "mlv add") { ws in
        let rel = try paths.map { try ws.relative($0, cwd: ctx.cwd) }
        let (results, raw, stored) = try ws.add(rel, force: force)
        guard !global.quiet else { return }
        for r in results {
          let what = r.pointer.kind == .dir ? "\(Format.count(r.pointer.files, "file")), " : ""
          ctx.out.line("\(r.changed ? "added" : "unchanged") \(r.path) (\(what)\(Format.bytes(r.pointer.size))) -> \(r.path).mlv")
        }
        ctx.out.line("stored \(Format.bytes(raw)) of new data in \(Format.bytes(stored))")
      }
    }
  }
}
