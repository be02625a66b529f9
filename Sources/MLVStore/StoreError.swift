/// Failures of the object store. Integrity problems name the object and where it lives,
/// so `fsck` output and checkout errors point at something a person can act on.
public enum StoreError: Error, CustomStringConvertible {
  case missingObject(ObjectID)
  case corruptObject(ObjectID, location: String, reason: String)
  case corruptPack(path: String, reason: String)
  case corruptIndex(path: String, reason: String)
  case io(path: String, operation: String, errno: Int32)
  case unsupportedFormat(path: String, found: String)
  case invalidFileList(ObjectID, reason: String)

  public var description: String {
    switch self {
    case .missingObject(let id):
      return "object \(id.hex) is missing from the store (try `mlv pull` or `mlv fsck`)"
    case .corruptObject(let id, let location, let reason):
      return "object \(id.hex) in \(location) is corrupt: \(reason)"
    case .corruptPack(let path, let reason): return "pack \(path) is corrupt: \(reason)"
    case .corruptIndex(let path, let reason): return "index \(path) is corrupt: \(reason)"
    case .io(let path, let operation, let code):
      return "\(operation) \(path): \(String(cString: strerror(code)))"
    case .unsupportedFormat(let path, let found):
      return "\(path) has an unsupported format (\(found)); a newer mlv may be needed"
    case .invalidFileList(let id, let reason): return "file list \(id.hex) is invalid: \(reason)"
    }
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
