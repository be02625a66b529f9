import MLVStore
import MLVSystem

#if canImport(Glibc)
  import Glibc
#endif

/// Reads a file front to back through a 1 MiB window, hashing every byte it reads: for
/// files parsed in one pass whose checksum covers them (the stat cache), so a 90 MB file
/// needs no 90 MB buffer.
final class WindowReader {
  struct Truncated: Error {}

  let file: POSIXFile
  /// Bytes from here on are not read (the trailing checksum).
  let end: Int64
  private(set) var hasher = ObjectID.Hasher()
  private var buffer: UnsafeMutableRawPointer
  private var capacity = 1 << 20
  /// The unconsumed bytes are buffer[lo..<hi]; the file's next byte is at `fileOffset`.
  private var lo = 0
  private var hi = 0
  private var fileOffset: Int64 = 0

  init(file: POSIXFile, end: Int64) {
    self.file = file
    self.end = end
    buffer = .allocate(byteCount: capacity, alignment: 8)
  }

  deinit { buffer.deallocate() }

  /// Whether every byte before `end` was read and consumed.
  var atEnd: Bool { lo == hi && fileOffset == end }

  /// The next `n` bytes, valid until the next call; nil when fewer than `n` are left
  /// before `end`. Throws `Truncated` when the file shrinks while it is read.
  func take(_ n: Int) throws -> UnsafeRawBufferPointer? {
    guard n >= 0 else { return nil }
    if hi - lo < n {
      guard Int64(hi - lo) + (end - fileOffset) >= Int64(n) else { return nil }
      if lo > 0 {
        memmove(buffer, buffer + lo, hi - lo)
        hi -= lo
        lo = 0
      }
      if n > capacity {
        let bigger = UnsafeMutableRawPointer.allocate(byteCount: n, alignment: 8)
        bigger.copyMemory(from: buffer, byteCount: hi)
        buffer.deallocate()
        buffer = bigger
        capacity = n
      }
      let want = Int(min(Int64(capacity - hi), end - fileOffset))
      let got = try file.read(into: buffer + hi, count: want, at: fileOffset)
      guard got == want else { throw Truncated() }
      hasher.update(UnsafeRawBufferPointer(start: buffer + hi, count: got))
      hi += got
      fileOffset += Int64(got)
    }
    defer { lo += n }
    return UnsafeRawBufferPointer(start: buffer + lo, count: n)
  }

  /// Consumes `n` bytes (hashing them); false when fewer are left.
  func skip(_ n: Int) throws -> Bool {
    var left = n
    while left > 0 {
      let k = min(left, capacity)
      guard try take(k) != nil else { return false }
      left -= k
    }
    return true
  }
}
