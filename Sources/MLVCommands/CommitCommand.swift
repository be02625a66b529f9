import ArgumentParser
import MLVWorkspace

extension MLVMain {
  struct Commit: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "commit",
      abstract: "Re-add changed data, then commit pointers and staged files to git.",
      discussion: """
        Tracked data whose content changed is added again (only new chunks are stored),
        its pointers are staged, and one git commit is made of everything staged —
        pointers, params and code you staged with `git add`. Uses your git identity
        (user.name and user.email). Data whose pointer git changed without a checkout
        is never recorded as a change: the commit refuses, naming it (--force to).

        Example:
          git add params.yaml train.py
          mlv commit -m "baseline"
        """)

    @OptionGroup var global: GlobalOptions
    @Option(name: [.short, .long], help: "The commit message.") var message: String
    @Flag(name: [.short, .long], help: "Record data even when its pointer changed without a checkout.") var force = false

    func run() throws {
      let ctx = Context(global)
      try ctx.run(locking: "mlv commit") { ws in
        let (commit, readded) = try ws.commit(message: message, force: force)
        guard !global.quiet else { return }
        for r in readded { ctx.out.line("re-added \(r.path) (\(Format.bytes(r.pointer.size)))") }
        let branch = (try? ws.git.currentBranch()).flatMap { $0 } ?? "detached HEAD"
        ctx.out.line("[\(branch) \(commit.short)] \(message.split(separator: "\n").first ?? "")")
      }
    }
  }
}
