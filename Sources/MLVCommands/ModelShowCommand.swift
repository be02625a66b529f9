import ArgumentParser
import Foundation
import MLVRegistry

extension MLVMain.Model {
  struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "show",
      abstract: "List models: versions, current stages, who registered or promoted them, when.",
      discussion: """
        Tags that look like registry tags but are not valid ones (from a teammate or
        another tool) are listed as warnings on stderr and otherwise ignored.
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Only this model.") var name: String?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
      let ctx = Context(global)
      try ctx.run {
        let ws = try ctx.open()
        let state = try Registry(ws).state()
        var models = state.sortedModels
        if let name {
          guard let m = state.models[name] else { throw RegistryError.unknownModel(name) }
          models = [m]
        }
        for w in state.warnings { FileHandle.standardError.write(Data("mlv: warning: ignoring tag \(w)\n".utf8)) }
        if json {
          ctx.out.line(try Self.json(models))
          return
        }
        if models.isEmpty { ctx.out.line("no models registered (mlv model register NAME PATH vX.Y.Z)") }
        for m in models {
          ctx.out.line(m.name)
          let stages = m.currentStages
          for v in m.versions.reversed() {
            let here = stages.filter { $0.event.version == v.version }.map(\.stage)
            var line = "  \(v.version)  \(v.commit.short)  \(Self.date(v.time))  \(v.tagger)"
            if let r = v.record { line += "  \(r.path)  \(Format.bytes(r.size))" + (r.isSigned ? "  signed" : "") + (r.run.map { "  run \($0)" } ?? "") }
            if !here.isEmpty { line += "  [\(here.joined(separator: ", "))]" }
            ctx.out.line(line)
          }
          for (stage, e) in stages {
            ctx.out.line("  \(stage): \(e.version ?? "-")  (#\(e.number), \(Self.date(e.time)), \(e.tagger))")
          }
        }
      }
    }

    static func date(_ d: Date?) -> String {
      guard let d else { return "-" }
      let f = ISO8601DateFormatter()
      f.formatOptions = [.withInternetDateTime]
      return f.string(from: d)
    }

    static func json(_ models: [RegistryState.Model]) throws -> String {
      let out: [[String: Any]] = models.map { m in
        [
          "name": m.name,
          "versions": m.versions.map { v -> [String: Any] in
            var d: [String: Any] = ["version": v.version, "commit": v.commit.hex, "tagger": v.tagger, "time": date(v.time)]
            if let r = v.record {
              d["path"] = r.path
              d["kind"] = r.kind
              d["oid"] = r.oid
              d["size"] = r.size
              d["files"] = r.files
              d["signed"] = r.isSigned
              // The tree under mlv-attestation/NAME/VERSION (docs/design.md, "Attestations").
              if let a = r.attestation { d["attestation"] = a }
              if let run = r.run { d["run"] = run }
            }
            return d
          },
          "stages": Dictionary(uniqueKeysWithValues: m.currentStages.map { s in
            (s.stage, ["version": s.event.version ?? "", "number": s.event.number, "commit": s.event.commit.hex,
              "assigned_by": s.event.tagger, "time": date(s.event.time)] as [String: Any])
          }),
          "history": m.events.map { e -> [String: Any] in
            ["stage": e.stage, "version": e.version.map { $0 as Any } ?? NSNull(), "number": e.number, "unassigned": e.unassigned,
             "by": e.tagger, "time": date(e.time)]
          },
        ]
      }
      let data = try JSONSerialization.data(withJSONObject: ["models": out], options: [.prettyPrinted, .sortedKeys])
      return String(decoding: data, as: UTF8.self)
    }
  }
}
