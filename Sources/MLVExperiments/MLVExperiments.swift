/// MLVExperiments: training runs and their reproduction (docs/experiments.md). It owns the
/// stage file, run records, params and metrics files (YAML, JSON, TOML readers and in-place
/// editors), running a command with its environment captured, and `repro` in an isolated
/// work tree that shares the repository's object store.
///
/// It stores data through the workspace (pointers, add, checkout) and never touches the
/// object store's files or git's directly.
enum MLVExperimentsOverview {}
