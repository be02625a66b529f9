#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import CZlib
import Foundation

/// A thin owner of a file descriptor with whole-buffer read/write loops. Foundation's
/// FileHandle hides short writes and errno, both of which matter for crash safety.
public final class POSIXFile: Sendable {
  public let fd: Int32
  public let path: String

  public init(path: String, flags: Int32, mode: mode_t = 0o644) throws {
    let fd = open(path, flags | O_CLOEXEC, mode)
    guard fd >= 0 else { throw StoreError.io(path: path, operation: "open", errno: errno) }
    self.fd = fd
    self.path = path
  }

  deinit { close(fd) }

  public static func openForReading(_ path: String) throws -> POSIXFile {
    try POSIXFile(path: path, flags: O_RDONLY)
  }

  public func size() throws -> Int64 {
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw StoreError.io(path: path, operation: "stat", errno: errno) }
    return Int64(st.st_size)
  }

  /// Reads until `count` bytes or end of file; returns the number read.
  public func read(into p: UnsafeMutableRawPointer, count: Int, at offset: Int64) throws -> Int {
    var done = 0
    while done < count {
      let n = pread(fd, p + done, count - done, off_t(offset) + off_t(done))
      if n < 0 {
        if errno == EINTR { continue }
        throw StoreError.io(path: path, operation: "read", errno: errno)
      }
      if n == 0 { break }
      done += n
    }
    return done
  }

  public func read(count: Int, at offset: Int64) throws -> [UInt8] {
    var out = [UInt8](repeating: 0, count: count)
    let n = try out.withUnsafeMutableBytes { try read(into: $0.baseAddress!, count: count, at: offset) }
    if n < count { out.removeLast(count - n) }
    return out
  }

  public func write(_ p: UnsafeRawBufferPointer, at offset: Int64) throws {
    var done = 0
    while done < p.count {
      let n = pwrite(fd, p.baseAddress! + done, p.count - done, off_t(offset) + off_t(done))
      if n < 0 {
        if errno == EINTR { continue }
        throw StoreError.io(path: path, operation: "write", errno: errno)
      }
      done += n
    }
  }

  /// Appends at the current position (for files opened without O_APPEND, sequential writes).
  public func write(_ p: UnsafeRawBufferPointer) throws {
    var done = 0
    while done < p.count {
      let n = Glibc.write(fd, p.baseAddress! + done, p.count - done)
      if n < 0 {
        if errno == EINTR { continue }
        throw StoreError.io(path: path, operation: "write", errno: errno)
      }
      done += n
    }
  }

  public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

  public func write(_ bytes: [UInt8], at offset: Int64) throws {
    try bytes.withUnsafeBytes { try write($0, at: offset) }
  }

  public func sync() throws {
    guard FS.fsyncEnabled else { return }
    guard fsync(fd) == 0 else { throw StoreError.io(path: path, operation: "fsync", errno: errno) }
  }

  /// Asks the kernel to start writing back dirty pages now, so the final fsync finds
  /// most of them already on disk (overlaps disk writes with hashing). Without fsync there
  /// is nothing to overlap with, and submitting the I/O would cost this process ~0.2 s of
  /// CPU per GiB that the kernel's flusher otherwise spends later, off the critical path.
  public func startWriteback() {
    guard FS.fsyncEnabled else { return }
    _ = mlv_start_writeback(fd)
  }

  public func truncate(to size: Int64) throws {
    guard ftruncate(fd, off_t(size)) == 0 else {
      throw StoreError.io(path: path, operation: "truncate", errno: errno)
    }
  }
}

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

  public static func makeDirectories(_ path: String) throws {
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw StoreError.io(path: path, operation: "create directory", errno: errno == 0 ? EIO : errno)
    }
  }

  public static func rename(_ from: String, _ to: String) throws {
    guard Glibc.rename(from, to) == 0 else {
      throw StoreError.io(path: to, operation: "rename \(from) to", errno: errno)
    }
  }

  public static func exists(_ path: String) -> Bool {
    var st = stat()
    return lstat(path, &st) == 0
  }

  public static func remove(_ path: String) {
    unlink(path)
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

  /// Writes `bytes` to `path` atomically: temp file, fsync, rename, fsync directory.
  public static func atomicWrite(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644, durable: Bool = true) throws {
    let dir = (path as NSString).deletingLastPathComponent
    let tmp = temporaryPath(in: dir.isEmpty ? "." : dir, prefix: ".mlv-tmp")
    do {
      let f = try POSIXFile(path: tmp, flags: O_WRONLY | O_CREAT | O_EXCL, mode: mode)
      try f.write(bytes)
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
