#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Foundation

/// Locks on a remote, so `gc --remote` never deletes objects a concurrent push relies on
/// (restic's scheme; docs/remotes.md, "Locks"). A lock is an object
/// `locks/<kind>-<unix seconds>-<random>`; pushes take shared locks, gc an exclusive one.
/// Taking a lock is: write it, then list the others — if a conflicting one exists, remove
/// your own and fail. Two racing processes both see each other and both back off, so
/// there is never a moment where gc and a push both believe they are alone.
///
/// A lock's body names its owner, so `mlv remote unlock` can tell a killed process's lock
/// from a running one (RemoteLockOwner).
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
    try await backend.put(key, data: RemoteLockOwner.current(kind: kind.rawValue).body)
    var conflicts: [String] = []
    for other in try await backend.list(prefix: Self.lockPrefix) where other.key != key {
      guard let parsed = Self.parseLockKey(other.key), let kindOther = LockKind(rawValue: parsed.kind) else { continue }
      if Date().timeIntervalSince1970 - parsed.created.timeIntervalSince1970 > Self.staleLockSeconds { continue }
      if kind == .gc || kindOther == .gc {
        conflicts.append("\(kindOther.rawValue) since \(ISO8601DateFormatter().string(from: parsed.created))")
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

  /// `locks/push-1700000000-123` → ("push", its date); nil for anything else.
  static func parseLockKey(_ key: String) -> (kind: String, created: Date)? {
    guard key.hasPrefix(lockPrefix) else { return nil }
    let parts = key.dropFirst(lockPrefix.count).split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 3, LockKind(rawValue: String(parts[0])) != nil, let t = TimeInterval(parts[1]),
      UInt64(parts[2]) != nil
    else { return nil }
    return (String(parts[0]), Date(timeIntervalSince1970: t))
  }
}

/// One lock found on a remote, and what `unlock` decided about it.
public struct RemoteLockEntry: Sendable {
  public let key: String
  /// push or gc; nil when the key is not a lock mlv writes.
  public let kind: String?
  public let created: Date?
  public let owner: RemoteLockOwner?
  /// Why the lock may be removed without `--all` (nil: its owner may still run).
  public let removableBecause: String?
  /// Why it was kept, for the report.
  public let keptBecause: String?
}

extension RemoteRepository {
  /// Every object under `locks/`, each judged: stale (older than six hours), owner gone
  /// (same host, and that process no longer exists or is another process now), or
  /// possibly running (another host, or a live process).
  public func locks(now: Date = Date()) async throws -> [RemoteLockEntry] {
    var out: [RemoteLockEntry] = []
    for object in try await backend.list(prefix: Self.lockPrefix) {
      guard let parsed = Self.parseLockKey(object.key) else {
        out.append(
          RemoteLockEntry(
            key: object.key, kind: nil, created: nil, owner: nil, removableBecause: nil,
            keptBecause: "not a lock mlv writes"))
        continue
      }
      // A lock removed meanwhile (its owner finished) is simply not reported.
      guard let body = try? await backend.get(object.key) else { continue }
      let owner = RemoteLockOwner(body: body)
      let age = now.timeIntervalSince(parsed.created)
      var removable: String?
      var kept: String?
      if age > Self.staleLockSeconds {
        removable = "stale (\(Int(age / 3600)) hours old)"
      } else if let owner, let gone = owner.goneReason() {
        removable = gone
      } else if let owner {
        kept = owner.host == RemoteLockOwner.hostName
          ? "process \(owner.pid) is running" : "held by a process on \(owner.host), which this machine cannot check"
      } else {
        kept = "its owner is not recorded (written by an older mlv); it is ignored after six hours"
      }
      out.append(
        RemoteLockEntry(
          key: object.key, kind: parsed.kind, created: parsed.created, owner: owner, removableBecause: removable,
          keptBecause: kept))
    }
    return out
  }

  /// Removes the locks whose owner is gone or that are stale — every object under `locks/`
  /// with `all` — and returns what was found, removed or not (`mlv remote unlock`).
  public func unlock(all: Bool) async throws -> (removed: [RemoteLockEntry], kept: [RemoteLockEntry]) {
    var removed: [RemoteLockEntry] = []
    var kept: [RemoteLockEntry] = []
    for entry in try await locks() {
      if all || entry.removableBecause != nil {
        try await backend.delete(entry.key)
        removed.append(entry)
      } else {
        kept.append(entry)
      }
    }
    return (removed, kept)
  }
}

/// Who wrote a lock: the body of a lock object, as lines
///
///     push by process 4242 on build-7
///     pid 4242
///     host build-7
///     start 123456789
///
/// The first line is for people (and is all older mlv wrote); `start` is the process's start
/// time in clock ticks since boot (Linux /proc/PID/stat field 22), so a pid reused by another
/// process after a crash is not mistaken for the owner.
public struct RemoteLockOwner: Sendable, Equatable {
  public let kind: String
  public let pid: Int32
  public let host: String
  public let processStart: UInt64?

  public init(kind: String, pid: Int32, host: String, processStart: UInt64?) {
    self.kind = kind
    self.pid = pid
    self.host = host
    self.processStart = processStart
  }

  static var hostName: String { ProcessInfo.processInfo.hostName }

  static func current(kind: String) -> RemoteLockOwner {
    let pid = getpid()
    return RemoteLockOwner(kind: kind, pid: pid, host: hostName, processStart: startTime(of: pid))
  }

  public var body: [UInt8] {
    var text = "\(kind) by process \(pid) on \(host)\npid \(pid)\nhost \(host)\n"
    if let processStart { text += "start \(processStart)\n" }
    return Array(text.utf8)
  }

  /// Reads a body; nil when it names no pid and host (a lock from an older mlv, or junk).
  /// Lines are capped so a hostile lock cannot make this slow.
  public init?(body: [UInt8]) {
    guard body.count <= 4096 else { return nil }
    let lines = String(decoding: body, as: UTF8.self).split(separator: "\n").map(String.init)
    var fields: [String: String] = [:]
    for line in lines.dropFirst() {
      guard let space = line.firstIndex(of: " ") else { continue }
      fields[String(line[..<space])] = String(line[line.index(after: space)...])
    }
    guard let first = lines.first, let kind = first.split(separator: " ").first,
      let pid = fields["pid"].flatMap(Int32.init), pid > 0, let host = fields["host"], !host.isEmpty
    else { return nil }
    self.init(kind: String(kind), pid: pid, host: host, processStart: fields["start"].flatMap(UInt64.init))
  }

  /// Why this owner is certainly gone, or nil if it may be running. Only a process on this
  /// host can be checked: it is gone when no process has its pid, or the process with its
  /// pid started at another time (the pid was reused).
  func goneReason() -> String? {
    guard host == Self.hostName else { return nil }
    if kill(pid, 0) != 0 && errno == ESRCH { return "process \(pid) on \(host) is gone" }
    if let recorded = processStart, let actual = Self.startTime(of: pid), actual != recorded {
      return "process \(pid) on \(host) is gone (the pid now belongs to another process)"
    }
    return nil
  }

  /// Field 22 of /proc/PID/stat (start time in ticks since boot); nil off Linux.
  static func startTime(of pid: Int32) -> UInt64? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = text.lastIndex(of: ")")
    else { return nil }
    // Fields after the command name (which may hold spaces and parentheses) start at 3.
    let rest = text[text.index(after: close)...].split(separator: " ")
    guard rest.count > 19 else { return nil }
    return UInt64(rest[19])
  }
}
