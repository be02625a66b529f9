import Foundation
import MLVExperiments
import MLVGit
import MLVRegistry
import MLVWorkspace

/// The lineage of an artifact version as a JSON-ready tree (docs/registry.md, "Lineage"):
/// what `mlv lineage --json` prints, what `--html` draws, and the predicate a signed
/// attestation carries. One builder for all three, so they cannot disagree.
enum LineageGraph {
  /// One artifact version: the import pin or the run behind it, and its inputs in turn.
  /// `prefer` names, by "path NUL oid", the run to take for a node when several recorded
  /// runs produced the same id (a verify rebuilds the signed lineage with the signed runs;
  /// otherwise the latest successful run wins).
  static func node(
    _ ws: Workspace, _ path: String, _ oid: String, at commit: GitOID, runs: [StoredRun],
    prefer: [String: String] = [:]
  ) -> [String: Any] {
    var seen = Set<String>()
    return node(ws, path, oid, at: commit, runs: runs, prefer: prefer, depth: 0, seen: &seen)
  }

  private static func node(
    _ ws: Workspace, _ path: String, _ oid: String, at commit: GitOID, runs: [StoredRun], prefer: [String: String],
    depth: Int, seen: inout Set<String>
  ) -> [String: Any] {
    var node: [String: Any] = ["path": path, "oid": oid]
    if let bytes = try? ws.git.readFile(path + ImportPin.suffix, at: commit),
      let pin = try? ImportPin.decode(bytes, file: path + ImportPin.suffix)
    {
      node["imported"] = ["url": pin.url, "path": pin.path, "rev": pin.rev, "commit": pin.commit]
    }
    // A cycle cannot happen with content ids, but a doctored record could fake one.
    let key = path + "\u{0}" + oid
    guard depth < 32, seen.insert(key).inserted else { return node }
    let made = runs.filter { $0.record.outs[path] == oid && $0.record.exitCode == 0 }
    guard let run = made.last(where: { $0.id == prefer[key] }) ?? made.last else { return node }
    let r = run.record
    var producer: [String: Any] = [
      "run": run.id, "command": r.command, "commit": r.commit ?? run.commit.hex, "started": r.startedAt,
      "params": r.params.mapValues(\.canonical), "os": r.environment.os, "mlv": r.environment.mlvVersion,
    ]
    producer["inputs"] = r.deps.keys.sorted().map { d in
      Self.node(ws, d, r.deps[d] ?? "", at: run.commit, runs: runs, prefer: prefer, depth: depth + 1, seen: &seen)
    }
    node["producedBy"] = producer
    return node
  }

  /// Forward: the registry versions whose record names this path and id, with the
  /// stages that hold them now.
  static func registered(_ ws: Workspace, _ path: String, _ oid: String) throws -> [[String: Any]] {
    var out: [[String: Any]] = []
    for m in try Registry(ws).state().sortedModels {
      for v in m.versions where v.record?.oid == oid && v.record?.path == path {
        out.append([
          "version": "\(m.name)@\(v.version)",
          "stages": m.currentStages.filter { $0.event.version == v.version }.map(\.stage),
        ])
      }
    }
    return out
  }

  /// The run chosen at each node of a lineage tree, by "path NUL oid".
  static func runs(in node: [String: Any]) -> [String: String] {
    var out: [String: String] = [:]
    func walk(_ n: [String: Any]) {
      guard let made = n["producedBy"] as? [String: Any] else { return }
      if let p = n["path"] as? String, let o = n["oid"] as? String, let r = made["run"] as? String { out[p + "\u{0}" + o] = r }
      for i in made["inputs"] as? [[String: Any]] ?? [] { walk(i) }
    }
    walk(node)
    return out
  }

  /// Compares a signed lineage with the one this repository gives for the same artifact,
  /// taking the runs the signed one names.
  static func check(signed: [String: Any], _ ws: Workspace, _ v: ModelVersion) throws -> Registry.LineageCheck {
    guard let path = signed["path"] as? String, let oid = signed["oid"] as? String else {
      throw RegistryError.lineageMismatch(tag: "\(v.name)@\(v.version)", detail: "the signed lineage names no path")
    }
    let runs = (try? RunStore.all(in: ws.git)) ?? []
    let pins = Self.runs(in: signed)
    let here = Set(runs.map(\.id))
    let absent = Set(pins.values).subtracting(here).sorted()
    if !absent.isEmpty {
      return .notChecked("run \(absent.joined(separator: ", ")) is not in this repository (`mlv exp pull` brings runs)")
    }
    let now = node(ws, path, oid, at: v.commit, runs: runs, prefer: pins)
    let a = try Attestation.canonical(signed), b = try Attestation.canonical(now)
    guard a == b else {
      let (la, lb) = (a.split(separator: "\n"), b.split(separator: "\n"))
      let i = (0..<min(la.count, lb.count)).first { la[$0] != lb[$0] } ?? min(la.count, lb.count)
      let signedLine = i < la.count ? la[i].trimmingCharacters(in: .whitespaces) : "(end)"
      let hereLine = i < lb.count ? lb[i].trimmingCharacters(in: .whitespaces) : "(end)"
      throw RegistryError.lineageMismatch(tag: "\(v.name)@\(v.version)", detail: "signed \(signedLine), here \(hereLine)")
    }
    return .matches
  }
}
