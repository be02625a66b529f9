import ArgumentParser
import Foundation
import MLVWorkspace

extension MLVMain {
  struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "log",
      abstract: "List the versions of a tracked path (or of every one).",
      discussion: """
        Shows each commit (following first parents from HEAD or REV) that changed the
        pointer of PATH, newest first, with its author, the data's size and file count.
        PATH may be a file inside a tracked directory: then the commits that changed
        that file. Without PATH, the versions of every tracked path, one after another.
        --json prints a document for scripts (docs/cli.md).

        Examples:
          mlv log
          mlv log data/
          mlv log data/images/cat.png
          mlv log models/model.bin --rev v2 -n 5
          mlv log data --json
        """)

    @OptionGroup var global: GlobalOptions
    @Option(name: [.short, .customLong("max-count")], help: "Show at most this many versions.") var limit: Int?
    @Option(help: "Start from this revision instead of HEAD.", completion: Completions.revisions) var rev: String?
    @Flag(help: "Print a JSON document (docs/cli.md).") var json = false
    @Argument(help: "A tracked file or directory, or a file inside a tracked directory (default: every tracked path).", completion: Completions.trackedPaths)
    var path: String?

    func run() throws {
      let ctx = Context(global)
      try ctx.run {
        let ws = try ctx.open()
        guard let path else { return try logEveryPath(ws, ctx) }
        let rel = try ws.relative(path, cwd: ctx.cwd)
        let versions = try ws.log(rel, from: rev, limit: limit)
        if versions.isEmpty { throw WorkspaceError.notTracked(rel) }
        if json {
          ctx.out.line(Self.render(["version": 1, "path": rel, "versions": Self.items(versions)]))
          return
        }
        for l in lines(rel, versions) { ctx.out.line(l) }
      }
    }

    /// `mlv log` without a path: each path tracked now or at the starting revision, in turn.
    func logEveryPath(_ ws: Workspace, _ ctx: Context) throws {
      let start = try rev.map { try ws.git.resolveCommit($0) } ?? ws.git.head()
      let tracked = Set(try ws.trackedPaths()).union(try start.map { try ws.trackedPaths(at: $0) } ?? []).sorted()
      guard !tracked.isEmpty else { return ctx.out.line("no tracked data (use `mlv add`)") }
      var all: [(String, [DataVersion])] = []
      for p in tracked { all.append((p, try ws.log(p, from: rev, limit: limit))) }
      if json {
        ctx.out.line(Self.render(["version": 1, "paths": all.map { ["path": $0.0, "versions": Self.items($0.1)] as [String: Any] }]))
        return
      }
      for (k, (p, versions)) in all.enumerated() {
        if k > 0 { ctx.out.line("") }
        ctx.out.line("\(p):")
        for l in lines(p, versions) { ctx.out.line("  " + l) }
        if versions.isEmpty { ctx.out.line("  (not committed yet)") }
      }
    }

    /// One line per version of `rel`.
    func lines(_ rel: String, _ versions: [DataVersion]) -> [String] {
      let dates = DateFormatter()
      dates.dateFormat = "yyyy-MM-dd HH:mm"
      var out: [String] = []
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
        out.append(
          "\(v.commit.oid.short)  \(dates.string(from: v.commit.time))  \(author)  "
            + "\(what.padding(toLength: 24, withPad: " ", startingAt: 0))  \(v.commit.summary)")
      }
      return out
    }

    /// Whether the versions describe a file inside a tracked directory.
    func isInner(_ rel: String, _ versions: [DataVersion]) -> Bool {
      versions.contains { $0.entry != nil || $0.manifestMissing }
    }

    static func items(_ versions: [DataVersion]) -> [[String: Any]] {
      let iso = ISO8601DateFormatter()
      return versions.map { v in
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
    }

    static func render(_ doc: [String: Any]) -> String {
      let data = (try? JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data()
      return String(decoding: data, as: UTF8.self)
    }
  }
}
