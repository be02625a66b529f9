import Foundation
import MLVSystem

/// Packs in and out of the store for remotes (`PackTransfer`). Nothing leaves unverified:
/// a whole pack is re-read and every blob decoded against its id before its path is
/// handed out, and a single object is decoded before its stored bytes are.
extension DiskStore: PackTransfer {
  public func layout(of ids: Set<ObjectID>) -> PackLayout {
    var layout = PackLayout()
    var byPack: [ObjectID: [ObjectID]] = [:]
    var packSizes: [ObjectID: Int] = [:]
    lock.withLock {
      for id in ids {
        guard let (_, l) = indexedLocked(id) else {
          layout.notLocal.append(id)
          continue
        }
        byPack[l.pack, default: []].append(id)
        layout.storedBytes += Int64(l.storedLength)
      }
    }
    for (pack, objects) in byPack {
      if packSizes[pack] == nil {
        packSizes[pack] = (try? POSIXFile.openForReading(packPath(pack))).flatMap { try? PackFormat.readHeader($0).entries.count } ?? -1
      }
      if packSizes[pack] == objects.count {
        layout.wholePacks[pack] = objects
      } else {
        layout.loose += objects
      }
    }
    return layout
  }

  public func verifiedPack(_ pack: ObjectID) throws -> SealedPack {
    let path = packPath(pack)
    let file = try POSIXFile.openForReading(path)
    let (entries, id) = try PackFormat.readHeader(file)
    guard id == pack else { throw StoreError.corruptPack(path: path, reason: "its name does not match its header") }
    let bad = verifyBlobs(PackInventory.Pack(id: id, path: path, size: try file.size(), entries: entries), progress: nil)
    if let (badID, reason) = bad.first {
      throw StoreError.corruptObject(badID, location: path, reason: reason)
    }
    return SealedPack(path: path, id: id, entries: entries)
  }

  public func encodedObject(_ id: ObjectID) throws -> (entry: PackFormat.Entry, bytes: [UInt8]) {
    let (path, l, stored) = try readStored(id)
    // The bytes handed out are exactly the ones verified here.
    do { _ = try BlobCodec.decode(id, codec: l.codec, rawLength: l.rawLength, stored: stored) } catch {
      throw StoreError.corruptObject(id, location: path, reason: error.reason)
    }
    let entry = PackFormat.Entry(id: id, type: l.type, codec: l.codec, rawLength: l.rawLength, storedLength: l.storedLength)
    return (entry, stored)
  }

  public func verifyDownloadedPack(at path: String, expectedID: ObjectID) throws -> SealedPack {
    let file = try POSIXFile.openForReading(path)
    let (entries, id) = try PackFormat.readHeader(file)
    guard id == expectedID else {
      throw StoreError.corruptPack(path: path, reason: "its header does not match its name \(expectedID.hex)")
    }
    let bad = verifyBlobs(PackInventory.Pack(id: id, path: path, size: try file.size(), entries: entries), progress: nil)
    if let (badID, reason) = bad.first { throw StoreError.corruptObject(badID, location: path, reason: reason) }
    return SealedPack(path: path, id: id, entries: entries)
  }

  public func adopt(_ packs: [SealedPack]) throws {
    for p in packs { try POSIXFile.openForReading(p.path).sync() }
    try publish(packs)
  }
}
