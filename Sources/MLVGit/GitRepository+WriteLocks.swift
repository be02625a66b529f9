import CLibGit2
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// git writes the index and refs through lock files (`index.lock`, `HEAD.lock`,
/// `refs/heads/main.lock`, ...) renamed into place when complete. A kill during such a
/// write leaves the lock behind, and every later write of that file (by mlv or by git)
/// then fails until someone deletes it. git leaves that to the user. mlv cleans up after
/// itself: each of its git writes runs with a marker file in the git directory that names
/// the writing process, removed when the write is over. The next mlv command (holding the
/// repository lock, so no other mlv runs) calls `removeStaleLocks`, which deletes lock
/// files only when they are the dead writer's: the marked process is gone and the lock
/// appeared within seconds of the marker. A lock a running git holds fails these tests
/// and is left alone.
extension GitRepository {
  public var indexLockPath: String { gitDirectory + "/index.lock" }
  var writeMarkerPath: String { gitDirectory + "/mlv-git-write" }

  /// How long after the marker a lock still counts as the marked writer's.
  static let writeWindow: Double = 10

  /// Runs `body`, which writes the index or refs, with the marker in place. A locked index
  /// becomes `GitError.indexLocked`, which names the file.
  @discardableResult
  func markingWrite<T>(_ body: () throws -> T) throws -> T {
    // An existing marker is a dead writer's evidence for `removeStaleLocks`: keep it.
    let marker = writeMarkerPath
    let fd = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    if fd >= 0 {
      let pid = Array("\(getpid())\n".utf8)
      _ = pid.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      close(fd)
    }
    defer { if fd >= 0 { unlink(marker) } }
    do { return try body() } catch GitError.libgit2(let operation, let code, let message) {
      throw indexLocked(code) ?? GitError.libgit2(operation: operation, code: code, message: message)
    }
  }

  /// `GitError.indexLocked` when libgit2's `code` says a lock was held and it is the
  /// index's (a ref's lock keeps libgit2's own message, which names that file).
  func indexLocked(_ code: Int32) -> GitError? {
    guard code == GIT_ELOCKED.rawValue, FileManager.default.fileExists(atPath: indexLockPath) else { return nil }
    return .indexLocked(indexLockPath)
  }

  /// Removes the lock files an mlv process left when it was killed while writing the
  /// index or a ref (see the type's comment); returns their paths.
  public func removeStaleLocks() -> [String] {
    let marker = writeMarkerPath
    var markerStat = stat()
    guard lstat(marker, &markerStat) == 0 else { return [] }
    let text = (try? String(contentsOfFile: marker, encoding: .utf8)) ?? ""
    let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    // A live writer (this process, or a reused pid) keeps its locks.
    guard pid > 0, pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { return [] }
    defer { unlink(marker) }
    let since = Self.seconds(markerStat.st_mtim)
    var removed: [String] = []
    for path in lockFiles() {
      var st = stat()
      guard lstat(path, &st) == 0 else { continue }
      let delay = Self.seconds(st.st_mtim) - since
      if delay > -1, delay < Self.writeWindow, unlink(path) == 0 { removed.append(path) }
    }
    return removed
  }

  /// The lock files mlv's writes can leave: the index, HEAD, packed refs, and any ref or
  /// reflog under refs/ and logs/.
  func lockFiles() -> [String] {
    var paths = ["index.lock", "HEAD.lock", "packed-refs.lock"].map { gitDirectory + "/" + $0 }
    let fm = FileManager.default
    for dir in ["refs", "logs"] {
      let root = gitDirectory + "/" + dir
      for sub in (try? fm.subpathsOfDirectory(atPath: root)) ?? [] where sub.hasSuffix(".lock") {
        paths.append(root + "/" + sub)
      }
    }
    return paths
  }

  private static func seconds(_ t: timespec) -> Double { Double(t.tv_sec) + Double(t.tv_nsec) / 1e9 }
}
