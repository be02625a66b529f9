import Foundation
import MLVStore
import MLVSystem

public struct PushReport: Sendable {
  public var objectsPushed = 0
  /// Bytes uploaded (pack files, as stored: compressed where the store compressed).
  public var bytesPushed: Int64 = 0
  public var packsPushed = 0
  /// Packs found already uploaded by an interrupted push and only indexed now.
  public var packsResumed = 0
  public var alreadyOnRemote = 0
  /// Requested objects the local store does not have (nothing to push for them).
  public var notLocal: [ObjectID] = []

  public init() {}
}

extension RemoteRepository {
  /// Uploads the objects of `ids` that the remote lacks (docs/remotes.md, "Push").
  ///
  /// A local pack whose objects are all wanted is uploaded as is, after every blob in it
  /// was re-read and verified against its id (`PackTransfer.verifiedPack`); objects from
  /// packs the remote partly has are copied, verified, into fresh packs. A corrupt local
  /// object stops the push with an error naming it: one flipped bit must never become a
  /// corrupt object on the shared remote. One index naming everything uploaded is written
  /// last, so the remote never has an index naming a missing pack. A pack already on the
  /// remote under the same name (left by an interrupted push) is not uploaded again: pack
  /// names are content hashes.
  public func push(
    _ ids: Set<ObjectID>, from store: any PackTransfer, jobs: Int = 8,
    progress: TransferProgress = SilentTransferProgress()
  ) async throws -> PushReport {
    try await withLock(.push) { try await pushLocked(ids, from: store, jobs: jobs, progress: progress) }
  }

  func pushLocked(
    _ ids: Set<ObjectID>, from store: any PackTransfer, jobs: Int, progress: TransferProgress
  ) async throws -> PushReport {
    var report = PushReport()
    let index = try await self.index()
    report.alreadyOnRemote = ids.reduce(0) { $1 != .empty && index.contains($1) ? $0 + 1 : $0 }
    // A first push wants every id: the caller's set is used as it is, not copied (a
    // million ids are ~70 MB as a Set).
    let wanted = report.alreadyOnRemote == 0 && !ids.contains(.empty) ? ids : ids.filter { $0 != .empty && !index.contains($0) }
    let (uploads, storedBytes, objects, notLocal) = Self.plan(wanted, from: store)
    report.notLocal = notLocal
    guard !uploads.isEmpty else { return report }

    // Packs an interrupted push already uploaded (same name = same bytes).
    let existing = Dictionary(
      (try await backend.list(prefix: RemoteLayout.packPrefix)).map { ($0.key, $0.size) }, uniquingKeysWith: { a, _ in a })

    progress.begin("pushing to \(name)", totalBytes: storedBytes)
    defer { progress.end() }
    let done = ResultCollector(objects: objects)
    var failure: Error?
    do {
      try await forEachConcurrently(uploads, jobs: jobs) { upload in
        let pack = try await BlockingIO.run { try Self.prepare(upload, from: store) }
        defer { if case .objects = upload { FS.remove(pack.path) } }
        let key = RemoteLayout.packKey(pack.id)
        let size = pack.size
        let resumed = existing[key] == size
        if !resumed { try await self.backend.putFile(key, from: pack.path) }
        progress.advance(size)
        done.add(pack, bytes: resumed ? 0 : size, resumed: resumed)
      }
    } catch {
      failure = error
    }
    // Index whatever made it, even after a failure: a rerun then moves only the rest.
    let (indexed, count, bytes, packs, resumed) = done.take()
    if !indexed.isEmpty { try await uploadIndex(IndexFormat.encode(packs: indexed)) }
    if let failure { throw failure }
    report.objectsPushed = count
    report.bytesPushed = bytes
    report.packsPushed = packs - resumed
    report.packsResumed = resumed
    return report
  }

  /// What to upload for `wanted`: whole local packs, and packs of `PackFormat.targetSize`
  /// made of the loose objects; with the bytes and objects to upload and the ids the local
  /// store lacks. The layout by pack is dropped on return: only the loose ids live on.
  static func plan(_ wanted: Set<ObjectID>, from store: any PackTransfer) -> (
    uploads: [PackUpload], storedBytes: Int64, objects: Int, notLocal: [ObjectID]
  ) {
    let layout = store.layout(of: wanted)
    var uploads: [PackUpload] = layout.wholePacks.keys.sorted().map { .whole($0) }
    var batch: [ObjectID] = []
    var batchBytes: Int64 = 0
    for id in layout.loose.sorted() {
      batch.append(id)
      batchBytes += Int64(store.info(id)?.rawLength ?? 0)
      if batchBytes >= Int64(PackFormat.targetSize) {
        uploads.append(.objects(batch))
        batch = []
        batchBytes = 0
      }
    }
    if !batch.isEmpty { uploads.append(.objects(batch)) }
    let objects = layout.loose.count + layout.wholePacks.values.reduce(0) { $0 + $1.count }
    return (uploads, layout.storedBytes, objects, layout.notLocal)
  }

  /// The verified pack to upload: the local pack itself, or a new pack of loose objects
  /// (each verified as it is copied) in the store's temporary directory.
  static func prepare(_ upload: PackUpload, from store: any PackTransfer) throws -> SealedPack {
    switch upload {
    case .whole(let pack):
      return try store.verifiedPack(pack)
    case .objects(let ids):
      let builder = try PackBuilder(directory: store.temporaryDirectory, prefix: "push-pack")
      do {
        for id in ids {
          let (entry, bytes) = try store.encodedObject(id)
          try bytes.withUnsafeBytes { _ = try builder.append(entry, stored: $0) }
        }
        return try builder.seal()
      } catch {
        builder.discard()
        throw error
      }
    }
  }
}

enum PackUpload: Sendable {
  /// A local pack, uploaded whole.
  case whole(ObjectID)
  /// Objects copied into a new pack.
  case objects([ObjectID])
}

/// Collects the results of concurrent uploads: each pack's header entries, from which the
/// index is encoded at the end (`IndexFormat.encode(packs:)`; an `IndexFormat.Record` per
/// object was ~90 bytes, 90 MB for a million-file push, and its array grew by doubling).
final class ResultCollector: @unchecked Sendable {
  private let lock = NSLock()
  private var packs: [(id: ObjectID, entries: [PackFormat.LocatedEntry])] = []
  private var objects = 0
  private var bytes: Int64 = 0
  private var resumed = 0

  init(objects expected: Int) { packs.reserveCapacity(expected / 1024 + 1) }

  func add(_ pack: SealedPack, bytes b: Int64, resumed wasResumed: Bool) {
    lock.withLock {
      packs.append((pack.id, pack.entries))
      objects += pack.entries.count
      bytes += b
      if wasResumed { resumed += 1 }
    }
  }

  /// Everything collected (the collector is left empty, so the entries are not held twice
  /// while the index is encoded): packs with their entries, objects, bytes, packs, resumed.
  func take() -> ([(id: ObjectID, entries: [PackFormat.LocatedEntry])], Int, Int64, Int, Int) {
    lock.withLock {
      defer { packs = [] }
      return (packs, objects, bytes, packs.count, resumed)
    }
  }
}
