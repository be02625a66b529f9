import ArgumentParser
import Foundation
import MLVWorkspace

extension MLVMain {
  struct Install: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "install",
      abstract: "Make plain git commands keep the data in step (hooks and a merge driver).",
      discussion: """
        Run once per clone. Installs git hooks so that `git checkout`, `git switch`,
        `git pull`, `git merge`, `git rebase` and `git commit --amend` restore the data
        the new pointers name (fetching missing objects from the default remote), and
        `git push` pushes the data first. Configures a merge driver for pointer files:
        two branches that changed different files of a tracked directory merge without
        a conflict. Hooks you already have keep running: each is kept as
        <hook>.mlv-chained and run before mlv's. Installing twice changes nothing.

        `git config mlv.prePush false` turns the data push on `git push` off.
        Everything is local to this clone (.git/hooks, .git/config and
        .git/info/attributes): nothing to commit.

        Examples:
          git clone URL proj && cd proj && mlv install
          mlv install --uninstall
        """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Remove mlv's hooks and merge driver, restoring the hooks that were there before.") var uninstall = false

    func run() throws {
      let ctx = Context(global)
      try ctx.run {
        let ws = try ctx.open()
        if uninstall {
          let r = try GitIntegration.uninstall(ws.git)
          if !global.quiet {
            ctx.out.line(
              r.hooksWritten.isEmpty && !r.driverConfigured
                ? "mlv is not installed in this clone"
                : "removed mlv's hooks (\(r.hooksWritten.joined(separator: ", ")))"
                  + (r.hooksChained.isEmpty ? "" : "; restored \(r.hooksChained.joined(separator: ", "))")
                  + (r.driverConfigured ? "; removed the merge driver" : ""))
          }
          return
        }
        let r = try GitIntegration.install(ws.git, binary: Self.currentBinary())
        guard !global.quiet else { return }
        if r.hooksWritten.isEmpty && !r.driverConfigured && !r.attributesChanged {
          ctx.out.line("mlv is already installed in this clone")
          return
        }
        ctx.out.line("installed git hooks: \(GitIntegration.hooks.joined(separator: ", "))")
        if !r.hooksChained.isEmpty {
          ctx.out.line("your existing \(r.hooksChained.joined(separator: ", ")) hook\(r.hooksChained.count == 1 ? "" : "s") will run first")
        }
        ctx.out.line("configured the merge driver for *.mlv pointer files")

      }
    }

    /// The absolute path of this mlv, for hooks to run (they fall back to `mlv` on PATH).
    static func currentBinary() -> String {
      if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return exe }
      return CommandLine.arguments[0]
    }
  }
}
