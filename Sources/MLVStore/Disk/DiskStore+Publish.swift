import Foundation
import MLVSystem

/// How writers hand objects to the store (docs/design.md, "Write ordering"): reserve an
/// id, report where its bytes landed, and finally publish sealed packs — renamed into
/// packs/, then one index naming them. The writer never touches the store's tables.
extension DiskStore {
  /// Claims `id` for `writer`; false when the store already has it (indexed in an existing
  /// pack, or pending from any writer), in which case nothing need be written.
  func reserve(_ id: ObjectID, type: ObjectType, rawLength: UInt32, by writer: PackWriter) -> Bool {
    let key = ObjectIdentifier(writer)
    return lock.withLock {
      if pending[id] != nil || indexedLocked(id) != nil { return false }
      pending[id] = PendingObject(type: type, rawLength: rawLength, writer: key, file: nil)
      if writers[key] == nil { writers[key] = WeakWriter(writer) }
      return true
    }
  }

  /// Records that the bytes of `entries` are now in the temporary pack at `path`.
  func written(_ entries: ArraySlice<PackFormat.LocatedEntry>, in path: String) {
    guard !entries.isEmpty else { return }
    lock.withLock {
      for e in entries {
        pending[e.entry.id]?.file = (path, e.entry.location(pack: .empty, offset: e.offset))
      }
    }
  }

  /// Forgets objects a writer accepted but will never publish (a failed write, or a writer
  /// released without `flush`): the store must not go on claiming bytes that were deleted.
  func release(_ ids: [ObjectID], by writer: PackWriter) {
    let key = ObjectIdentifier(writer)
    lock.withLock {
      for id in ids where pending[id]?.writer == key { pending[id] = nil }
    }
  }

  func writerFinished(_ writer: PackWriter) {
    let key = ObjectIdentifier(writer)
    lock.withLock {
      writers[key] = nil
      pending = pending.filter { $0.value.writer != key }
    }
  }

  /// Publishes sealed packs: each is renamed into packs/ (fsynced first with MLV_FSYNC=1),
  /// then one index names them all, and only then do their objects leave the pending
  /// table. A kill in between leaves packs that no index names, which gc and repair read
  /// by their headers — never an index entry for a missing pack.
  public func publish(_ packs: [SealedPack]) throws {
    guard !packs.isEmpty else { return }
    var records: [IndexFormat.Record] = []
    var dirs = Set<String>()
    for p in packs {
      let final = packPath(p.id)
      let dir = (final as NSString).deletingLastPathComponent
      if dirs.insert(dir).inserted { try FS.makeDirectories(dir) }
      if FS.exists(final) {
        // The same header (and so the same blobs) is already published.
        FS.remove(p.path)
      } else {
        try FS.rename(p.path, final)
      }
      lock.withLock {
        for e in p.entries where pending[e.entry.id] != nil {
          pending[e.entry.id]?.file = (final, e.entry.location(pack: p.id, offset: e.offset))
        }
      }
      records += p.records
    }
    for d in dirs { FS.fsyncDirectory(d) }
    try writeIndex(records)
    try refresh()
    lock.withLock { for r in records { pending[r.id] = nil } }
    if loadedIndexes.count > Self.mergeThreshold { try mergeIndexes() }
  }

  /// Writes an index file: built in tmp/ (where a killed writer's leftover is removed by
  /// the next command) and renamed into index/ complete, so a half-written index can never
  /// be taken for one.
  @discardableResult
  func writeIndex(_ records: [IndexFormat.Record]) throws -> String {
    let (bytes, checksum) = IndexFormat.encode(records)
    let path = "\(indexDir)/\(checksum.hex).idx"
    let tmp = FS.temporaryPath(in: temporaryDirectory, prefix: "index")
    do {
      let f = try POSIXFile.create(tmp)
      try f.write(bytes)
      try f.sync()
      try FS.rename(tmp, path)
    } catch {
      FS.remove(tmp)
      throw error
    }
    FS.fsyncDirectory(indexDir)
    return path
  }

  /// Replaces all loaded indexes by one holding their records. Damaged indexes are left for
  /// `repair`, which can still use what they say.
  public func mergeIndexes() throws {
    let old = loadedIndexes
    guard old.count > 1 else { return }
    var records: [IndexFormat.Record] = []
    for index in old { records += try index.allRecords() }
    try supersede(old.map(\.path), with: records)
  }

  /// Writes `records` as one index, then removes the `superseded` index files. The new
  /// index is durable before the old ones go, so a crash in between leaves duplicates
  /// (harmless), never a gap. An index is named by its checksum, so the new one may be one
  /// of the superseded names; it is kept.
  func supersede(_ superseded: [String], with records: [IndexFormat.Record]) throws {
    let kept = records.isEmpty ? nil : try writeIndex(records)
    for path in superseded where path != kept { FS.remove(path) }
    FS.fsyncDirectory(indexDir)
    try refresh()
  }
}
