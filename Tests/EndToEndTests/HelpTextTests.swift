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

  /// Start-up: a command without an explicit name has ArgumentParser derive it from the
  /// type's name (`String(describing:)`, a scan of every protocol conformance in the
  /// process), for every command of the tree on every run: that was ~15% of the CPU of
  /// `mlv --version`. So every command names itself, and the names stay the ones users and
  /// the docs type.
  @Test func everyCommandNamesItself() {
    func paths(_ command: ParsableCommand.Type, _ prefix: String) -> [String] {
      let name = command.configuration.commandName
      #expect(name != nil, "\(command) has no commandName")
      let path = prefix.isEmpty ? (name ?? "?") : prefix + " " + (name ?? "?")
      return [path] + command.configuration.subcommands.flatMap { paths($0, path) }
    }
    #expect(paths(MLVMain.self, "") == Self.commandTree)
  }

  static let commandTree = [
    "mlv", "mlv init", "mlv add", "mlv status", "mlv commit", "mlv checkout", "mlv diff", "mlv log", "mlv rm", "mlv mv",
    "mlv install", "mlv remote", "mlv remote add", "mlv remote list", "mlv remote remove", "mlv remote default",
    "mlv remote unlock", "mlv push", "mlv fetch", "mlv pull", "mlv gc", "mlv fsck", "mlv model", "mlv model register",
    "mlv model promote", "mlv model rollback", "mlv model show", "mlv model get", "mlv model verify", "mlv ls", "mlv get",
    "mlv import", "mlv update", "mlv lineage", "mlv run", "mlv repro", "mlv exp", "mlv exp show", "mlv exp diff",
    "mlv exp apply", "mlv exp branch", "mlv exp remove", "mlv exp push", "mlv exp pull", "mlv params", "mlv params diff",
    "mlv metrics", "mlv metrics diff", "mlv plots", "mlv hook", "mlv merge-driver",
  ]}
