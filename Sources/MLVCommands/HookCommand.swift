import ArgumentParser
import Foundation
import MLVRemote
import MLVStore
import MLVSystem
import MLVWorkspace

extension MLVMain {
  /// What the git hooks `mlv install` writes run. Never fails a git command because data
  /// is missing: it restores what it can, and says what to run for the rest.
  struct Hook: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "hook",
      abstract: "Run by the git hooks that `mlv install` writes.",
      discussion: """
        post-checkout, post-merge and post-rewrite restore the data of every pointer
        that changed (fetching missing objects from the default remote); pre-push
        pushes the data of the commits being pushed to the default remote first (turn
        it off with `git config mlv.prePush false`).
        """,
      shouldDisplay: false)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The hook: post-checkout, post-merge, post-rewrite or pre-push.") var name: String
    @Argument(parsing: .captureForPassthrough, help: "The hook's own arguments from git.") var arguments: [String] = []

    mutating func run() async throws {
      let (name, arguments) = (name, arguments)
      let ctx = Context(global)
      switch name {
      case "post-checkout", "post-merge", "post-rewrite":
        await Self.restore(ctx, after: name)
      case "pre-push":
        try await Self.prePush(ctx, remote: arguments.first ?? "")
      default:
        throw ValidationError("unknown hook '\(name)'")
      }
    }

    static func warn(_ text: String) { FileHandle.standardError.write(Data("mlv: \(text)\n".utf8)) }

    static func restore(_ ctx: Context, after hook: String) async {
      do {
        let ws = try Workspace.open(cwd: ctx.cwd)
        // Fast path, without the lock: nothing to do when every pointer is checked out.
        guard try ws.hasOutOfDatePointers() else { return }
        ws.progress = TerminalProgress(enabled: true)
        let lock = try ws.lock("mlv hook \(hook)")
        defer { withExtendedLifetime(lock) {} }
        let out = try ws.outOfDateSelections()
        do { _ = try await DataTransfer.ensureLocal(out, ws: ws) } catch { warn("\(error)") }
        let (s, skipped) = try ws.restoreOutOfDate()
        if s.filesWritten + s.filesRemoved > 0 {
          warn(MLVMain.Checkout.summary(s))
        }
        for (path, reason) in skipped {
          warn("data of \(path) not checked out: \(reason)")
        }
        if !skipped.isEmpty { warn("run `mlv status` to see what is left, and `mlv checkout` or `mlv pull` once it can be") }
      } catch WorkspaceError.notInitialized {
        return  // a commit from before `mlv init`: nothing to restore
      } catch {
        warn("data not checked out: \(error); run `mlv checkout` (or `mlv pull`) when it can be")
      }
    }

    static func prePush(_ ctx: Context, remote gitRemote: String) async throws {
      let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
      let ws: Workspace
      do { ws = try Workspace.open(cwd: ctx.cwd) } catch { return }
      if let setting = try? ws.git.configValue("mlv.prePush"), ["false", "no", "off", "0"].contains(setting.lowercased()) {
        return
      }
      // `<local ref> <local sha> <remote ref> <remote sha>` per line; a deletion pushes nothing.
      let shas = input.split(separator: "\n").compactMap { line -> String? in
        let f = line.split(separator: " ")
        guard f.count >= 2, !f[1].allSatisfy({ $0 == "0" }) else { return nil }
        return String(f[1])
      }
      guard !shas.isEmpty else { return }
      guard RemoteAccess.known(ws).defaultRemote != nil || RemoteAccess.known(ws).remotes.count == 1 else {
        warn("no mlv remote is configured: the data of these commits stays local (`mlv remote add` to share it)")
        return
      }
      do {
        ws.progress = TerminalProgress(enabled: true)
        let lock = try ws.lock("mlv hook pre-push")
        defer { withExtendedLifetime(lock) {} }
        let remote = try RemoteAccess.open(ws, name: nil)
        let graph = try ws.graph(KeepPolicy(revisions: shas, history: true, workspace: false)).graph
        let r = try await remote.push(graph.reached, from: ws.store, progress: TransferProgressBridge(ws.progress))
        if r.objectsPushed > 0 { warn("pushed \(Format.count(r.objectsPushed, "object")) (\(Format.bytes(r.bytesPushed))) to \(remote.name)") }
        if !r.notLocal.isEmpty {
          warn("\(Format.count(r.notLocal.count, "object")) these commits need \(r.notLocal.count == 1 ? "is" : "are") not in the local store, so not pushed")
        }
      } catch {
        warn("pushing data before `git push \(gitRemote)` failed: \(error)")
        warn("the git push was stopped so that the remote never names data it lacks (`git push --no-verify` skips this)")
        throw ExitCode(1)
      }
    }
  }

  struct MergeDriver: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "merge-driver",
      abstract: "Merge a pointer file (git runs this; configured by `mlv install`).",
      discussion: """
        Called by git as `mlv merge-driver %O %A %B %P`. Directory pointers are merged
        file by file: a file changed on one branch only is taken, a file changed
        differently on both is a conflict, recorded in the pointer file for `mlv
        status` and settled by `mlv checkout --ours/--theirs`.
        """,
      shouldDisplay: false)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The common ancestor's version (%O).") var base: String
    @Argument(help: "This branch's version, replaced by the result (%A).") var current: String
    @Argument(help: "The other branch's version (%B).") var other: String
    @Argument(help: "The path in the repository (%P).") var path: String = "pointer"

    mutating func run() async throws {
      let (base, current, other, path) = (base, current, other, path)
      let ctx = Context(global)
      func pointer(_ file: String, _ side: String) throws -> Pointer? {
        let bytes = try FS.readAll(file)
        return bytes.isEmpty ? nil : try Pointer.decode(bytes, file: "\(path) (\(side))")
      }
      do {
        let (b, o, t) = (try pointer(base, "base"), try pointer(current, "ours"), try pointer(other, "theirs"))
        try await ctx.runAsync(locking: "mlv merge-driver") { ws in
          let needed = ws.manifestsNeeded([b, o, t])
          if !needed.isEmpty, let remote = try? RemoteAccess.open(ws, name: nil) {
            _ = try await remote.fetch(needed, into: ws.store, progress: TransferProgressBridge(ws.progress))
          }
          switch try ws.mergePointers(base: b, ours: o, theirs: t) {
          case .merged(let p?):
            try FS.atomicWrite(p.encode(), to: current)
          case .merged(nil):
            throw ExitCode(1)
          case .conflict(let c):
            try FS.atomicWrite(c.encode(), to: current)
            let what = c.conflicts.isEmpty ? "both branches changed it" : "both branches changed " + c.conflicts.prefix(3).joined(separator: ", ") + (c.conflicts.count > 3 ? ", ..." : "")
            FileHandle.standardError.write(Data("mlv: merge conflict in \(path): \(what); settle it with `mlv checkout --ours/--theirs`\n".utf8))
            throw ExitCode(1)
          }
        }
      } catch let e as ExitCode {
        throw e
      } catch {
        // Not a pointer mlv can merge: leave ours in place and let git report a conflict.
        FileHandle.standardError.write(Data("mlv: cannot merge \(path): \(error)\n".utf8))
        throw ExitCode(1)
      }
    }
  }
}
