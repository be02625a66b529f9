import Foundation

/// Failures of recording and reproducing runs in a repository (the pure parts of this
/// module report `ExperimentError`). Each case names the run, stage or path involved.
public enum RunError: Error, CustomStringConvertible, Equatable {
  /// The command exited non-zero; nothing was recorded.
  case commandFailed(exitCode: Int32, recorded: Bool)
  /// The command was ended by a signal (Ctrl-C is SIGINT); nothing was recorded.
  case interrupted(signal: Int32)
  /// `mlv repro`: the recorded command failed when run again.
  case rerunFailed(run: String, exitCode: Int32)
  /// `mlv repro` without a run, and `mlv.stages.yaml` declares nothing.
  case noStages
  /// No run, run tag or revision has this name.
  case unknownRun(name: String)
  /// A revision has no run and no declared stages to read params or metrics from.
  case nothingAtRevision(revision: String)
  /// A revision resolved, but no run was recorded by that commit.
  case noRunAt(revision: String)
  /// A declared dependency does not exist before the run.
  case missingDependency(stage: String, path: String)
  /// `-S` was given but the stage declares no params file to apply it to.
  case noParamsFile(stage: String)
  /// `mlv run -n NAME` without a command, and no stage NAME is declared.
  case noCommand(name: String)
  /// A run name that cannot be used in a git reference.
  case invalidRunName(name: String, reason: String)
  /// A path is declared as both an output and a metrics file, or an output is git-tracked.
  case conflictingPath(path: String, reason: String)
  /// A stored record cannot be found where its reference says it is.
  case recordMissing(run: String, commit: String)
  /// A run of this name exists; names are unique.
  case runExists(name: String)
  /// A sweep needs a commit to start its worktrees from.
  case noCommitToSweepFrom

  public var description: String {
    switch self {
    case .commandFailed(let code, let recorded):
      return "command failed with exit code \(code); " + (recorded ? "recorded as failed" : "nothing recorded")
    case .interrupted(let signal):
      return "command ended by signal \(signal)\(signal == SIGINT ? " (interrupted)" : ""); nothing recorded"
    case .rerunFailed(let run, let code): return "run '\(run)': the command failed with exit code \(code) when run again"
    case .noStages: return "no stages declared in mlv.stages.yaml (declare one with `mlv run -n NAME ... -- CMD`)"
    case .unknownRun(let name): return "unknown run or revision '\(name)' (see `mlv exp show`)"
    case .nothingAtRevision(let rev):
      return "\(rev): no run was recorded at this revision and it declares no stages"
    case .noRunAt(let rev): return "\(rev): no run was recorded by this commit (see `mlv exp show`)"
    case .missingDependency(let stage, let path): return "stage '\(stage)': dependency '\(path)' does not exist"
    case .noParamsFile(let stage):
      return "stage '\(stage)' declares no params file to override; declare one with -p FILE"
    case .noCommand(let name):
      return "no stage '\(name)' is declared in mlv.stages.yaml; give the command after `--`"
    case .invalidRunName(let name, let reason): return "invalid run name '\(name)': \(reason)"
    case .conflictingPath(let path, let reason): return "\(path): \(reason)"
    case .recordMissing(let run, let commit): return "run '\(run)': no record in commit \(commit.prefix(8))"
    case .noCommitToSweepFrom: return "a sweep starts from HEAD, and this repository has no commit yet; commit first"
    case .runExists(let name):
      return "a run named '\(name)' exists; choose a new name, or replace it with --force (see `mlv exp show`)"
    }
  }
}
