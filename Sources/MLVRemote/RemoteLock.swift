import Foundation

/// Locks on a remote, so `gc --remote` never deletes objects a concurrent push relies on
/// (restic's scheme; docs/remotes.md, "Locks"). A lock is an object
/// `locks/<kind>-<unix seconds>-<random>`; pushes take shared locks, gc an exclusive one.
/// Taking a lock is: write it, then list the others — if a conflicting one exists, remove
/// your own and fail. Two racing processes both see each other and both back off, so
/// there is never a moment where gc and a push both believe they are alone.
extension RemoteRepository {
  public enum LockKind: String, Sendable {
    case push, gc
  }

  /// Locks older than this are left by killed processes and ignored.
  static let staleLockSeconds: TimeInterval = 6 * 3600
  static let lockPrefix = "locks/"

  public func acquireLock(_ kind: LockKind) async throws -> String {
    let now = Int(Date().timeIntervalSince1970)
    let key = "\(Self.lockPrefix)\(kind.rawValue)-\(now)-\(UInt64.random(in: 0...UInt64.max))"
    let host = ProcessInfo.processInfo.hostName
    try await backend.put(key, data: Array("\(kind.rawValue) by process \(getpid()) on \(host)\n".utf8))
    var conflicts: [String] = []
    for other in try await backend.list(prefix: Self.lockPrefix) where other.key != key {
      let name = String(other.key.dropFirst(Self.lockPrefix.count))
      let parts = name.split(separator: "-")
      guard parts.count == 3, let kindOther = LockKind(rawValue: String(parts[0])), let t = TimeInterval(parts[1]) else {
        continue
      }
      if Date().timeIntervalSince1970 - t > Self.staleLockSeconds { continue }
      if kind == .gc || kindOther == .gc {
        conflicts.append("\(kindOther.rawValue) since \(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: t)))")
      }
    }
    if !conflicts.isEmpty {
      try? await backend.delete(key)
      throw RemoteError.locked(remote: name, holders: conflicts)
    }
    return key
  }

  public func releaseLock(_ key: String) async {
    try? await backend.delete(key)
  }

  /// Runs `body` holding a lock of `kind`, releasing it afterwards whatever happens.
  public func withLock<T>(_ kind: LockKind, _ body: () async throws -> T) async throws -> T {
    let key = try await acquireLock(kind)
    do {
      let result = try await body()
      await releaseLock(key)
      return result
    } catch {
      await releaseLock(key)
      throw error
    }
  }
}
