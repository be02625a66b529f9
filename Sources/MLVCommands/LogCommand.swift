import ArgumentParser
import Foundation
import MLVWorkspace

extension MLVMain {
  struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List the versions of a tracked path.",
      discussion: """
        Shows each commit (following first parents from HEAD or REV) that changed the
        pointer of PATH, newest first, with the data's size and file count.

        Examples:
          mlv log data/
          mlv log models/model.bin --rev v2 -n 5
        """)

    @OptionGroup var global: GlobalOptions
    @Option(name: [.short, .customLong("max-count")], help: "Show at most this many versions.") var limit: Int?
    @Option(help: "Start from this revision instead of HEAD.") var rev: String?
    @Argument(help: "A tracked file or directory.") var path: String

    func run() throws {
      let ctx = Context(global)
      try ctx.run {
        let ws = try ctx.open()
        let rel = try ws.relative(path, cwd: ctx.cwd)
        let versions = try ws.log(rel, from: rev, limit: limit)
        if versions.isEmpty {
          throw WorkspaceError.notTracked(rel)
        }
        let dates = DateFormatter()
        dates.dateFormat = "yyyy-MM-dd HH:mm"
        for v in versions {
          let what: String
          if let p = v.pointer {
            what = p.kind == .dir ? "\(Format.bytes(p.size)) in \(Format.count(p.files, "file"))" : Format.bytes(p.size)
          } else {
            what = "removed"
          }
          ctx.out.line("\(v.commit.oid.short)  \(dates.string(from: v.commit.time))  \(what.padding(toLength: 28, withPad: " ", startingAt: 0))  \(v.commit.summary)")
        }
      }
    }
  }
}
