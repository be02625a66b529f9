import ArgumentParser
import MLVCommands

// Dispatch by hand: a top-level `await MLVMain.main()` resolves to ParsableCommand's
// synchronous `main()`, which refuses async subcommands (the remote commands are async).
do {
  var command = try MLVMain.parseAsRoot()
  if var asyncCommand = command as? AsyncParsableCommand {
    try await asyncCommand.run()
  } else {
    try command.run()
  }
} catch {
  MLVMain.exit(withError: error)
}
