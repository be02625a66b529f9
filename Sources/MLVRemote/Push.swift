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
    var wanted = Set<ObjectID>()
    for id in ids where id != .empty {
      if index.contains(id) { report.alreadyOnRemote += 1 } else { wanted.insert(id) }
    }
    let layout = store.layout(of: wanted)
    report.notLocal = layout.notLocal

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
    guard !uploads.isEmpty else { return report }

    // Packs an interrupted push already uploaded (same name = same bytes).
    let existing = Dictionary(
      (try await backend.list(prefix: RemoteLayout.packPrefix)).map { ($0.key, $0.size) }, uniquingKeysWith: { a, _ in a })

    progress.begin("pushing to \(name)", totalBytes: layout.storedBytes)
    defer { progress.end() }
    let done = ResultCollector()
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
        done.add(pack.records, bytes: resumed ? 0 : size, resumed: resumed)
      }
    } catch {
      failure = error
    }
    // Index whatever made it, even after a failure: a rerun then moves only the rest.
    let (records, bytes, packs, resumed) = done.value
    try await uploadIndex(records)
    if let failure { throw failure }
    report.objectsPushed = records.count
    report.bytesPushed = bytes
    report.packsPushed = packs - resumed
    report.packsResumed = resumed
    return report
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

/// Collects the results of concurrent uploads.
final class ResultCollector: @unchecked Sendable {
  private let lock = NSLock()
  private var records: [IndexFormat.Record] = []
  private var bytes: Int64 = 0
  private var packs = 0
  private var resumed = 0

  func add(_ r: [IndexFormat.Record], bytes b: Int64, resumed wasResumed: Bool) {
    lock.withLock {
      records += r
      bytes += b
      packs += 1
      if wasResumed { resumed += 1 }
    }
  }

  var value: ([IndexFormat.Record], Int64, Int, Int) { lock.withLock { (records, bytes, packs, resumed) } }
}
