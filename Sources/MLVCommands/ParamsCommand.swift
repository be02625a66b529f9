import ArgumentParser

extension MLVMain {
  struct Params: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "params",
      abstract: "Compare params between runs or revisions.",
      discussion: "Example:\n  mlv params diff baseline lr-small", subcommands: [DiffParams.self])

    struct DiffParams: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Params that differ between two runs or revisions, with numeric deltas.",
        discussion: """
          With no arguments compares HEAD with the workspace; with one, that run or
          revision with the workspace (as DVC does).

          Example:
            mlv params diff baseline lr-small
          """)
      @OptionGroup var compare: CompareOptions
      func run() throws { try compare.run(sections: ["params"]) }
    }
  }
}
