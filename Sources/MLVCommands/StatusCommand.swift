import ArgumentParser
import Foundation
import MLVWorkspace

extension MLVMain {
  struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "status",
      abstract: "Show tracked data that changed, is not checked out, or is not committed.",
      discussion: """
        Compares each tracked file or directory with its pointer (unchanged files are
        recognised from a stat cache without reading them). A pointer that git changed
        (checkout, pull, merge, stash, revert) while the data stayed as it was is "not
        checked out": run `mlv checkout`. Only data you changed is "modified", and only
        that is what `mlv add` and `mlv commit` record. Also shown: unresolved merges
        of pointers, pointers not committed or deleted, data missing from the
        workspace.

        Large directories list the first paths of each kind; --all lists every one.
        --json prints a document for scripts (docs/cli.md).

        Examples:
          mlv status
          mlv status data/
          mlv status --json
          mlv status --remote origin   # also: what the remote lacks
          mlv status --check-imports   # also: imports whose source has moved
        """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "List every changed path, not the first ones of each directory.") var all = false
    @Flag(help: "Print a JSON document (docs/cli.md).") var json = false
    @Option(help: "Also show how much of the data the workspace needs this remote lacks.") var remote: String?
    @Flag(help: "Also check whether the sources of imported paths have moved (reads each source).") var checkImports = false
    @Argument(help: "Limit to these tracked paths.", completion: Completions.trackedPaths) var paths: [String] = []

    static let shown = 10

    mutating func run() async throws {
      let ctx = Context(global)
      let (paths, all, json, remote, quiet, checkImports) = (paths, all, json, remote, global.quiet, checkImports)
      try await ctx.runAsync {
        let ws = try ctx.open()
        let filter = try ctx.trackedFilter(paths, ws)
        let statuses = try ws.status(filter: filter)
        var lacking: (objects: Int, bytes: Int64, remote: String)?
        if let remote {
          let r = try await DataTransfer.pushPlan(ws, remoteName: remote, paths: filter)
          lacking = (r.objects, r.bytes, r.remote)
        }
        let imports = checkImports ? try ImportCheck.check(ws, filter: filter) : nil
        let unreachable = (imports ?? []).filter { $0.error != nil }
        if json {
          ctx.out.line(StatusJSON.render(statuses, lacking: lacking, imports: imports.map(ImportCheck.json)))
          if !unreachable.isEmpty { throw UnreachableImports(findings: unreachable) }
          return
        }
        guard !quiet else {
          if !unreachable.isEmpty { throw UnreachableImports(findings: unreachable) }
          return
        }
        var clean = true
        for s in statuses {
          let lines = Self.describe(s, limit: all ? Int.max : Self.shown)
          if !lines.isEmpty { clean = false }
          for l in lines { ctx.out.line(l) }
        }
        if clean {
          ctx.out.line(statuses.isEmpty ? "no tracked data (use `mlv add`)" : "tracked data is up to date (\(Format.count(statuses.count, "path")))")
        }
        if let lacking {
          ctx.out.line(
            lacking.objects == 0
              ? "\(lacking.remote) has all the data the workspace needs"
              : "\(lacking.remote) lacks \(Format.count(lacking.objects, "object")) (\(Format.bytes(lacking.bytes))): run `mlv push \(lacking.remote)`")
        }
        if let imports { for l in ImportCheck.lines(imports) { ctx.out.line(l) } }
        // Unreachable sources fail the command, after everything else was said.
        if !unreachable.isEmpty { throw UnreachableImports(findings: unreachable) }
      }
    }

    /// The lines that explain one path's status (none when clean).
    static func describe(_ s: DataStatus, limit: Int) -> [String] {
      var out: [String] = []
      let pointer = s.path + ".mlv"
      switch s.state {
      case .pointerDeleted:
        return ["\(pointer): pointer deleted (run `git checkout -- \(pointer)` to restore it, or `mlv rm \(s.path)` to stop tracking \(s.path))"]
      case .conflict:
        out.append("\(pointer): merge conflict (run `mlv checkout --ours \(s.path)` or `mlv checkout --theirs \(s.path)`)")
        out += listed("both changed", s.conflicts.map { join(s.path, $0) }, limit)
        return out
      case .missing:
        out.append("\(s.path): not in the workspace (run `mlv checkout` or `mlv pull`)")
      case .notCheckedOut:
        out.append("\(s.path): not checked out for the current pointers (run `mlv checkout`)")
      case .diverged:
        out.append(
          "\(s.path): changed here, and git changed its pointer too (run `mlv checkout --force \(s.path)` to take the "
            + "pointer's data, or `mlv add --force \(s.path)` to record yours)")
        out += changes(s, limit)
      case .modified:
        let n = s.added.count + s.modified.count + s.deleted.count
        out.append("\(s.path): " + (s.pointer?.kind == .dir ? "\(Format.count(n, "file")) changed" : "modified") + " (run `mlv add \(s.path)` or `mlv commit`)")
        out += changes(s, limit)
      case .clean: break
      }
      if s.notRestored > 0 && s.state != .missing {
        out.append("\(s.path): \(Format.count(s.notRestored, "file")) not checked out (restored in part; `mlv pull \(s.path)` brings the rest)")
      }
      if s.uncommitted { out.append("\(pointer): not committed") }
      return out
    }

    static func changes(_ s: DataStatus, _ limit: Int) -> [String] {
      guard s.pointer?.kind == .dir else { return [] }
      return listed("modified", s.modified.map { join(s.path, $0) }, limit)
        + listed("added", s.added.map { join(s.path, $0) }, limit)
        + listed("deleted", s.deleted.map { join(s.path, $0) }, limit)
    }

    static func listed(_ label: String, _ paths: [String], _ limit: Int) -> [String] {
      let pad = String(repeating: " ", count: max(1, 13 - label.count))
      var out = paths.prefix(limit).map { "  \(label):\(pad)\($0)" }
      if paths.count > limit { out.append("  ... and \(Format.count(paths.count - limit)) more \(label) (`mlv status --all` lists them)") }
      return out
    }

    static func join(_ a: String, _ b: String) -> String { b.isEmpty ? a : a + "/" + b }
  }
}

/// `mlv status --json` (docs/cli.md): fields are only ever added.
enum StatusJSON {
  static func render(
    _ statuses: [DataStatus], lacking: (objects: Int, bytes: Int64, remote: String)?, imports: [[String: Any]]? = nil
  ) -> String {
    func pointer(_ p: Pointer?) -> Any {
      guard let p else { return NSNull() }
      return ["kind": p.kind.rawValue, "oid": p.oid.hex, "size": p.size, "files": p.files] as [String: Any]
    }
    let paths: [[String: Any]] = statuses.map { s in
      [
        "path": s.path, "state": name(s.state), "pointer": pointer(s.pointer), "checkedOut": pointer(s.checkedOut),
        "added": s.added, "modified": s.modified, "deleted": s.deleted, "notRestored": s.notRestored,
        "conflicts": s.conflicts, "uncommitted": s.uncommitted,
      ]
    }
    var doc: [String: Any] = ["version": 1, "paths": paths, "clean": statuses.allSatisfy { $0.isClean && !$0.uncommitted }]
    if let imports { doc["imports"] = imports }
    if let lacking { doc["remote"] = ["name": lacking.remote, "lacksObjects": lacking.objects, "lacksBytes": lacking.bytes] }
    let data = (try? JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data()
    return String(decoding: data, as: UTF8.self)
  }

  static func name(_ s: DataStatus.State) -> String {
    switch s {
    case .clean: return "clean"
    case .modified: return "modified"
    case .notCheckedOut: return "notCheckedOut"
    case .diverged: return "diverged"
    case .missing: return "missing"
    case .conflict: return "conflict"
    case .pointerDeleted: return "pointerDeleted"
    }
  }
}
