import MLVStore

/// Failures of workspace operations. Each names the file or path involved; the command
/// layer maps them to exit codes (docs/cli.md, "Exit codes").
public enum WorkspaceError: Error, CustomStringConvertible {
  case notInitialized(root: String)
  case alreadyInitialized(root: String)
  case pathOutsideRepository(String)
  case forbiddenPath(String, reason: String)
  case symlinkInPath(String, link: String)
  case noSuchPath(String)
  case notTracked(String)
  case insideTrackedDirectory(String, tracked: String)
  case invalidPointer(file: String, reason: String)
  case unsupportedPointerVersion(file: String, version: String)
  case invalidManifest(String, reason: String)
  case invalidConfig(file: String, reason: String)
  case uncommittedChanges([String])
  case locked(holder: String, waitedSeconds: Double)
  case nothingToCommit
  case missingData(path: String, underlying: StoreError)
  /// A file kept changing while `mlv add` read it.
  case changedWhileReading(String)
  /// A pointer file holds an unresolved merge: which files both branches changed.
  case mergeConflict(pointer: String, conflicts: [String])
  /// Recording these paths would record stale data over newer pointers (`--force` to).
  case notCheckedOut([String])
  /// Objects a checkout needs are in no store and no remote tried.
  case dataUnavailable(paths: [String], remotesTried: [String])
  /// Sizes from pointers or manifests (named by the string) add up to more than Int64.
  case sizesOverflow(String)
  /// `add` was about to record a size its object disagrees with (a damaged stat cache).
  case sizeMismatch(path: String, recorded: Int64, object: ObjectID, actual: Int64?)

  public var description: String {
    switch self {
    case .notInitialized(let root):
      return "\(root) is not an mlv repository (run `mlv init` first)"
    case .alreadyInitialized(let root): return "\(root) is already an mlv repository"
    case .pathOutsideRepository(let p): return "\(p) is outside the repository"
    case .forbiddenPath(let p, let reason): return "\(p): \(reason)"
    case .symlinkInPath(let p, let link):
      return "refusing \(p): \(link) is a symbolic link (mlv never follows links out of the data it tracks)"
    case .noSuchPath(let p): return "\(p) does not exist"
    case .notTracked(let p): return "\(p) is not tracked by mlv (no \(p).mlv pointer)"
    case .insideTrackedDirectory(let p, let dir):
      return "\(p) is inside the tracked directory \(dir); run `mlv add \(dir)` instead"
    case .invalidPointer(let file, let reason): return "invalid pointer file \(file): \(reason)"
    case .unsupportedPointerVersion(let file, let v):
      return "pointer file \(file) has format version \(v); this mlv reads versions 1 and 2 (upgrade mlv)"
    case .invalidManifest(let id, let reason): return "invalid manifest \(id): \(reason)"
    case .invalidConfig(let file, let reason): return "invalid config \(file): \(reason)"
    case .uncommittedChanges(let paths):
      let shown = paths.prefix(20).map { "  \($0)" }.joined(separator: "\n")
      let more = paths.count > 20 ? "\n  ... and \(paths.count - 20) more" : ""
      return "these files hold changes that are not in the mlv store and would be lost:\n\(shown)\(more)\n"
        + "run `mlv add` (or `mlv commit`) to keep them, or `--force` to discard them"
    case .locked(let holder, let waited):
      return "the repository is locked by \(holder); gave up after \(String(format: "%.0f", waited)) s"
        + " (set MLV_LOCK_TIMEOUT to wait longer)"
    case .nothingToCommit: return "nothing to commit (no staged changes and no changed data)"
    case .missingData(let path, let e): return "cannot restore \(path): \(e)"
    case .sizesOverflow(let what):
      return "\(what): sizes add up to more than \(Int64.max) bytes (a pointer or manifest is corrupt or hostile)"
    case .sizeMismatch(let path, let recorded, let object, let actual):
      let holds = actual.map { "holds \($0) bytes" } ?? "is missing or does not hold that many bytes"
      return "refusing to record \(path): it was measured as \(recorded) bytes but its object \(object.hex.prefix(12)) \(holds);"
        + " its stat cache entry was dropped, run the command again"
    case .mergeConflict(let pointer, let conflicts):
      let data = String(pointer.dropLast(Pointer.suffix.count))
      let what = conflicts.isEmpty
        ? "both branches changed \(data)"
        : "both branches changed " + conflicts.prefix(5).map { "\(data)/\($0)" }.joined(separator: ", ")
          + (conflicts.count > 5 ? " and \(conflicts.count - 5) more" : "")
      return "\(pointer) has an unresolved merge (\(what)); resolve it with `mlv checkout --ours \(data)` "
        + "or `mlv checkout --theirs \(data)`" + (conflicts.isEmpty ? "" : ", or file by file (`mlv checkout --theirs \(data)/\(conflicts[0])`)")
    case .notCheckedOut(let paths):
      return "the data of " + paths.prefix(10).joined(separator: ", ") + (paths.count > 10 ? " and \(paths.count - 10) more" : "")
        + " is not checked out for the current pointers (git changed them, e.g. by checkout, pull or merge); "
        + "recording it would undo those changes. Run `mlv checkout` to bring the data the pointers name, "
        + "or add --force to record the workspace's data anyway"
    case .dataUnavailable(let paths, let remotes):
      return "the data of " + paths.prefix(10).joined(separator: ", ") + (paths.count > 10 ? " and \(paths.count - 10) more" : "")
        + " is neither in the local store nor on "
        + (remotes.isEmpty ? "any remote (none is configured: `mlv remote add`)" : remotes.joined(separator: ", "))
        + "; nothing was changed"
    case .changedWhileReading(let path):
      return "\(path) kept changing while it was read (is another process writing it?); nothing was recorded for it"
    }
  }
}
