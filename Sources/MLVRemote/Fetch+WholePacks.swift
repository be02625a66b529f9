import Foundation
import MLVStore
import MLVSystem

extension RemoteRepository {
  /// Fetches packs every object of which is wanted by downloading the pack file itself:
  /// no per-object copy or re-packing, only a verification pass. Each pack is downloaded
  /// into the store's temporary directory and verified there — its header against its
  /// name, every object against its id (`PackTransfer.verifyDownloadedPack`); the store
  /// then adopts all good packs under one index. Returns the packs that failed
  /// verification, for the ranged path to fetch object by object (which names the corrupt
  /// objects precisely).
  func fetchWholePacks(
    _ packs: [ObjectID], into store: any PackTransfer, jobs: Int, progress: TransferProgress, counts: Counters,
    stored: Locked<Set<ObjectID>>
  ) async throws -> [ObjectID] {
    let failed = Locked([ObjectID]())
    let verified = Locked([SealedPack]())
    do {
      try await forEachConcurrently(packs, jobs: jobs) { pack in
        let tmp = FS.temporaryPath(in: store.temporaryDirectory, prefix: "fetch-pack")
        do {
          try await self.backend.getFile(RemoteLayout.packKey(pack), to: tmp)
        } catch {
          FS.remove(tmp)
          throw error
        }
        let size = FS.fileSize(tmp)
        counts.add(bytes: size)
        let ok = try? await BlockingIO.run { try store.verifyDownloadedPack(at: tmp, expectedID: pack) }
        progress.advance(size)
        if let ok {
          verified.update { $0.append(ok) }
        } else {
          FS.remove(tmp)
          failed.update { $0.append(pack) }
        }
      }
    } catch {
      for p in verified.value { FS.remove(p.path) }
      throw error
    }
    let good = verified.value
    if !good.isEmpty {
      do { try await BlockingIO.run { try store.adopt(good) } } catch {
        for p in good { FS.remove(p.path) }
        throw error
      }
      stored.update { $0.formUnion(good.flatMap { $0.entries.map(\.entry.id) }) }
    }
    return failed.value
  }
}
