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
    _ packs: [ObjectID], into store: any PackTransfer, jobs: Int, progress: TransferProgress, counts: Counters
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
      // Every object of a pack fetched whole was wanted, so none was local before.
      counts.add(objects: good.reduce(0) { $0 + $1.entries.count })
    }
    return failed.value
  }
}
