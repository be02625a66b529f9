import Foundation

/// Checks after a run that the stage produced what it declared.
public enum OutputCheck {
  /// Declared outputs and metrics files (resolved against the stage's `wdir`) that do not
  /// exist under `root` after the run, as repository-relative paths in declaration order.
  public static func missing(for stage: Stage, root: String) -> [String] {
    (stage.outs + stage.metrics).map(stage.resolve).filter {
      !FileManager.default.fileExists(atPath: root + "/" + $0)
    }
  }

  /// Throws `outputMissing` for the first declared output that was not produced.
  public static func verify(_ stage: Stage, root: String) throws {
    if let path = missing(for: stage, root: root).first {
      throw ExperimentError.outputMissing(stage: stage.name, path: path)
    }
  }
}
