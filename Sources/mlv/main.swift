import ArgumentParser
import Foundation
import MLVCommands

// Dispatch by hand: a top-level `await MLVMain.main()` resolves to ParsableCommand's
// synchronous `main()`, which refuses async subcommands (the remote commands are async).
// The async `run()` is called from an async function: at top level the synchronous
// overload (which prints help) would be chosen.
func runAsync(_ command: inout any AsyncParsableCommand) async throws {
  try await command.run()
}

MLVMain.prepare()
do {
  var command = try await MLVMain.asyncParseAsRoot(MLVMain.arguments(Array(CommandLine.arguments.dropFirst())))
  if var asyncCommand = command as? AsyncParsableCommand {
    try await runAsync(&asyncCommand)
  } else {
    try command.run()
  }
} catch {
  let arguments = Array(CommandLine.arguments.dropFirst().drop(while: MLVMain.isGlobalFlag))
  if let best = MLVMain.suggestion(for: arguments) {
    FileHandle.standardError.write(Data("mlv: '\(arguments[0])' is not an mlv command. Did you mean `mlv \(best)`?\n".utf8))
    MLVMain.exit(withError: ExitCode(64))
  }
  MLVMain.exit(withError: error)
}
