import ArgumentParser
import Testing

@testable import MLVCommands

/// `--help` prints a discussion line by line and wraps each at the terminal width (80 when
/// not a terminal), so a source line longer than that leaves a stray word on a line of its
/// own. Every command's discussion is written to fit.
@Suite struct HelpTextTests {
  static func allCommands(_ root: ParsableCommand.Type) -> [ParsableCommand.Type] {
    [root] + root.configuration.subcommands.flatMap { allCommands($0) }
  }

  @Test func discussionsFitEightyColumns() {
    let commands = Self.allCommands(MLVMain.self)
    #expect(commands.count > 20)
    for command in commands {
      let name = command.configuration.commandName ?? "\(command)"
      for line in command.configuration.discussion.split(separator: "\n") {
        #expect(line.count < 80, "mlv \(name): \(line)")
      }
    }
  }
}
