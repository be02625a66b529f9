import Foundation

/// A streaming source of records whose fields are byte ranges into the reader's own
/// buffer. Fields are valid only until the next call to `next()`; the hot path never
/// builds a `String` per field.
protocol RecordReader: AnyObject {
  /// Column names known so far (JSON Lines discovers keys as it reads).
  var columns: [String] { get }
  /// Number of fields of the current record (may be fewer than `columns.count` for JSONL).
  var fieldCount: Int { get }
  /// 1-based physical line where the current record starts.
  var recordLine: Int { get }
  /// Byte offset in the file where the current record starts.
  var recordOffset: Int64 { get }
  /// Advances to the next record; false at end of file.
  func next() throws -> Bool
  /// Bytes of field `i` of the current record (empty when missing).
  func field(_ i: Int) -> UnsafeBufferPointer<UInt8>
  /// Re-reads the single record starting at `offset` and returns its values by column.
  func record(at offset: Int64) throws -> [String?]
}

extension RecordReader {
  func string(_ i: Int) -> String {
    return ByteText.render(field(i))
  }

  /// Values of the current record as display strings (bytes that are not UTF-8 escaped,
  /// see ByteText), nil for an empty (null) field.
  func currentValues() -> [String?] {
    var out: [String?] = []
    for i in 0..<columns.count {
      if i < fieldCount {
        let f = field(i)
        out.append(f.count == 0 ? nil : ByteText.render(f))
      } else {
        out.append(nil)
      }
    }
    return out
  }
}

/// Buffered reading of a file descriptor with a movable window, shared by the CSV and
/// JSON Lines readers. A record that straddles the end of the window is re-scanned
/// after `refill()` slides the unread tail to the front (and grows the buffer when one
/// record is larger than the whole window).
final class ByteWindow {
  let path: String
  let fd: Int32
  var buf: UnsafeMutablePointer<UInt8>
  var cap: Int
  var len = 0
  var pos = 0
  var eof = false
  /// File offset of `buf[0]`.
  var base: Int64 = 0

  init(path: String, capacity: Int = 1 << 20) throws {
    self.path = path
    fd = open(path, O_RDONLY)
    if fd < 0 {
      throw TableError.unreadable(path: path, reason: String(cString: strerror(errno)))
    }
    cap = capacity
    buf = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity + 1)
    // Spreadsheet exports often start with a UTF-8 byte order mark; it is not part of
    // the first column's name.
    try refill()
    if len >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF { pos = 3 }
  }

  deinit {
    buf.deallocate()
    close(fd)
  }

  /// Moves the unread bytes to the front and reads more; sets `eof` when nothing is left.
  func refill() throws {
    if pos > 0 {
      let rest = len - pos
      if rest > 0 { memmove(buf, buf + pos, rest) }
      base += Int64(pos)
      len = rest
      pos = 0
    }
    if len == cap {
      let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: cap * 2 + 1)
      bigger.update(from: buf, count: len)
      buf.deallocate()
      buf = bigger
      cap *= 2
    }
    let n = read(fd, buf + len, min(cap - len, readSize))
    if readSize < (1 << 30) { readSize *= 2 }
    if n < 0 {
      throw TableError.unreadable(path: path, reason: String(cString: strerror(errno)))
    }
    if n == 0 { eof = true }
    len += n
  }

  /// Bytes asked of the next `read`: the whole window when streaming, small after a
  /// seek so re-reading one record does not pull in a megabyte.
  private var readSize = 1 << 30

  /// Positions the window at `offset` (for re-reading single records). An offset ahead
  /// of the cursor but inside the buffered bytes costs no I/O, so re-reads in file order
  /// stay cheap (bytes behind the cursor may have been unescaped in place: never reused).
  func seek(to offset: Int64) throws {
    if offset >= base + Int64(pos) && offset < base + Int64(len) {
      pos = Int(offset - base)
      return
    }
    readSize = 16 * 1024
    if lseek(fd, off_t(offset), SEEK_SET) < 0 {
      throw TableError.unreadable(path: path, reason: String(cString: strerror(errno)))
    }
    base = offset
    len = 0
    pos = 0
    eof = false
  }
}
