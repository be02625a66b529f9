/// Reads the little-endian fields of a state file's bytes in order, for the parsers of the
/// leaf and listing caches: every read is checked against `end`, so a damaged or forged file
/// yields nil, never an out-of-bounds read or a trap.
struct ByteCursor {
  let bytes: [UInt8]
  /// Bytes from here on are not fields (the trailing checksum).
  let end: Int
  private(set) var position: Int

  init(_ bytes: [UInt8], from start: Int, end: Int) {
    (self.bytes, self.position, self.end) = (bytes, start, end)
  }

  var atEnd: Bool { position == end }

  /// Where the next `n` bytes are, or nil when fewer are left.
  mutating func take(_ n: Int) -> Range<Int>? {
    guard n >= 0, n <= end - position else { return nil }
    defer { position += n }
    return position..<(position + n)
  }

  mutating func bytes(_ n: Int) -> ArraySlice<UInt8>? { take(n).map { bytes[$0] } }

  mutating func int<T: FixedWidthInteger>(_: T.Type) -> T? {
    take(MemoryLayout<T>.size).map { r in bytes[r].withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) } }
  }

  /// A string stored as length[u16] and UTF-8 bytes; nil when it is not valid UTF-8.
  mutating func string() -> String? {
    guard let n = int(UInt16.self), let r = take(Int(n)) else { return nil }
    return String(validating: bytes[r], as: UTF8.self)
  }
}
