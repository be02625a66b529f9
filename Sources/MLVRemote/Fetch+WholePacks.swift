import Foundation
import MLVStore

extension RemoteRepository {
  /// Fetches packs every object of which is wanted by downloading the pack file itself into
  /// the store: no per-object copy or re-packing, only a verification pass. Each pack is
  /// downloaded to the store's tmp directory, every object in it re-hashed and the header
  /// checked against the pack's name, then renamed into `packs/`; one index naming the
  /// packs is written last (the store's write ordering: packs before the index naming
  /// them). Returns the packs that failed verification, for the ranged path to fetch
  /// object by object (which names the corrupt objects precisely).
  func fetchWholePacks(
    _ packs: [ObjectID], into store: DiskStore, jobs: Int, progress: TransferProgress, counts: Counters,
    stored: Locked<Set<ObjectID>>
  ) async throws -> [ObjectID] {
    let failed = Locked([ObjectID]())
    let records = Locked([IndexFormat.Record]())
    let tmpDir = store.root + "/tmp"
    try await forEachConcurrently(packs, jobs: jobs) { pack in
      let tmp = FS.temporaryPath(in: tmpDir, prefix: "fetch-pack")
      try await self.backend.getFile(RemoteLayout.packKey(pack), to: tmp)
      let size = store.fileSize(tmp)
      counts.add(bytes: size)
      let ok: [IndexFormat.Record]? = try await BlockingIO.run {
        let check = store.verifyPack(tmp)
        guard check.damaged == nil, check.corrupt.isEmpty,
          let file = try? POSIXFile.openForReading(tmp), let entries = try? PackFormat.readHeader(file),
          ObjectID.hash(PackFormat.encodeHeader(entries.map(\.entry))) == pack
        else { return nil }
        let final = store.packPath(pack)
        try FS.makeDirectories((final as NSString).deletingLastPathComponent)
        try FS.rename(tmp, final)
        return entries.map { e, offset in
          IndexFormat.Record(
            id: e.id,
            location: ObjectLocation(
              pack: pack, offset: UInt32(offset), storedLength: e.storedLength, rawLength: e.rawLength, type: e.type,
              codec: e.codec))
        }
      }
      progress.advance(size)
      if let ok {
        records.update { $0 += ok }
      } else {
        FS.remove(tmp)
        failed.update { $0.append(pack) }
      }
    }
    let all = records.value
    if !all.isEmpty {
      let (bytes, checksum) = IndexFormat.encode(all)
      try FS.atomicWrite(bytes, to: store.root + "/index/\(checksum.hex).idx")
      try store.reloadIndexes()
      stored.update { $0.formUnion(all.map(\.id)) }
    }
    return failed.value
  }
}
