import Foundation
import MLVStore
import MLVSystem

#if canImport(Glibc)
  import Glibc
#endif

/// The repository write lock: an advisory `flock` on .mlv/lock, which the kernel releases
/// when the holder dies (no stale locks after a kill). The holder writes its pid and
/// command into the file so a waiting process can say who holds it.
public final class RepoLock {
  let file: POSIXFile

  /// Waits up to `timeout` seconds (MLV_LOCK_TIMEOUT overrides; default 10 s).
  public init(path: String, command: String, timeout: Double? = nil) throws {
    file = try POSIXFile(path: path, flags: O_RDWR | O_CREAT, mode: 0o644)
    let env = ProcessInfo.processInfo.environment["MLV_LOCK_TIMEOUT"].flatMap(Double.init)
    let limit = env ?? timeout ?? 10
    let start = Date()
    while flock(file.fd, LOCK_EX | LOCK_NB) != 0 {
      guard errno == EWOULDBLOCK || errno == EINTR else {
        throw IOError(path: path, operation: .lock, errno: errno)
      }
      let waited = Date().timeIntervalSince(start)
      if waited >= limit {
        let holder = (try? FS.readAll(path)).map { String(decoding: $0, as: UTF8.self) }?
          .trimmingCharacters(in: .whitespacesAndNewlines)
        throw WorkspaceError.locked(
          holder: holder.flatMap { $0.isEmpty ? nil : $0 } ?? "another mlv process", waitedSeconds: waited)
      }
      usleep(50_000)
    }
    try? file.truncate(to: 0)
    try? file.write(Array("process \(getpid()) (\(command))\n".utf8), at: 0)
  }

  deinit {
    try? file.truncate(to: 0)
    flock(file.fd, LOCK_UN)
  }
}
