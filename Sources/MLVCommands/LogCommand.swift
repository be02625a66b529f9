import ArgumentParser
import Foundation
import MLVWorkspace

extension MLVMain {
  struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "log",
      abstract: "List the versions of a tracked path.",
      discussion: """
        Shows each commit (following first parents from HEAD or REV) that changed the
        pointer of PATH, newest first, with its author, the data's size and file count.
        PATH may be a file inside a tracked directory: then the commits that changed
        that file. --json prints a document for scripts (docs/cli.md).

        Examples:
          mlv log data/
          mlv log data/images/cat.png
          mlv log models/model.bin --rev v2 -n 5
          mlv log data --json
        """)

    @OptionGroup var global: GlobalOptions
    @Option(name: [.short, .customLong("max-count")], help: "Show at most this many versions.") var limit: Int?
    @Option(help: "Start from this revision instead of HEAD.", completion: Completions.revisions) var rev: String?
    @Flag(help: "Print a JSON document (docs/cli.md).") var json = false
    @Argument(help: "A tracked file or directory, or a file inside a tracked directory.", completion: Completions.trackedPaths) var path: String

    func run() throws {
      let ctx = Context(global)
      try ctx.run {
        let ws = try ctx.open()
        let rel = try ws.relative(path, cwd: ctx.cwd)
        let versions = try ws.log(rel, from: rev, limit: limit)
        if versions.isEmpty { throw WorkspaceError.notTracked(rel) }
        if json {
          ctx.out.line(Self.document(rel, versions))
          return
        }
        let dates = DateFormatter()
        dates.dateFormat = "yyyy-MM-dd HH:mm"
        for v in versions {
          let what: String
          if v.manifestMissing {
            what = "(manifest not local)"
          } else if let e = v.entry {
            what = Format.bytes(e.size)
          } else if let p = v.pointer, v.entry == nil, !isInner(rel, versions) {
            what = p.kind == .dir ? "\(Format.bytes(p.size)) in \(Format.count(p.files, "file"))" : Format.bytes(p.size)
          } else {
            what = "removed"
          }
          let author = v.commit.authorName.padding(toLength: 16, withPad: " ", startingAt: 0)
          ctx.out.line(
            "\(v.commit.oid.short)  \(dates.string(from: v.commit.time))  \(author)  "
              + "\(what.padding(toLength: 24, withPad: " ", startingAt: 0))  \(v.commit.summary)")
        }
      }
    }

    /// Whether the versions describe a file inside a tracked directory.
    func isInner(_ rel: String, _ versions: [DataVersion]) -> Bool {
      versions.contains { $0.entry != nil || $0.manifestMissing }
    }

    static func document(_ path: String, _ versions: [DataVersion]) -> String {
      let iso = ISO8601DateFormatter()
      let items: [[String: Any]] = versions.map { v in
        var d: [String: Any] = [
          "commit": v.commit.oid.hex, "summary": v.commit.summary, "author": v.commit.authorName,
          "email": v.commit.authorEmail, "time": iso.string(from: v.commit.time),
        ]
        if let p = v.pointer {
          d["pointer"] = ["kind": p.kind.rawValue, "oid": p.oid.hex, "size": p.size, "files": p.files] as [String: Any]
        } else {
          d["pointer"] = NSNull()
        }
        if let e = v.entry { d["file"] = ["oid": e.oid.hex, "size": e.size, "executable": e.executable] as [String: Any] }
        if v.manifestMissing { d["manifestMissing"] = true }
        return d
      }
      let doc: [String: Any] = ["version": 1, "path": path, "versions": items]
      let data = (try? JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data()
      return String(decoding: data, as: UTF8.self)
    }
  }
}
