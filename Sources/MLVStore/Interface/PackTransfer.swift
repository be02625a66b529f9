/// What the remote layer needs from the local store besides objects: packs as files to
/// upload whole, objects in their stored form to re-pack, and downloaded packs to take in.
/// Everything that leaves the store through here has been verified against its id first,
/// so a flipped bit in a local pack stays local (and `fsck` names it).
public protocol PackTransfer: ObjectStore {
  /// A scratch directory on the store's filesystem (downloads, packs being built).
  var temporaryDirectory: String { get }
  /// Where the objects of `ids` live locally.
  func layout(of ids: Set<ObjectID>) -> PackLayout
  /// Re-reads and verifies every blob of the local pack `pack` and its name; the result
  /// names the file to upload and the entries to index.
  func verifiedPack(_ pack: ObjectID) throws -> SealedPack
  /// One object in its stored form (compressed as stored), verified against its id.
  func encodedObject(_ id: ObjectID) throws -> (entry: PackFormat.Entry, bytes: [UInt8])
  /// Verifies a downloaded pack file completely: its header, its name, every blob.
  func verifyDownloadedPack(at path: String, expectedID: ObjectID) throws -> SealedPack
  /// Publishes verified packs (from `verifyDownloadedPack`) under one new index.
  func adopt(_ packs: [SealedPack]) throws
}

/// The objects asked for, by where they live locally.
public struct PackLayout: Sendable {
  /// Local packs every object of which was asked for, with those objects.
  public var wholePacks: [ObjectID: [ObjectID]] = [:]
  /// Objects that share their pack with objects not asked for.
  public var loose: [ObjectID] = []
  /// Objects the store does not have.
  public var notLocal: [ObjectID] = []
  /// Stored bytes of the local objects (what a push uploads, for progress).
  public var storedBytes: Int64 = 0
  public init() {}
}
