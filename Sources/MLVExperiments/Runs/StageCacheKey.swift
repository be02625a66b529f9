/// What decides whether a stage must run again: its command, working directory, the
/// content ids of its inputs and the values of its params. Outputs are not part of it.
/// Because inputs enter by content id, reverting a change gives back an old key, so the
/// earlier run's outputs can be reused.
public struct StageCacheKey: Equatable, Hashable, Sendable {
  /// The text that is hashed (see `canonical(...)`), kept for debugging.
  public let canonical: String
  /// Lowercase hex SHA-256 of `canonical`.
  public let digest: String

  /// - Parameters:
  ///   - command: the command line as run (a stage's `cmd`, or argv joined by the caller)
  ///   - deps: dependency path to content id
  ///   - params: the params values the stage reads (any order; sorted by key here)
  public init(command: String, wdir: String = ".", deps: [String: String], params: [ParamEntry]) {
    canonical = StageCacheKey.canonical(command: command, wdir: wdir, deps: deps, params: params)
    digest = SHA256Digest.hex(Array(canonical.utf8))
  }

  /// One item per line, each value JSON-quoted so no value can forge a line break:
  /// `mlv-stage-v1`, `cmd <cmd>`, `wdir <wdir>`, then `dep <path> <id>` sorted by path and
  /// `param <key> <canonical value>` sorted by key.
  public static func canonical(command: String, wdir: String, deps: [String: String], params: [ParamEntry]) -> String {
    var lines = ["mlv-stage-v1", "cmd " + JSONText.quote(command), "wdir " + JSONText.quote(StagePath.normalize(wdir))]
    let normalized = deps.map { (path: StagePath.normalize($0.key), id: $0.value) }
    for (path, id) in normalized.sorted(by: { $0.path < $1.path }) {
      lines.append("dep " + JSONText.quote(path) + " " + JSONText.quote(id))
    }
    for e in params.sorted(by: { $0.key < $1.key }) {
      lines.append("param " + JSONText.quote(e.key) + " " + e.value.quoted)
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
