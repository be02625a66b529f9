import ArgumentParser

extension MLVMain {
  struct Metrics: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "metrics",
      abstract: "Compare metrics between runs or revisions.",
      discussion: "Example:\n  mlv metrics diff baseline lr-small", subcommands: [DiffMetrics.self])

    struct DiffMetrics: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Metrics of two runs or revisions: values, change and relative change.",
        discussion: """
          With no arguments compares HEAD with the workspace; with one, that run or
          revision with the workspace (as DVC does).

          Example:
            mlv metrics diff baseline lr-small --all
          """)
      @OptionGroup var compare: CompareOptions
      func run() throws { try compare.run(sections: ["metrics"]) }
    }
  }
}
