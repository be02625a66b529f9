import ArgumentParser
import Foundation
import MLVGit
import MLVSystem

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
      Install.self, Remote.self, Push.self, Fetch.self, Pull.self, GC.self, Fsck.self, Model.self, Ls.self, Get.self, Import.self, Update.self, Lineage.self,
      Run.self, Repro.self, Exp.self, Params.self, Metrics.self, Plots.self, Hook.self, MergeDriver.self,
    ])

  public init() {}
}

public let mlvVersion = "0.1.0"

extension MLVMain {
  /// Work every command that opens a repository needs, begun before the arguments are
  /// parsed so the two overlap (GitRepository.initializeInBackground).
  public static func prepare() {
    Memory.returnLargeBuffers()
    GitRepository.initializeInBackground()
  }
}

extension MLVMain {
  /// The arguments with global flags given before the subcommand (`mlv -q status`, as
  /// with git) moved to just after its name (`mlv status -q`), where ArgumentParser reads
  /// them; every command takes them (GlobalOptions). Not moved to the end: `mlv -q run
  /// python train.py` must not hand `-q` to the training script.
  public static func arguments(_ given: [String]) -> [String] {
    var leading: [String] = []
    var rest = given[...]
    while let f = rest.first, isGlobalFlag(f) {
      leading.append(f)
      rest = rest.dropFirst()
    }
    guard !leading.isEmpty else { return given }
    var command: ParsableCommand.Type = MLVMain.self
    var path: [String] = []
    while let word = rest.first,
      let sub = command.configuration.subcommands.first(where: { $0._commandName == word || $0.configuration.aliases.contains(word) })
    {
      path.append(word)
      rest = rest.dropFirst()
      command = sub
    }
    // `mlv -q` alone, or before a word that is no command: left for ArgumentParser to explain.
    guard !path.isEmpty else { return given }
    return path + leading + Array(rest)
  }

  /// Whether `word` is one of GlobalOptions' flags.
  public static func isGlobalFlag(_ word: String) -> Bool { word == "-q" || word == "--quiet" }

  /// When the first word is meant as a subcommand but is none (`mlv stauts`), the closest
  /// subcommand by edit distance, for a "did you mean" hint; nil when nothing is close.
  public static func suggestion(for arguments: [String]) -> String? {
    guard let word = arguments.first, !word.hasPrefix("-") else { return nil }
    let names = configuration.subcommands.compactMap { sub -> String? in
      sub.configuration.shouldDisplay ? sub._commandName : nil
    }
    guard !names.contains(word) else { return nil }
    let scored = names.map { ($0, editDistance(word, $0)) }.min { $0.1 < $1.1 }
    guard let (best, distance) = scored, distance <= max(2, word.count / 3) else { return nil }
    return best
  }

  static func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    var row = Array(0...y.count)
    for i in 1...max(x.count, 1) where !x.isEmpty {
      var previous = row[0]
      row[0] = i
      for j in 1...max(y.count, 1) where !y.isEmpty {
        let substitution = previous + (x[i - 1] == y[j - 1] ? 0 : 1)
        previous = row[j]
        row[j] = min(substitution, row[j] + 1, row[j - 1] + 1)
        // A swap of two neighbours counts as one edit (stauts -> status).
        if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] { row[j] = min(row[j], substitution) }
      }
    }
    return x.isEmpty ? y.count : row[y.count]
  }
}
