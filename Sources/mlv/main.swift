import ArgumentParser
import MLVCommands

// Dispatch by hand: a top-level `await MLVMain.main()` resolves to ParsableCommand's
// synchronous `main()`, which refuses async subcommands (the remote commands are async).
// The async `run()` is called from an async function: at top level the synchronous
// overload (which prints help) would be chosen.
func runAsync(_ command: inout any AsyncParsableCommand) async throws {
  try await command.run()
}

do {
  var command = try await MLVMain.asyncParseAsRoot()
  if var asyncCommand = command as? AsyncParsableCommand {
    try await runAsync(&asyncCommand)
  } else {
    try command.run()
  }
} catch {
  MLVMain.exit(withError: error)
}
