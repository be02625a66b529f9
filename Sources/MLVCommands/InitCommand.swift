import ArgumentParser
import MLVWorkspace

extension MLVMain {
  struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "init",
      abstract: "Set up mlv in the current git repository.",
      discussion: """
        Creates .mlv/ (config with the chunking parameters, and the local object store)
        and an example .mlvignore, and stages .mlv/config, .mlv/.gitignore and
        .mlvignore. The repository must already exist (git init).

        Example:
          git init proj && cd proj && mlv init
        """)

    @OptionGroup var global: GlobalOptions

    func run() throws {
      let ctx = Context(global)
      try ctx.run {
        let ws = try Workspace.initialize(cwd: ctx.cwd)
        if !global.quiet {
          ctx.out.line("Initialized mlv in \(ws.root)/.mlv")
          ctx.out.line("Next: mlv add <data>, then mlv commit -m <message>")
        }
      }
    }
  }
}
