#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Foundation

/// Filesystem helpers whose ordering gives crash safety: data is fsynced before the rename
/// that publishes it, and the directory is fsynced after, so after a crash a name either
/// refers to complete content or does not exist.
public enum FS {
  /// Whether data is fsynced before the step that publishes it. Off by default, as git
  /// (objects), DVC and git-lfs do: write ordering alone keeps every store consistent when a
  /// process is killed or crashes (the page cache survives), and waiting for the disk would
  /// triple the time of `add` on the disks here. `MLV_FSYNC=1` turns it on, for durability
  /// across power loss too (docs/design.md, "Durability"). Process-wide, read at start-up.
  nonisolated(unsafe) public static var fsyncEnabled =
    ProcessInfo.processInfo.environment["MLV_FSYNC"] == "1"

  public static func fsyncDirectory(_ path: String) {
    guard fsyncEnabled else { return }
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if fd >= 0 {
      fsync(fd)
      close(fd)
    }
  }

  /// `mkdir -p`, reporting the errno of the component that failed.
  public static func makeDirectories(_ path: String) throws {
    var st = stat()
    if stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { return }
    var current = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
      current += "/" + part
      if mkdir(current, 0o755) != 0 && errno != EEXIST {
        throw IOError(path: current, operation: .createDirectory, errno: errno)
      }
    }
    guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
      throw IOError(path: path, operation: .createDirectory, errno: ENOTDIR)
    }
  }

  public static func rename(_ from: String, _ to: String) throws {
    #if canImport(Glibc)
      let rc = Glibc.rename(from, to)
    #else
      let rc = Darwin.rename(from, to)
    #endif
    guard rc == 0 else {
      throw IOError(path: to, operation: .rename(from: from), errno: errno)
    }
  }

  public static func exists(_ path: String) -> Bool {
    var st = stat()
    return lstat(path, &st) == 0
  }

  /// Removes a file; a missing file is not an error (removal is always idempotent here).
  public static func remove(_ path: String) {
    unlink(path)
  }

  /// The size of the file at `path` (not following a link); 0 when it does not exist.
  public static func fileSize(_ path: String) -> Int64 {
    var st = stat()
    return lstat(path, &st) == 0 ? Int64(st.st_size) : 0
  }

  /// The names in `dir` (no `.` / `..`), unsorted; empty when it does not exist.
  public static func list(_ dir: String) -> [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
  }

  /// A unique name for a temporary file in `dir` (same filesystem as the target, so the
  /// publishing rename is atomic).
  public static func temporaryPath(in dir: String, prefix: String) -> String {
    "\(dir)/\(prefix)-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
  }

  /// The pid a `temporaryPath` name was made by; nil for other names.
  public static func creatorPID(ofTemporaryName name: String) -> pid_t? {
    let parts = name.split(separator: "-")
    guard parts.count >= 3, UInt64(parts[parts.count - 1]) != nil else { return nil }
    return pid_t(parts[parts.count - 2]).flatMap { $0 > 0 ? $0 : nil }
  }

  /// Whether the process `pid` is gone (not merely owned by another user).
  public static func processIsGone(_ pid: pid_t) -> Bool {
    kill(pid, 0) != 0 && errno == ESRCH
  }

  /// Writes `bytes` to `path` atomically: temp file, fsync, rename, fsync directory.
  public static func atomicWrite(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644, durable: Bool = true) throws {
    try atomicWrite(to: path, mode: mode, durable: durable) { try $0.write(bytes) }
  }

  /// Writes what `body` writes to the file it is given to `path` atomically, as
  /// `atomicWrite(_:to:)` does, for content too large to assemble in memory first.
  public static func atomicWrite(to path: String, mode: mode_t = 0o644, durable: Bool = true, _ body: (POSIXFile) throws -> Void) throws {
    let dir = (path as NSString).deletingLastPathComponent
    let tmp = temporaryPath(in: dir.isEmpty ? "." : dir, prefix: ".mlv-tmp")
    do {
      let f = try POSIXFile.create(tmp, mode: mode)
      try body(f)
      if durable { try f.sync() }
    } catch {
      unlink(tmp)
      throw error
    }
    do { try rename(tmp, path) } catch {
      unlink(tmp)
      throw error
    }
    if durable { fsyncDirectory(dir.isEmpty ? "." : dir) }
  }

  public static func readAll(_ path: String) throws -> [UInt8] {
    let f = try POSIXFile.openForReading(path)
    let size = try f.size()
    return try f.read(count: Int(size), at: 0)
  }
}
