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
      pending[id] = PendingObject(rawLength: rawLength, type: type, writer: key)
      if writers[key] == nil { writers[key] = WeakWriter(writer) }
      return true
    }
  }

  /// Records that the bytes of `entries` are now in the temporary pack at `path`.
  func written(_ entries: ArraySlice<PackFormat.LocatedEntry>, in path: String, by writer: PackWriter) {
    guard !entries.isEmpty else { return }
    let key = ObjectIdentifier(writer)
    lock.withLock {
      let number: UInt32
      if let known = pendingFileNumbers[path] {
        number = known
      } else {
        number = nextPendingFile
        nextPendingFile = nextPendingFile &+ 1
        if nextPendingFile == PendingObject.buffered { nextPendingFile = 0 }
        pendingFileNumbers[path] = number
        pendingFiles[number] = PendingFile(path: path, pack: .empty, writer: key)
      }
      // One in-place lookup per object (this runs for every object written).
      for e in entries { pending[e.entry.id]?.place(e, file: number, ifWrittenBy: key) }
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
      for (number, f) in pendingFiles where f.writer == key {
        pendingFiles[number] = nil
        pendingFileNumbers[f.path] = nil
      }
    }
  }

  /// Publishes sealed packs: each is renamed into packs/ (fsynced first with MLV_FSYNC=1),
  /// then one index names them all, and only then do their objects leave the pending
  /// table. A kill in between leaves packs that no index names, which gc and repair read
  /// by their headers — never an index entry for a missing pack. Returns the new index's path
  /// (nil for no packs, or merged away). Serialised with other publishes and `refresh` (`publishLock`).
  /// Past `mergeThreshold` indexes all are merged, unless `mergeIfMany` is false: a writer
  /// in mid-session merges only its own indexes, and the store's at `flush`.
  @discardableResult
  public func publish(_ packs: [SealedPack], mergeIfMany: Bool = true) throws -> String? {
    guard !packs.isEmpty else { return nil }
    publishLock.lock()
    defer { publishLock.unlock() }
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
      // Readers of its pending objects now open the published file (one that opened the
      // temporary name between the rename and this keeps its descriptor, or retries).
      lock.withLock {
        if let number = pendingFileNumbers[p.path] {
          pendingFiles[number]?.path = final
          pendingFiles[number]?.pack = p.id
        }
      }
    }
    for d in dirs { FS.fsyncDirectory(d) }
    let (bytes, checksum) = IndexFormat.encode(packs: packs.map { ($0.id, $0.entries) })
    let path = try writeIndex(bytes, checksum: checksum)
    try refresh()
    lock.withLock {
      for p in packs {
        for e in p.entries { pending[e.entry.id] = nil }
        if let number = pendingFileNumbers.removeValue(forKey: p.path) { pendingFiles[number] = nil }
      }
    }
    for p in packs { forgetPackFile(p.path) }
    if mergeIfMany, loadedIndexes.count > Self.mergeThreshold {
      try mergeIndexes()
      return nil  // merged away
    }
    return path
  }

  /// Writes an index file: built in tmp/ (where a killed writer's leftover is removed by
  /// the next command) and renamed into index/ complete, so a half-written index can never
  /// be taken for one.
  @discardableResult
  func writeIndex(_ records: [IndexFormat.Record]) throws -> String {
    let (bytes, checksum) = IndexFormat.encode(records)
    return try writeIndex(bytes, checksum: checksum)
  }

  func writeIndex(_ bytes: [UInt8], checksum: ObjectID) throws -> String {
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

  /// Replaces all loaded indexes by one holding their records, merged as a stream
  /// (`IndexMerge`: no record arrays, whatever the store's size). Damaged indexes are left
  /// for `repair`, which can still use what they say.
  public func mergeIndexes() throws {
    publishLock.lock()
    defer { publishLock.unlock() }
    let old = loadedIndexes
    guard old.count > 1 else { return }
    try merge(old)
  }

  /// Merges the loaded indexes at `paths` (those still loaded) into one; returns its path.
  @discardableResult
  func mergeIndexes(at paths: [String]) throws -> String? {
    publishLock.lock()
    defer { publishLock.unlock() }
    let wanted = Set(paths)
    let inputs = loadedIndexes.filter { wanted.contains($0.path) }
    guard inputs.count > 1 else { return inputs.first?.path }
    return try merge(inputs)
  }

  /// Writes the merge of `inputs` (built in tmp/, renamed complete), then removes the
  /// inputs' files: durable before the old ones go, as in `supersede`.
  @discardableResult
  private func merge(_ inputs: [IndexFile]) throws -> String {
    let tmp = FS.temporaryPath(in: temporaryDirectory, prefix: "index")
    let path: String
    do {
      let checksum = try IndexMerge.merge(inputs, to: tmp)
      path = "\(indexDir)/\(checksum.hex).idx"
      try FS.rename(tmp, path)
    } catch {
      FS.remove(tmp)
      throw error
    }
    FS.fsyncDirectory(indexDir)
    for old in inputs where old.path != path { FS.remove(old.path) }
    FS.fsyncDirectory(indexDir)
    try refresh()
    return path
  }

  /// Writes `records` as one index, then removes the `superseded` index files. The new
  /// index is durable before the old ones go, so a crash in between leaves duplicates
  /// (harmless), never a gap. An index is named by its checksum, so the new one may be one
  /// of the superseded names; it is kept.
  func supersede(_ superseded: [String], with records: [IndexFormat.Record]) throws {
    publishLock.lock()
    defer { publishLock.unlock() }
    let kept = records.isEmpty ? nil : try writeIndex(records)
    for path in superseded where path != kept { FS.remove(path) }
    FS.fsyncDirectory(indexDir)
    try refresh()
  }
}
