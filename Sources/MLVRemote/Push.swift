import Foundation
import MLVStore

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
  /// A local pack whose objects are all missing is uploaded as is; objects from packs the
  /// remote partly has are copied (verified) into fresh packs. One index naming everything
  /// uploaded is written last, so the remote never has an index naming a missing pack. A
  /// pack already on the remote under the same name (left by an interrupted push) is not
  /// uploaded again: pack names are content hashes.
  public func push(
    _ ids: Set<ObjectID>, from store: DiskStore, jobs: Int = 8, progress: TransferProgress = SilentTransferProgress()
  ) async throws -> PushReport {
    try await withLock(.push) { try await pushLocked(ids, from: store, jobs: jobs, progress: progress) }
  }

  func pushLocked(
    _ ids: Set<ObjectID>, from store: DiskStore, jobs: Int, progress: TransferProgress
  ) async throws -> PushReport {
    var report = PushReport()
    let index = try await self.index()
    var byPack: [ObjectID: [(ObjectID, ObjectLocation)]] = [:]
    for id in ids {
      if index.contains(id) {
        report.alreadyOnRemote += 1
      } else if let (_, l) = store.location(id) {
        byPack[l.pack, default: []].append((id, l))
      } else {
        report.notLocal.append(id)
      }
    }
    guard !byPack.isEmpty else { return report }

    // Whole local packs versus loose objects to repack.
    var uploads: [PackUpload] = []
    var loose: [(ObjectID, ObjectLocation)] = []
    for (pack, objects) in byPack {
      let path = store.packPath(pack)
      let entries = try PackFormat.readHeader(try POSIXFile.openForReading(path))
      if entries.count == objects.count {
        let records = entries.map { e, offset in
          IndexFormat.Record(
            id: e.id,
            location: ObjectLocation(
              pack: pack, offset: UInt32(offset), storedLength: e.storedLength, rawLength: e.rawLength,
              type: e.type, codec: e.codec))
        }
        uploads.append(PackUpload(source: .whole(path: path), id: pack, records: records, size: store.fileSize(path)))
      } else {
        loose += objects
      }
    }
    loose.sort { ($0.1.pack, $0.1.offset) < ($1.1.pack, $1.1.offset) }
    var batch: [(ObjectID, ObjectLocation)] = []
    var batchBytes: Int64 = 0
    for o in loose {
      batch.append(o)
      batchBytes += Int64(o.1.storedLength)
      if batchBytes >= Int64(PackFormat.targetSize) {
        uploads.append(PackUpload(source: .objects(batch), id: nil, records: [], size: batchBytes))
        batch = []
        batchBytes = 0
      }
    }
    if !batch.isEmpty { uploads.append(PackUpload(source: .objects(batch), id: nil, records: [], size: batchBytes)) }

    // Packs an interrupted push already uploaded (same name = same bytes).
    let existing = Dictionary(
      (try await backend.list(prefix: RemoteLayout.packPrefix)).map { ($0.key, $0.size) }, uniquingKeysWith: { a, _ in a })

    let total = uploads.reduce(Int64(0)) { $0 + $1.size }
    progress.begin("pushing to \(name)", totalBytes: total)
    defer { progress.end() }
    let done = ResultCollector()
    var failure: Error?
    do {
      try await forEachConcurrently(uploads, jobs: jobs) { upload in
        let prepared = try await self.prepare(upload, store: store)
        defer { if case .objects = upload.source { FS.remove(prepared.path) } }
        let key = RemoteLayout.packKey(prepared.id)
        let size = store.fileSize(prepared.path)
        let resumed = existing[key] == size
        if !resumed { try await self.backend.putFile(key, from: prepared.path) }
        progress.advance(upload.size)
        done.add(prepared.records, bytes: resumed ? 0 : size, resumed: resumed)
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

  /// The file to upload for `upload`: the local pack itself, or a new pack of the loose
  /// objects written to a temporary file.
  private func prepare(_ upload: PackUpload, store: DiskStore) async throws -> (path: String, id: ObjectID, records: [IndexFormat.Record]) {
    switch upload.source {
    case .whole(let path):
      return (path, upload.id!, upload.records)
    case .objects(let objects):
      return try await BlockingIO.run { try self.buildPack(objects, store: store) }
    }
  }

  /// Copies objects' stored bytes into a new pack, verifying each against its id first so
  /// a locally damaged object is never published.
  func buildPack(_ objects: [(ObjectID, ObjectLocation)], store: DiskStore) throws -> (path: String, id: ObjectID, records: [IndexFormat.Record]) {
    try buildPack(objects) { store.packPath($0) }
  }

  /// Copies objects' stored bytes from the pack files `source` names into a new pack.
  func buildPack(_ objects: [(ObjectID, ObjectLocation)], source: (ObjectID) -> String) throws -> (path: String, id: ObjectID, records: [IndexFormat.Record]) {
    let tmp = FS.temporaryPath(in: tmpDir, prefix: "push-pack")
    let out = try POSIXFile(path: tmp, flags: O_WRONLY | O_CREAT | O_EXCL)
    var entries: [PackFormat.Entry] = []
    var offsets: [UInt32] = []
    var offset: Int64 = 0
    var files: [ObjectID: POSIXFile] = [:]
    do {
      for (id, l) in objects {
        let file: POSIXFile
        if let f = files[l.pack] { file = f } else {
          file = try POSIXFile.openForReading(source(l.pack))
          files[l.pack] = file
        }
        let stored = try file.read(count: Int(l.storedLength), at: Int64(l.offset))
        try ObjectVerifier.check(id, stored: stored, location: l) { reason in
          StoreError.corruptObject(id, location: file.path, reason: reason)
        }
        try out.write(stored)
        entries.append(PackFormat.Entry(id: id, type: l.type, codec: l.codec, rawLength: l.rawLength, storedLength: l.storedLength))
        offsets.append(UInt32(offset))
        offset += Int64(l.storedLength)
      }
      let header = PackFormat.encodeHeader(entries)
      try out.write(header)
      let packID = ObjectID.hash(header)
      let records = zip(entries, offsets).map { e, o in
        IndexFormat.Record(
          id: e.id,
          location: ObjectLocation(
            pack: packID, offset: o, storedLength: e.storedLength, rawLength: e.rawLength, type: e.type, codec: e.codec))
      }
      return (tmp, packID, records)
    } catch {
      FS.remove(tmp)
      throw error
    }
  }
}

struct PackUpload {
  enum Source {
    case whole(path: String)
    case objects([(ObjectID, ObjectLocation)])
  }
  var source: Source
  var id: ObjectID?
  var records: [IndexFormat.Record]
  var size: Int64
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

/// Checks stored bytes (as found in a pack) against an object id.
enum ObjectVerifier {
  static func check(_ id: ObjectID, stored: [UInt8], location l: ObjectLocation, error: (String) -> Error) throws {
    _ = try decode(id, stored: stored[...], location: l, error: error)
  }

  /// The object's raw bytes, or the error made by `error` when they are damaged.
  static func decode(_ id: ObjectID, stored: ArraySlice<UInt8>, location l: ObjectLocation, error: (String) -> Error) throws -> [UInt8] {
    guard stored.count == Int(l.storedLength) else { throw error("truncated: \(stored.count) of \(l.storedLength) bytes") }
    let raw: [UInt8]
    switch l.codec {
    case .raw: raw = Array(stored)
    case .zlib:
      guard let inflated = stored.withUnsafeBytes({ Compression.inflate($0, rawLength: Int(l.rawLength)) }) else {
        throw error("compressed data is damaged")
      }
      raw = inflated
    }
    guard raw.count == Int(l.rawLength), ObjectID.hash(raw) == id else { throw error("content does not match its id") }
    return raw
  }
}
