import Foundation
import MLVWorkspace

/// What a successful stage run produced, keyed by its `StageCacheKey` digest, so
/// `mlv repro` can tell a stage is up to date, or bring back the outputs of an earlier run
/// with the same inputs (a reverted change) without running it.
///
/// Kept in `.mlv/state/stage-cache.json` (local state, not committed): output pointers are
/// small and their data is in the store; metrics files are kept whole (they are small and
/// live in git, not in the store).
public struct StageCache: Codable, Equatable, Sendable {
  public struct Entry: Codable, Equatable, Sendable {
    public var stage: String
    /// The run that produced it, when it was recorded.
    public var run: String?
    /// Output path (repository-relative) to its pointer file's text.
    public var outs: [String: String]
    /// Metrics path (repository-relative) to the file's text.
    public var metrics: [String: String]
  }

  public var version = 1
  public var entries: [String: Entry] = [:]

  public static func path(in ws: Workspace) -> String { ws.stateDir + "/stage-cache.json" }

  /// The cache of `ws`; a missing or unreadable file is an empty cache (it is only a cache).
  public static func load(in ws: Workspace) -> StageCache {
    guard let data = FileManager.default.contents(atPath: path(in: ws)),
      let cache = try? JSONDecoder().decode(StageCache.self, from: data), cache.version == 1
    else { return StageCache() }
    return cache
  }

  public func save(in ws: Workspace) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    try encoder.encode(self).write(to: URL(fileURLWithPath: StageCache.path(in: ws)), options: .atomic)
  }

  /// Remembers what `stage` produced in the workspace now, under `key`.
  public static func remember(_ key: StageCacheKey, stage: Stage, run: String?, in ws: Workspace) throws {
    var entry = Entry(stage: stage.name, run: run, outs: [:], metrics: [:])
    for out in stage.outs.map(stage.resolve) {
      guard let pointer = try ws.readPointer(out) else { return }
      entry.outs[out] = String(decoding: pointer.encode(), as: UTF8.self)
    }
    for m in stage.metrics.map(stage.resolve) {
      guard let data = FileManager.default.contents(atPath: ws.absolute(m)) else { return }
      entry.metrics[m] = String(decoding: data, as: UTF8.self)
    }
    var cache = load(in: ws)
    cache.entries[key.digest] = entry
    try cache.save(in: ws)
  }
}
