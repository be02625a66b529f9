import ArgumentParser
import Foundation
import MLVExperiments
import MLVRegistry
import MLVWorkspace

extension MLVMain {
  struct Model: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "model",
      abstract: "Register model versions and assign them to stages (a registry in git tags).",
      discussion: """
        Versions and stages are annotated git tags in GTO's naming, so GTO and DVC
        Studio read the same registry and it travels with `git push --tags`:
          NAME@vX.Y.Z    a version, on the commit that holds the artifact's pointer
          NAME#STAGE#N   stage STAGE assigned to the version on that commit
        The latest assignment of a stage wins; rollback assigns the previous version
        again. See docs/registry.md.

        Examples:
          mlv model register churn models/churn v1.2.0 --sign ~/.ssh/id_ed25519
          mlv model promote churn v1.2.0 prod
          git push origin --tags
          mlv model get churn --stage prod -o /srv/model
          mlv model rollback churn prod
          mlv model verify churn@v1.2.0 --allowed-signers ~/.ssh/allowed_signers
        """,
      subcommands: [Register.self, Promote.self, Rollback.self, Show.self, Get.self, Verify.self])
  }
}

extension MLVMain.Model {
  struct Register: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "register",
      abstract: "Register the committed artifact at PATH as NAME@VERSION.",
      discussion: """
        The version tag goes on the commit (HEAD, or --rev) whose pointer names the
        artifact; the pointer in the workspace must be committed. With --sign KEY, an
        in-toto Statement (every file with its SHA-256, and the artifact's lineage) is
        signed with `ssh-keygen -Y sign -n mlv-model` and kept under the tag
        mlv-attestation/NAME/VERSION (docs/registry.md); objects missing here are
        fetched from the default remote first, to hash them.
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Model name (lowercase letters, digits, '-', '_', '/').") var name: String
    @Argument(help: "The tracked file or directory.") var path: String
    @Argument(help: "The version, vMAJOR.MINOR.PATCH.") var version: String
    @Option(help: "The commit to register (default HEAD).") var rev: String?
    @Option(help: "SSH private key file to sign the version with.") var sign: String?

    func run() async throws {
      let ctx = Context(global)
      try await ctx.runAsync(locking: "mlv model register") { ws in
        let rel = try ws.relative(path, cwd: ctx.cwd)
        let ref = rev ?? "HEAD"
        var lineage: [String: Any]?
        var run: String?
        if let commit = try? ws.git.resolveCommit(ref), let p = try? ws.readPointer(rel, at: commit) {
          // An unreadable run record is not a reason to refuse registering.
          let node = LineageGraph.node(ws, rel, p.oid.hex, at: commit, runs: (try? RunStore.all(in: ws.git)) ?? [])
          run = (node["producedBy"] as? [String: Any])?["run"] as? String
          lineage = node
          if sign != nil, let f = try await DataTransfer.ensureLocal(ws.graph(of: [DataSelection(dataPath: rel, pointer: p)]), ws: ws) {
            ctx.out.line("fetched \(Format.count(f.objectsFetched, "object")) (\(Format.bytes(f.bytesFetched))) to hash")
          }
        }
        let v = try Registry(ws).register(
          name: name, path: rel, version: version, ref: ref, signingKey: sign, run: run, lineage: lineage)
        ctx.out.line("registered \(name)@\(version) at \(v.commit.short) (\(rel))"
          + (sign == nil ? "" : ", signed: \(Attestation.tagName(name: name, version: version))")
          + (run.map { ", made by run \($0)" } ?? ""))
      }
    }
  }
}

extension MLVMain.Model {
  struct Promote: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "promote", abstract: "Assign STAGE to NAME's VERSION.")
    @OptionGroup var global: GlobalOptions
    @Argument var name: String
    @Argument var version: String
    @Argument var stage: String

    func run() throws {
      let ctx = Context(global)
      try ctx.run(locking: "mlv model promote") { ws in
        let e = try Registry(ws).promote(name: name, version: version, stage: stage)
        ctx.out.line("\(name)@\(version) is now in \(stage) (\(name)#\(stage)#\(e.number))")
      }
    }
  }

  struct Rollback: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "rollback",
      abstract: "Assign STAGE the version it had before its current one.")
    @OptionGroup var global: GlobalOptions
    @Argument var name: String
    @Argument var stage: String

    func run() throws {
      let ctx = Context(global)
      try ctx.run(locking: "mlv model rollback") { ws in
        let (from, e) = try Registry(ws).rollback(name: name, stage: stage)
        ctx.out.line("\(stage) of \(name): \(from) -> \(e.version ?? "?") (\(name)#\(stage)#\(e.number))")
      }
    }
  }

  struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "get",
      abstract: "Write a version's files to a directory, every byte verified.",
      discussion: """
        Objects the local store lacks are fetched from the default remote first. A
        directory artifact's files go under OUT; a file artifact is written as
        OUT/<its name>.
        """)
    @OptionGroup var global: GlobalOptions
    @Argument var name: String
    @Option(help: "The stage whose current version to get.") var stage: String?
    @Option(help: "The version to get.") var version: String?
    @Option(name: [.short, .customLong("out")], help: "Output directory.") var out: String

    func validate() throws {
      if (stage == nil) == (version == nil) { throw ValidationError("give exactly one of --stage or --version") }
    }

    func run() async throws {
      let ctx = Context(global)
      try await ctx.runAsync(locking: "mlv model get") { ws in
        let reg = Registry(ws)
        let v = try reg.resolve(name: name, stage: stage, version: version)
        let (path, pointer, _) = try reg.pointer(of: v)
        let graph = ws.graph(of: [DataSelection(dataPath: path, pointer: pointer)])
        if let f = try await DataTransfer.ensureLocal(graph, ws: ws) {
          ctx.out.line("fetched \(Format.count(f.objectsFetched, "object")) (\(Format.bytes(f.bytesFetched)))")
        }
        let dest = out.hasPrefix("/") ? out : ctx.cwd + "/" + out
        let (files, bytes) = try reg.export(v, to: dest)
        ctx.out.line("\(name)@\(v.version): \(Format.count(files, "file")) (\(Format.bytes(bytes))) written to \(out), verified")
      }
    }
  }

  struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "verify",
      abstract: "Check a version's signature, its tags, every byte and its lineage.",
      discussion: """
        Checks the attestation under mlv-attestation/NAME/VERSION: its signature with
        `ssh-keygen -Y verify` against the allowed-signers file (git's format), the
        signed version against the tag's commit and pointer (a rewritten tag fails),
        every file's SHA-256, streamed out of the store (fetched from the default
        remote when needed), against the signed digests, and the signed lineage
        against this repository's run records. Exit 4 when a byte differs, 1 for
        any other failure.
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "NAME@vX.Y.Z") var spec: String
    @Option(help: "OpenSSH allowed-signers file.") var allowedSigners: String

    func run() async throws {
      let ctx = Context(global)
      guard let at = spec.lastIndex(of: "@") else { throw ValidationError("give NAME@vX.Y.Z") }
      let (name, version) = (String(spec[..<at]), String(spec[spec.index(after: at)...]))
      try await ctx.runAsync(locking: "mlv model verify") { ws in
        let reg = Registry(ws)
        let v = try reg.resolve(name: name, stage: nil, version: version)
        let (path, pointer, _) = try reg.pointer(of: v)
        _ = try await DataTransfer.ensureLocal(ws.graph(of: [DataSelection(dataPath: path, pointer: pointer)]), ws: ws)
        let r = try reg.verify(v, allowedSigners: allowedSigners) { signed in try LineageGraph.check(signed: signed, ws, v) }
        ctx.out.line("\(spec): good signature by \(r.signer); \(Format.count(r.files, "file")) (\(Format.bytes(r.bytes))) match their signed SHA-256 digests")
        switch r.lineage {
        case .matches: ctx.out.line("lineage: matches this repository's run records")
        case .notChecked(let why): ctx.out.line("lineage: not checked: \(why)")
        }
      }
    }
  }
}
