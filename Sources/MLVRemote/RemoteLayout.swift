import MLVStore

/// Keys of a remote: the local store's layout (docs/remotes.md), so a pack or an index has
/// the same name and bytes on both sides.
public enum RemoteLayout {
  public static let packPrefix = "packs/"
  public static let indexPrefix = "index/"

  public static func packKey(_ id: ObjectID) -> String {
    let hex = id.hex
    return "packs/\(hex.prefix(2))/\(hex).pack"
  }

  public static func indexKey(_ checksum: ObjectID) -> String { "index/\(checksum.hex).idx" }

  /// The pack id named by a key such as `packs/ab/<64 hex>.pack`.
  public static func packID(fromKey key: String) -> ObjectID? {
    guard key.hasPrefix(packPrefix), key.hasSuffix(".pack") else { return nil }
    let name = key.split(separator: "/").last ?? ""
    return ObjectID(hex: name.dropLast(".pack".count))
  }

  /// The checksum named by a key such as `index/<64 hex>.idx`.
  public static func indexChecksum(fromKey key: String) -> ObjectID? {
    guard key.hasPrefix(indexPrefix), key.hasSuffix(".idx") else { return nil }
    return ObjectID(hex: key.dropFirst(indexPrefix.count).dropLast(".idx".count))
  }
}
