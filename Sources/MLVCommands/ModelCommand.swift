import ArgumentParser
import Foundation
import MLVExperiments
import MLVRegistry
import MLVWorkspace

extension MLVMain {
  struct Model: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
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
  struct Register: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Register the committed artifact at PATH as NAME@VERSION.",
      discussion: """
        The version tag goes on the commit (HEAD, or --rev) whose pointer names the
        artifact; the pointer in the workspace must be committed. With --sign KEY, a
        statement of name, version, commit, path and the pointer's SHA-256 id is signed
        with `ssh-keygen -Y sign -n mlv-model` and kept in the tag's message.
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Model name (lowercase letters, digits, '-', '_', '/').") var name: String
    @Argument(help: "The tracked file or directory.") var path: String
    @Argument(help: "The version, vMAJOR.MINOR.PATCH.") var version: String
    @Option(help: "The commit to register (default HEAD).") var rev: String?
    @Option(help: "SSH private key file to sign the version with.") var sign: String?

    func run() throws {
      let ctx = Context(global)
      try ctx.run(locking: "mlv model register") { ws in
        let rel = try ws.relative(path, cwd: ctx.cwd)
        let run = Self.producingRun(ws, rel, rev ?? "HEAD")
        let v = try Registry(ws).register(
          name: name, path: rel, version: version, ref: rev ?? "HEAD", signingKey: sign, run: run)
        ctx.out.line("registered \(name)@\(version) at \(v.commit.short) (\(rel))\(sign == nil ? "" : ", signed")"
          + (run.map { ", made by run \($0)" } ?? ""))
      }
    }
  }
}

extension MLVMain.Model.Register {
  /// The latest recorded run whose outputs include exactly this pointer's data; nil when
  /// none is known (an unreadable run record is not a reason to refuse registering).
  static func producingRun(_ ws: Workspace, _ path: String, _ rev: String) -> String? {
    guard let commit = try? ws.git.resolveCommit(rev), let p = try? ws.readPointer(path, at: commit),
      let runs = try? RunStore.all(in: ws.git)
    else { return nil }
    return runs.last { $0.record.outs[path] == p.oid.hex && $0.record.exitCode == 0 }?.id
  }
}

extension MLVMain.Model {
  struct Promote: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Assign STAGE to NAME's VERSION.")
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
      abstract: "Check a version's signature, its tag and every byte.",
      discussion: """
        The statement is rebuilt from the tagged commit and checked with
        `ssh-keygen -Y verify` against the allowed-signers file (git's format); then
        every file is re-read from the store (fetched from the default remote when
        needed) and checked against its SHA-256 id. Exit 4 when a byte differs.
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
        let r: (signer: String, files: Int, bytes: Int64)
        do { r = try reg.verify(v, allowedSigners: allowedSigners) } catch let e as RegistryError {
          // Changed bytes are corrupt data: exit 4, as everywhere in mlv.
          guard case .digestMismatch = e else { throw e }
          FileHandle.standardError.write(Data("mlv: error: \(e)\n".utf8))
          throw ExitCode(4)
        }
        ctx.out.line("\(spec): good signature by \(r.signer); \(Format.count(r.files, "file")) (\(Format.bytes(r.bytes))) match their SHA-256 ids")
      }
    }
  }
}
