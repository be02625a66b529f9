#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import CSystem

/// A thin owner of a file descriptor with whole-buffer read/write loops. Foundation's
/// FileHandle hides short writes and errno, both of which matter for crash safety.
public final class POSIXFile: Sendable {
  public let fd: Int32
  public let path: String

  public init(path: String, flags: Int32, mode: mode_t = 0o644) throws {
    let fd = open(path, flags | O_CLOEXEC, mode)
    guard fd >= 0 else { throw IOError(path: path, operation: .open, errno: errno) }
    self.fd = fd
    self.path = path
  }

  deinit { close(fd) }

  public static func openForReading(_ path: String) throws -> POSIXFile {
    try POSIXFile(path: path, flags: O_RDONLY)
  }

  /// Creates a new file that must not exist yet (temporary files, packs being written).
  public static func create(_ path: String, mode: mode_t = 0o644) throws -> POSIXFile {
    try POSIXFile(path: path, flags: O_WRONLY | O_CREAT | O_EXCL, mode: mode)
  }

  public func size() throws -> Int64 {
    Int64(try status().st_size)
  }

  /// fstat of the open file.
  public func status() throws -> stat {
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw IOError(path: path, operation: .stat, errno: errno) }
    return st
  }

  /// Reads until `count` bytes or end of file; returns the number read.
  public func read(into p: UnsafeMutableRawPointer, count: Int, at offset: Int64) throws -> Int {
    var done = 0
    while done < count {
      let n = pread(fd, p + done, count - done, off_t(offset) + off_t(done))
      if n < 0 {
        if errno == EINTR { continue }
        throw IOError(path: path, operation: .read, errno: errno)
      }
      if n == 0 { break }
      done += n
    }
    return done
  }

  public func read(count: Int, at offset: Int64) throws -> [UInt8] {
    guard count > 0 else { return [] }
    var out = [UInt8](repeating: 0, count: count)
    let n = try out.withUnsafeMutableBytes { try read(into: $0.baseAddress!, count: count, at: offset) }
    if n < count { out.removeLast(count - n) }
    return out
  }

  public func write(_ p: UnsafeRawBufferPointer, at offset: Int64) throws {
    guard let base = p.baseAddress else { return }
    var done = 0
    while done < p.count {
      let n = pwrite(fd, base + done, p.count - done, off_t(offset) + off_t(done))
      if n < 0 {
        if errno == EINTR { continue }
        throw IOError(path: path, operation: .write, errno: errno)
      }
      done += n
    }
  }

  /// Appends at the current position (for files opened without O_APPEND, sequential writes).
  public func write(_ p: UnsafeRawBufferPointer) throws {
    guard let base = p.baseAddress else { return }
    var done = 0
    while done < p.count {
      #if canImport(Glibc)
        let n = Glibc.write(fd, base + done, p.count - done)
      #else
        let n = Darwin.write(fd, base + done, p.count - done)
      #endif
      if n < 0 {
        if errno == EINTR { continue }
        throw IOError(path: path, operation: .write, errno: errno)
      }
      done += n
    }
  }

  public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

  public func write(_ bytes: [UInt8], at offset: Int64) throws {
    try bytes.withUnsafeBytes { try write($0, at: offset) }
  }

  /// Copies `count` bytes at `from` in `source` to `to` in this file inside the kernel
  /// (copy_file_range: no user-space buffer, no page-cache copy on filesystems that share
  /// extents).
  public func copy(_ count: Int64, from source: POSIXFile, at from: Int64, to: Int64) throws {
    guard mlv_copy_range(source.fd, from, fd, to, count) == 0 else {
      throw IOError(path: path, operation: .copy, errno: errno)
    }
  }

  /// fsync when durability is on (`FS.fsyncEnabled`); otherwise nothing.
  public func sync() throws {
    guard FS.fsyncEnabled else { return }
    guard fsync(fd) == 0 else { throw IOError(path: path, operation: .sync, errno: errno) }
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
      throw IOError(path: path, operation: .truncate, errno: errno)
    }
  }
}
