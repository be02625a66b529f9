import ArgumentParser
import Foundation
import MLVExperiments
import MLVGit
import MLVRegistry
import MLVWorkspace

extension MLVMain {
  struct Lineage: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Where a tracked artifact came from, and where it went.",
      discussion: """
        Back from the artifact at REV (default HEAD) to the run that produced it
        (command, params, code commit, environment) and, recursively, to the runs or
        imports behind its inputs, matched by content id; forward to the registry
        versions and stages that name it.

        Examples:
          mlv lineage models/churn
          mlv lineage models/churn --rev v2 --json
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "A tracked path.") var path: String
    @Option(help: "The revision to start from.") var rev: String?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
      let ctx = Context(global)
      try ctx.run {
        let ws = try ctx.open()
        let rel = try ws.relative(path, cwd: ctx.cwd)
        let commit = try ws.git.resolveCommit(rev ?? "HEAD")
        guard let pointer = try ws.readPointer(rel, at: commit) else { throw WorkspaceError.notTracked(rel) }
        // An unreadable run record from a teammate hides that run, it does not stop lineage.
        let runs = (try? RunStore.all(in: ws.git)) ?? []
        var seen = Set<String>()
        var node = Self.node(ws, rel, pointer.oid.hex, at: commit, runs: runs, depth: 0, seen: &seen)
        let state = try Registry(ws).state()
        var registered: [[String: Any]] = []
        for m in state.sortedModels {
          for v in m.versions where v.record?.oid == pointer.oid.hex && v.record?.path == rel {
            registered.append([
              "version": "\(m.name)@\(v.version)",
              "stages": m.currentStages.filter { $0.event.version == v.version }.map(\.stage),
            ])
          }
        }
        node["registered"] = registered
        if json {
          let data = try JSONSerialization.data(withJSONObject: node, options: [.prettyPrinted, .sortedKeys])
          ctx.out.line(String(decoding: data, as: UTF8.self))
        } else {
          Self.print(node, indent: "", ctx.out)
        }
      }
    }

    /// One artifact version: the import pin or the run behind it, and its inputs in turn.
    static func node(
      _ ws: Workspace, _ path: String, _ oid: String, at commit: GitOID, runs: [StoredRun], depth: Int,
      seen: inout Set<String>
    ) -> [String: Any] {
      var node: [String: Any] = ["path": path, "oid": oid]
      if let bytes = try? ws.git.readFile(path + ImportPin.suffix, at: commit),
        let pin = try? ImportPin.decode(bytes, file: path + ImportPin.suffix)
      {
        node["imported"] = ["url": pin.url, "path": pin.path, "rev": pin.rev, "commit": pin.commit]
      }
      // A cycle cannot happen with content ids, but a doctored record could fake one.
      guard depth < 32, seen.insert(path + "\u{0}" + oid).inserted else { return node }
      guard let run = runs.last(where: { $0.record.outs[path] == oid && $0.record.exitCode == 0 }) else { return node }
      let r = run.record
      var made: [String: Any] = [
        "run": run.id, "command": r.command, "commit": r.commit ?? run.commit.hex, "started": r.startedAt,
        "params": r.params.mapValues(\.canonical), "os": r.environment.os, "mlv": r.environment.mlvVersion,
      ]
      made["inputs"] = r.deps.keys.sorted().map { d in
        Self.node(ws, d, r.deps[d] ?? "", at: run.commit, runs: runs, depth: depth + 1, seen: &seen)
      }
      node["producedBy"] = made
      return node
    }

    static func print(_ node: [String: Any], indent: String, _ out: Output) {
      let oid = (node["oid"] as? String).map { String($0.prefix(12)) } ?? "?"
      out.line("\(indent)\(node["path"] as? String ?? "?")  \(oid)")
      if let i = node["imported"] as? [String: String] {
        out.line("\(indent)  imported from \(i["url"] ?? "") \(i["path"] ?? "") at \(String((i["commit"] ?? "").prefix(7)))"
          + ((i["rev"] ?? "").isEmpty ? "" : " (\(i["rev"] ?? ""))"))
      }
      if let m = node["producedBy"] as? [String: Any] {
        let cmd = (m["command"] as? [String] ?? []).joined(separator: " ")
        out.line("\(indent)  made by run \(m["run"] as? String ?? "?") at \(String((m["commit"] as? String ?? "").prefix(7))): \(cmd)")
        if let p = m["params"] as? [String: String], !p.isEmpty {
          out.line("\(indent)    params: " + p.keys.sorted().map { "\($0)=\(p[$0] ?? "")" }.joined(separator: " "))
        }
        out.line("\(indent)    env: \(m["os"] as? String ?? "?"), mlv \(m["mlv"] as? String ?? "?")")
        for input in m["inputs"] as? [[String: Any]] ?? [] { print(input, indent: indent + "    ", out) }
      }
      for r in node["registered"] as? [[String: Any]] ?? [] {
        let stages = r["stages"] as? [String] ?? []
        out.line("\(indent)  registered as \(r["version"] as? String ?? "?")" + (stages.isEmpty ? "" : " [\(stages.joined(separator: ", "))]"))
      }
    }
  }
}
