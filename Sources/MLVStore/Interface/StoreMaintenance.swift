/// Whole-store operations for `fsck`, `gc` and `fsck --repair`, owned by the store because
/// only the store knows how its objects are laid out: callers decide *which* objects are
/// live (the workspace's object graph) and the store decides how to keep them. All of these
/// run under the repository lock, after `refresh()`.
public protocol StoreMaintenance: AnyObject {
  /// Re-reads the store's state from disk (its indexes, which packs exist). A command that
  /// takes the repository lock calls this first, so it acts on the store as it is once the
  /// lock was granted, not as it was when the command started.
  func refresh() throws
  /// Problems found while loading (a damaged index is skipped, and its objects look
  /// missing until `repair`), for the command layer to warn about.
  var loadProblems: [String] { get }
  /// Verifies every object and cross-checks indexes against pack headers.
  func check(progress: (@Sendable (Int64) -> Void)?) throws -> StoreCheck
  /// Deletes every object not in `live`, rewriting packs that became mostly dead. Objects
  /// of `live` the store holds are never lost: the new packs and index are durable, and
  /// checked to hold every live object, before anything old is deleted.
  func prune(keeping live: Set<ObjectID>, dryRun: Bool, progress: (@Sendable (Int64) -> Void)?) throws -> PruneReport
  /// Rebuilds the indexes from the packs, drops index entries that name missing or
  /// damaged data, and rewrites damaged packs with their good objects. What could not be
  /// saved is reported as `lost`, for the caller to fetch from a remote.
  func repair(progress: (@Sendable (Int64) -> Void)?) throws -> RepairReport
  /// Removes temporary files of processes that are gone (a killed `add` can leave
  /// gigabytes of unsealed packs); returns how many.
  @discardableResult
  func removeOrphanedTemporaryFiles() -> Int
}

public struct StoreCheck: Sendable {
  public var packsChecked = 0
  public var objectsChecked = 0
  public var bytesChecked: Int64 = 0
  /// Objects whose bytes do not decode to their id.
  public var corrupt: [(id: ObjectID, location: String, reason: String)] = []
  /// Packs whose header is unreadable, or whose name is not their header's hash.
  public var damagedPacks: [(path: String, reason: String)] = []
  /// Index files that fail their checksum or structure.
  public var damagedIndexes: [(path: String, reason: String)] = []
  /// Index entries that disagree with the pack they name (offset, lengths, type, codec),
  /// or name a pack that does not exist or lacks the object.
  public var badEntries: [(id: ObjectID, index: String, reason: String)] = []
  /// Objects in packs that no index names (left by a kill between publishing a pack and
  /// its index): harmless, and indexed again by `repair`.
  public var unindexedObjects = 0

  public init() {}

  public var isHealthy: Bool { corrupt.isEmpty && damagedPacks.isEmpty && damagedIndexes.isEmpty && badEntries.isEmpty }
}

public struct PruneReport: Sendable {
  public var liveObjects = 0
  public var deadObjects = 0
  public var deadBytes: Int64 = 0
  /// Live objects that are not in the store.
  public var missing = 0
  public var packsDeleted = 0
  public var packsRepacked = 0
  public var packsWritten = 0
  public var bytesFreed: Int64 = 0
  public var temporaryFilesRemoved = 0
  /// Packs kept whole because a live object in them does not verify (for `fsck --repair`).
  public var packsWithDamagedLiveObjects = 0
  /// Packs left alone because their header is unreadable (for `fsck --repair`).
  public var damagedPacksKept = 0

  public init() {}
}

public struct RepairReport: Sendable {
  public var packsChecked = 0
  public var indexesReplaced = 0
  public var damagedIndexes: [String] = []
  /// Damaged packs rewritten without their bad objects, then removed.
  public var packsRewritten: [String] = []
  /// Good objects copied out of damaged packs.
  public var objectsSalvaged = 0
  /// Objects that were in the store, damaged or only named by an index, and are now gone.
  public var lost = Set<ObjectID>()

  public init() {}
}
