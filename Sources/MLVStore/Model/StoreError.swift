/// Failures of the object store's content: an object that is absent, or bytes that do not
/// match what names them. Each case names the object and where it lives, so `fsck` output
/// and checkout errors point at something a person can act on. (A failing system call is
/// an `IOError` from MLVSystem instead: a full disk is not corruption.)
public enum StoreError: Error, CustomStringConvertible, Equatable {
  case missingObject(ObjectID)
  case corruptObject(ObjectID, location: String, reason: String)
  case corruptPack(path: String, reason: String)
  case corruptIndex(path: String, reason: String)
  case unsupportedFormat(path: String, found: String)
  case invalidFileList(ObjectID, reason: String)
  /// An object too large for the pack format's 32-bit lengths (4 GiB).
  case objectTooLarge(ObjectID, bytes: Int)

  public var description: String {
    switch self {
    case .missingObject(let id):
      return "object \(id.hex) is missing from the store (try `mlv pull` or `mlv fsck`)"
    case .corruptObject(let id, let location, let reason):
      return "object \(id.hex) in \(location) is corrupt: \(reason)"
    case .corruptPack(let path, let reason): return "pack \(path) is corrupt: \(reason)"
    case .corruptIndex(let path, let reason): return "index \(path) is corrupt: \(reason)"
    case .unsupportedFormat(let path, let found):
      return "\(path) has an unsupported format (\(found)); a newer mlv may be needed"
    case .invalidFileList(let id, let reason): return "file list \(id.hex) is invalid: \(reason)"
    case .objectTooLarge(let id, let bytes):
      return "object \(id.hex) is \(bytes) bytes, more than a pack entry can hold (4 GiB)"
    }
  }
}
