#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A system call that failed on a path: the operation, the path and errno. Messages read
/// "no space left on device while writing .mlv/store/tmp/pack-…", so a full disk, a
/// read-only filesystem or a failing disk is named as such and not taken for corruption.
public struct IOError: Error, CustomStringConvertible, Equatable, Sendable {
  public enum Operation: Equatable, Sendable {
    case open, read, write, stat, sync, truncate, map, copy, lock, remove, list
    case createDirectory
    /// Renaming `from` to the error's path.
    case rename(from: String)

    var verb: String {
      switch self {
      case .open: return "opening"
      case .read: return "reading"
      case .write: return "writing"
      case .stat: return "reading the attributes of"
      case .sync: return "syncing"
      case .truncate: return "truncating"
      case .map: return "mapping"
      case .copy: return "copying into"
      case .lock: return "locking"
      case .remove: return "removing"
      case .list: return "listing"
      case .createDirectory: return "creating directory"
      case .rename(let from): return "renaming \(from) to"
      }
    }
  }

  public var path: String
  public var operation: Operation
  public var code: Int32

  public init(path: String, operation: Operation, errno code: Int32) {
    self.path = path
    self.operation = operation
    self.code = code
  }

  /// The description of `code` as strerror gives it, with a lowercase first letter.
  public static func reason(_ code: Int32) -> String {
    let text = String(cString: strerror(code))
    guard let first = text.first else { return "error \(code)" }
    return first.lowercased() + text.dropFirst()
  }

  public var description: String { "\(Self.reason(code)) while \(operation.verb) \(path)" }
}
