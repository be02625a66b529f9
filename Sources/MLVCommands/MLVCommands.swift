/// MLVCommands: the command line. One file per command (parse, call the libraries, print),
/// the one place that imports ArgumentParser. `Context` opens the workspace, takes the
/// repository lock for the commands that write, and maps every error to its exit code
/// (docs/cli.md). `RemoteSync/` is the one place that sees both the workspace and the
/// remote layer: it turns pointers into the objects a push or fetch moves.
///
/// It must hold no logic the libraries need, and read or write no repository file itself.
enum MLVCommandsOverview {}
