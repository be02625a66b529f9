#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Foundation

/// Thin POSIX helpers shared by the local backend and the S3 file transfers. POSIX rather
/// than FileHandle because we need fsync, pread at offsets, and errno in messages.
enum FileIO {
  static func errorText(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
  }

  static func openRead(_ path: String) throws -> Int32 {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { throw RemoteError.io(path: path, detail: errorText()) }
    return fd
  }

  static func size(fd: Int32, path: String) throws -> Int64 {
    var st = stat()
    if fstat(fd, &st) != 0 { throw RemoteError.io(path: path, detail: errorText()) }
    return Int64(st.st_size)
  }

  /// Reads up to `count` bytes at `offset`; fewer only at end of file.
  static func pread(fd: Int32, path: String, offset: Int64, count: Int) throws -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: count)
    var done = 0
    while done < count {
      let n = buffer.withUnsafeMutableBytes { raw in
        #if canImport(Glibc)
          Glibc.pread(fd, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done))
        #else
          Darwin.pread(fd, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done))
        #endif
      }
      if n < 0 {
        if errno == EINTR { continue }
        throw RemoteError.io(path: path, detail: errorText())
      }
      if n == 0 { break }
      done += n
    }
    buffer.removeSubrange(done...)
    return buffer
  }

  static func writeAll(fd: Int32, path: String, _ bytes: UnsafeRawBufferPointer) throws {
    var done = 0
    while done < bytes.count {
      let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
      if n < 0 {
        if errno == EINTR { continue }
        throw RemoteError.io(path: path, detail: errorText())
      }
      done += n
    }
  }

  static func makeDirectories(_ path: String) throws {
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw RemoteError.io(path: path, detail: "cannot create directory: \(error.localizedDescription)")
    }
  }

  static func directoryOf(_ path: String) -> String {
    let parent = (path as NSString).deletingLastPathComponent
    return parent.isEmpty ? "." : parent
  }

  /// A writer for `final`: bytes go to a hidden temporary file in the same directory (same
  /// file system, so rename is atomic), which `commit` fsyncs and renames into place.
  /// Used by one task at a time (each `BlockingIO.run` call is awaited before the next),
  /// so its file descriptor is never touched by two threads at once.
  final class AtomicWriter: @unchecked Sendable {
    let finalPath: String
    let temporaryPath: String
    private var fd: Int32
    private let fsyncEnabled: Bool

    init(finalPath: String, fsync: Bool = true) throws {
      self.finalPath = finalPath
      fsyncEnabled = fsync
      let directory = FileIO.directoryOf(finalPath)
      try FileIO.makeDirectories(directory)
      temporaryPath = directory + "/" + RemoteKey.temporaryPrefix + UUID().uuidString
      fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
      if fd < 0 { throw RemoteError.io(path: temporaryPath, detail: FileIO.errorText()) }
    }

    func write(_ bytes: [UInt8]) throws {
      try bytes.withUnsafeBytes { try FileIO.writeAll(fd: fd, path: temporaryPath, $0) }
    }

    func write(_ data: Data) throws {
      try data.withUnsafeBytes { try FileIO.writeAll(fd: fd, path: temporaryPath, $0) }
    }

    func commit() throws {
      if fsyncEnabled && fsync(fd) != 0 {
        throw RemoteError.io(path: temporaryPath, detail: FileIO.errorText())
      }
      close(fd)
      fd = -1
      if rename(temporaryPath, finalPath) != 0 {
        let text = FileIO.errorText()
        unlink(temporaryPath)
        throw RemoteError.io(path: finalPath, detail: text)
      }
      // Persist the directory entry too, or a crash could forget the rename.
      if fsyncEnabled {
        let dirFD = open(FileIO.directoryOf(finalPath), O_RDONLY | O_CLOEXEC)
        if dirFD >= 0 {
          fsync(dirFD)
          close(dirFD)
        }
      }
    }

    deinit {
      // Not committed: drop the partial file so it is never mistaken for an object.
      if fd >= 0 {
        close(fd)
        unlink(temporaryPath)
      }
    }
  }
}
