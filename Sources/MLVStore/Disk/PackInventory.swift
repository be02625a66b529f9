import Foundation
import MLVSystem

/// Every pack on disk, read from the packs' own headers rather than from the indexes.
/// Packs are self-describing, so this is the ground truth that gc, fsck and repair work
/// from: a pack whose index was lost, damaged or not yet loaded is still seen, and never
/// deleted for being "unindexed" while it holds a live object.
///
/// Costs one small read per pack (its header: 44 bytes per object), ~1 s for 30,000 packs.
struct PackInventory {
  struct Pack {
    var id: ObjectID
    var path: String
    var size: Int64
    var entries: [PackFormat.LocatedEntry]
  }

  var packs: [ObjectID: Pack] = [:]
  /// Files under packs/ that are not readable packs named by their header's hash.
  var damaged: [(path: String, reason: String)] = []

  /// Paths of every file under packs/<xx>/, sorted.
  static func packFiles(in packsDir: String) -> [String] {
    var out: [String] = []
    for dir in FS.list(packsDir) {
      let sub = packsDir + "/" + dir
      for name in FS.list(sub) where !name.hasPrefix(".mlv-tmp") { out.append(sub + "/" + name) }
    }
    return out.sorted()
  }

  static func packID(fromPath path: String) -> ObjectID? {
    let name = (path as NSString).lastPathComponent
    guard name.hasSuffix(".pack") else { return nil }
    return ObjectID(hex: name.dropLast(".pack".count))
  }

  static func scan(_ packsDir: String) -> PackInventory {
    var inventory = PackInventory()
    for path in packFiles(in: packsDir) {
      guard let named = packID(fromPath: path) else {
        inventory.damaged.append((path, "not a pack file name"))
        continue
      }
      do {
        let file = try POSIXFile.openForReading(path)
        let (entries, id) = try PackFormat.readHeader(file)
        guard id == named else {
          inventory.damaged.append((path, "its name does not match its header"))
          continue
        }
        inventory.packs[id] = Pack(id: id, path: path, size: try file.size(), entries: entries)
      } catch {
        inventory.damaged.append((path, "\(error)"))
      }
    }
    return inventory
  }

  /// Each object once, preferring the copy in a pack that `prefer` accepts.
  func objects() -> [ObjectID: (pack: ObjectID, entry: PackFormat.LocatedEntry)] {
    var out: [ObjectID: (ObjectID, PackFormat.LocatedEntry)] = [:]
    for (id, pack) in packs.sorted(by: { $0.key < $1.key }) {
      for e in pack.entries where out[e.entry.id] == nil { out[e.entry.id] = (id, e) }
    }
    return out
  }
}
