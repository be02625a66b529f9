import CLibGit2
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A kill while libgit2 writes the index leaves `index.lock` behind, and every later index
/// write (by mlv or by git) then fails until someone deletes it. git leaves that to the
/// user. mlv cleans up after itself: every index write runs with a marker file in the git
/// directory that names the writing process, removed when the write is over. The next mlv
/// command (holding the repository lock, so no other mlv runs) calls
/// `removeStaleIndexLock`, which deletes `index.lock` only when it is the dead writer's: the
/// marked process is gone and the lock appeared within seconds of the marker. A lock a
/// running git holds fails neither test, and is left alone.
extension GitRepository {
  public var indexLockPath: String { gitDirectory + "/index.lock" }
  var indexWriteMarkerPath: String { gitDirectory + "/mlv-index-write" }

  /// How long after the marker a lock still counts as the marked writer's.
  static let indexWriteWindow: Double = 10

  /// Runs `body`, which writes the index, with the marker in place. A lock held by someone
  /// else becomes `GitError.indexLocked`, which names the file.
  func markingIndexWrite<T>(_ body: () throws -> T) throws -> T {
    // An existing marker is a dead writer's evidence for `removeStaleIndexLock`: keep it.
    let marker = indexWriteMarkerPath
    let fd = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    if fd >= 0 {
      let pid = Array("\(getpid())\n".utf8)
      _ = pid.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      close(fd)
    }
    defer { if fd >= 0 { unlink(marker) } }
    do { return try body() } catch GitError.libgit2(_, let code, _) where code == GIT_ELOCKED.rawValue {
      throw GitError.indexLocked(indexLockPath)
    }
  }

  /// Removes an `index.lock` left by an mlv process that was killed while writing the
  /// index (see the type's comment); returns whether it did. Call while holding mlv's
  /// repository lock.
  public func removeStaleIndexLock() -> Bool {
    let marker = indexWriteMarkerPath
    var markerStat = stat()
    guard lstat(marker, &markerStat) == 0 else { return false }
    let text = (try? String(contentsOfFile: marker, encoding: .utf8)) ?? ""
    let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    // A live writer (this process, or one not started by mlv's lock discipline) keeps its lock.
    guard pid > 0, pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { return false }
    defer { unlink(marker) }
    var lockStat = stat()
    guard lstat(indexLockPath, &lockStat) == 0 else { return false }
    let delay = Self.seconds(lockStat.st_mtim) - Self.seconds(markerStat.st_mtim)
    guard delay > -1, delay < Self.indexWriteWindow else { return false }
    return unlink(indexLockPath) == 0
  }

  private static func seconds(_ t: timespec) -> Double { Double(t.tv_sec) + Double(t.tv_nsec) / 1e9 }
}
