import ArgumentParser
import Foundation

/// The `mlv` command: a thin layer that parses arguments, calls the libraries and prints.
@available(macOS 10.15, *)
public struct MLVMain: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "mlv",
    abstract: "Version datasets and model artifacts next to your code in git.",
    discussion: """
      mlv stores data as deduplicated, content-defined chunks in .mlv/store and
      commits small pointer files to git, so any commit brings back its code, params
      and data.

      Typical workflow:
        mlv init
        mlv add data/ models/model.bin
        mlv commit -m "baseline"
        mlv status | mlv diff HEAD~1 HEAD | mlv log data
        mlv checkout HEAD~1
        mlv install                       # once per clone: git checkout/pull/merge
                                          # then keep the data in step

      Exit codes: 0 success; 1 error; 2 refused to discard uncommitted data or code;
      3 repository locked by another process; 4 missing or corrupt objects; 5 drift
      beyond thresholds (diff --fail-on-drift); 64 invalid usage.
      """,
    version: mlvVersion,
    subcommands: [
      Init.self, Add.self, Status.self, Commit.self, Checkout.self, Diff.self, Log.self, Remove.self, Move.self,
      Install.self, Remote.self, Push.self, Fetch.self, Pull.self, GC.self, Fsck.self,
      Run.self, Repro.self, Exp.self, Params.self, Metrics.self, Hook.self, MergeDriver.self,
    ])

  public init() {}
}

public let mlvVersion = "0.1.0"
