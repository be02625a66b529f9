import ArgumentParser
import Foundation
import MLVExperiments
import MLVGit
import MLVRegistry
import MLVSystem
import MLVWorkspace

extension MLVMain {
  struct Lineage: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "lineage",
      abstract: "Where a tracked artifact came from, and where it went.",
      discussion: """
        Back from the artifact at REV (default HEAD) to the run that produced it
        (command, params, code commit, environment) and, recursively, to the runs or
        imports behind its inputs, matched by content id; forward to the registry
        versions and stages that name it.

        Examples:
          mlv lineage models/churn
          mlv lineage models/churn --rev v2 --json
          mlv lineage models/churn --html lineage.html
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "A tracked path.") var path: String
    @Option(help: "The revision to start from.") var rev: String?
    @Flag(help: "Print JSON.") var json = false
    @Option(help: "Write a self-contained HTML page drawing the lineage graph.") var html: String?

    func validate() throws {
      if json && html != nil { throw ValidationError("give one of --json or --html") }
    }

    func run() throws {
      let ctx = Context(global)
      try ctx.run {
        let ws = try ctx.open()
        let rel = try ws.relative(path, cwd: ctx.cwd)
        let commit = try ws.git.resolveCommit(rev ?? "HEAD")
        guard let pointer = try ws.readPointer(rel, at: commit) else { throw WorkspaceError.notTracked(rel) }
        // An unreadable run record from a teammate hides that run, it does not stop lineage.
        let runs = (try? RunStore.all(in: ws.git)) ?? []
        var node = LineageGraph.node(ws, rel, pointer.oid.hex, at: commit, runs: runs)
        node["registered"] = try LineageGraph.registered(ws, rel, pointer.oid.hex)
        if let html {
          let dest = html.hasPrefix("/") ? html : ctx.cwd + "/" + html
          try FS.atomicWrite(Array(LineageHTML.render(node, commit: commit).utf8), to: dest)
          ctx.out.line("wrote \(html)")
        } else if json {
          let data = try JSONSerialization.data(withJSONObject: node, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
          ctx.out.line(String(decoding: data, as: UTF8.self))
        } else {
          Self.print(node, indent: "", ctx.out)
        }
      }
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
