import ArgumentParser
import Foundation
import MLVWorkspace

extension MLVMain {
  struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Compare tracked data between two revisions or with the workspace.",
      discussion: """
        No revision: HEAD against the workspace. One revision: it against the workspace.
        Two: the first against the second. Lists files added, removed, modified and
        renamed in each tracked path, with sizes, totals, and how many bytes of the newer
        version are new relative to the older one (what storing it costs).
        --json prints the same as a stable JSON document (docs/cli.md).

        Examples:
          mlv diff
          mlv diff HEAD~1 HEAD
          mlv diff v1 v2 --json -- data/
        """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print a JSON document instead of text.") var json = false
    @Option(help: "Show at most this many files per path in text output.") var limit = 50
    @Argument(help: "The older revision (default HEAD).") var from: String?
    @Argument(help: "The newer revision (default: the workspace).") var to: String?
    @Argument(parsing: .postTerminator, help: "Limit to these tracked paths.") var paths: [String] = []

    func run() throws {
      let ctx = Context(global)
      try ctx.run {
        let ws = try ctx.open()
        let filter = try paths.map { try ws.relative($0, cwd: ctx.cwd) }
        func side(_ rev: String) throws -> DiffSide { .commit(try ws.git.resolveCommit(rev), label: rev) }
        let old: DiffSide = try side(from ?? "HEAD")
        let new: DiffSide = try to.map(side) ?? .workspace
        let d = try ws.diff(from: old, to: new, filter: filter)
        if json {
          let enc = JSONEncoder()
          enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
          ctx.out.line(String(decoding: try enc.encode(d), as: UTF8.self))
        } else {
          render(d, ctx.out)
        }
      }
    }

    func render(_ d: DataDiff, _ out: Output) {
      if d.paths.isEmpty {
        out.line("no differences in tracked data between \(d.from) and \(d.to)")
        return
      }
      for p in d.paths {
        let kinds = p.oldKind == nil ? "new" : p.newKind == nil ? "removed" : p.newKind!
        out.line("\(p.path) (\(kinds)): \(Format.bytes(p.oldSize)) -> \(Format.bytes(p.newSize)), \(Format.count(p.oldFiles)) -> \(Format.count(p.newFiles)) files")
        for c in p.changes.prefix(limit) {
          switch c.change {
          case "renamed": out.line("  renamed   \(c.oldPath ?? "") -> \(c.path)")
          case "added": out.line("  added     \(c.path) (\(Format.bytes(c.newSize ?? 0)))")
          case "removed": out.line("  removed   \(c.path) (\(Format.bytes(c.oldSize ?? 0)))")
          default: out.line("  modified  \(c.path) (\(Format.bytes(c.oldSize ?? 0)) -> \(Format.bytes(c.newSize ?? 0)))")
          }
        }
        if p.changes.count > limit { out.line("  ... \(p.changes.count - limit) more (use --limit or --json)") }
      }
      let t = d.totals
      let fresh = t.newBytes.map { "\(Format.bytes($0)) new relative to \(d.from)" } ?? "new bytes unknown (objects not local)"
      out.line("\(t.added) added, \(t.removed) removed, \(t.modified) modified, \(t.renamed) renamed; \(Format.bytes(t.oldSize)) -> \(Format.bytes(t.newSize)); \(fresh)")
    }
  }
}
