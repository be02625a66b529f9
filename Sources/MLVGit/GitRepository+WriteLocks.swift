import CLibGit2
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// git writes the index and refs through lock files (`index.lock`, `HEAD.lock`,
/// `refs/heads/main.lock`, ...) renamed into place when complete. A kill during such a
/// write leaves the lock behind, and every later write of that file (by mlv or by git)
/// fails until someone deletes it.
///
/// mlv never deletes such a lock itself. libgit2 creates each lock file inside one call
/// (`git_index_write`, `git_reference_create`, ...), so mlv cannot learn which file it was
/// (its inode, its contents) before a kill can strike, and nothing left afterwards tells a
/// dead mlv's lock from the lock of a git command started after the kill: an earlier
/// version deleted locks that appeared within 10 s of a dead writer's marker, and so could
/// delete a running `git commit`'s live `index.lock` (docs/design.md, "Write ordering").
/// git itself leaves stale locks to the user for the same reason.
///
/// What mlv does instead: each of its git writes runs with a marker file in the git
/// directory naming the writing process, removed when the write is over. A marker whose
/// process is gone is evidence that lock files present may be that process's leftovers;
/// `interruptedWrite` reports them so the user can check that no git command is running and
/// remove them (`rm .git/index.lock`), and a failed write names the lock file it met.
extension GitRepository {
  public var indexLockPath: String { gitDirectory + "/index.lock" }
  var writeMarkerPath: String { gitDirectory + "/mlv-git-write" }

  /// Runs `body`, which writes the index or refs, with the marker in place. A held lock
  /// becomes `GitError.lockFileExists`, which names the file.
  @discardableResult
  func markingWrite<T>(_ body: () throws -> T) throws -> T {
    // An existing marker is a dead writer's evidence for `interruptedWrite`: keep it.
    let marker = writeMarkerPath
    let fd = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    if fd >= 0 {
      let pid = Array("\(getpid())\n".utf8)
      _ = pid.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      close(fd)
    }
    defer { if fd >= 0 { unlink(marker) } }
    do { return try body() } catch GitError.libgit2(let operation, let code, let message) {
      throw lockError(code) ?? GitError.libgit2(operation: operation, code: code, message: message)
    }
  }

  /// `GitError.lockFileExists` when libgit2's `code` says a lock was held, naming the lock
  /// file that exists (the index's first: it is the one mlv's writes meet most).
  func lockError(_ code: Int32) -> GitError? {
    guard code == GIT_ELOCKED.rawValue else { return nil }
    guard let path = existingLockFiles().first else { return nil }
    return .lockFileExists(path)
  }

  /// An mlv process that was killed while writing to git: its pid, and the lock files that
  /// exist now (the caller reports them; see the type's comment for why they are never
  /// removed here). A marker whose process is gone and that left no lock is removed, and
  /// nil returned, as it is when no marker exists or its process still runs.
  public func interruptedWrite() -> (pid: Int32, lockFiles: [String])? {
    let marker = writeMarkerPath
    guard let text = try? String(contentsOfFile: marker, encoding: .utf8) else { return nil }
    let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    // A live writer (this process, or a reused pid) may be writing right now.
    if pid > 0, pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH { return nil }
    let locks = existingLockFiles()
    if locks.isEmpty {
      unlink(marker)
      return nil
    }
    return (pid, locks)
  }

  /// The lock files mlv's writes can leave that exist now: the index, HEAD, packed refs,
  /// and any ref or reflog under refs/ and logs/.
  func existingLockFiles() -> [String] {
    var paths = ["index.lock", "HEAD.lock", "packed-refs.lock"].map { gitDirectory + "/" + $0 }
      .filter { FileManager.default.fileExists(atPath: $0) }
    let fm = FileManager.default
    for dir in ["refs", "logs"] {
      let root = gitDirectory + "/" + dir
      for sub in (try? fm.subpathsOfDirectory(atPath: root)) ?? [] where sub.hasSuffix(".lock") {
        paths.append(root + "/" + sub)
      }
    }
    return paths
  }
}
