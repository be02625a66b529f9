import ArgumentParser
import MLVWorkspace

extension MLVMain {
  struct Checkout: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Bring back the code, params and data of a revision.",
      discussion: """
        With REVISION (branch, tag, commit, HEAD~1, ...): checks out its code and
        pointers like git, then restores the data they point to. With paths after `--`:
        restores only those tracked paths from REVISION, without moving HEAD. Without a
        revision: restores data to match the current pointers (e.g. after `git
        checkout`).

        Only files whose content differs are written. Files whose current content is
        not in the store (uncommitted changes) make the checkout refuse, naming them,
        unless --force is given.

        Examples:
          mlv checkout HEAD~1
          mlv checkout master
          git checkout v1 && mlv checkout
          mlv checkout v2 -- data/
        """)

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.short, .long], help: "Discard uncommitted changes to code and data.") var force = false
    @Argument(help: "A branch, tag or commit.") var revision: String?
    @Argument(parsing: .postTerminator, help: "Limit to these tracked paths.") var paths: [String] = []

    func run() throws {
      let ctx = Context(global)
      try ctx.run(locking: "mlv checkout") { ws in
        let filter = try paths.map { try ws.relative($0, cwd: ctx.cwd) }
        let s = try ws.checkout(revision: revision, paths: filter, force: force)
        guard !global.quiet else { return }
        if let c = s.commit, let info = try? ws.git.commitInfo(c) {
          let branch = (try? ws.git.currentBranch()).flatMap { $0 }
          ctx.out.line("at \(c.short) \(info.summary)\(branch.map { " (\($0))" } ?? " (detached)")")
        }
        ctx.out.line(
          "data: \(Format.count(s.filesWritten, "file")) written (\(Format.bytes(s.bytesWritten))), "
            + "\(Format.count(s.filesRemoved)) removed, \(Format.count(s.filesUnchanged)) unchanged")
      }
    }
  }
}
