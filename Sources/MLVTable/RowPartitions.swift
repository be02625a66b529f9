import Foundation

/// Row identities spilled to temporary files when both versions' row tables would not
/// fit the memory budget: each scan appends `(key, aux, offset)` (24 bytes) to one of
/// `count` files chosen by the key's top bits, and the comparison then loads one
/// partition of each version at a time (the same keys land in the same partition on
/// both sides), so memory follows the largest partition, not the table. The files live
/// in a directory of their own, removed when this object goes away, on success or
/// error alike.
final class RowPartitions: @unchecked Sendable {
  let dir: String
  let count: Int
  private let shift: UInt64
  private var fds: [Int32]
  private var buffers: [[UInt64]]
  private(set) var sizes: [Int]
  /// Triples buffered per partition before a write (64 KiB... of 24-byte entries).
  private static let batch = 2730 * 3

  /// `count` must be a power of two (2...1024).
  init(count: Int, under parent: String) throws {
    precondition(count >= 2 && count <= 1024 && count & (count - 1) == 0)
    self.count = count
    shift = UInt64(64 - count.trailingZeroBitCount)
    dir = parent + "/mlv-table-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    fds = []
    buffers = Array(repeating: [], count: count)
    sizes = Array(repeating: 0, count: count)
    for p in 0..<count {
      let fd = open(dir + "/\(p)", O_RDWR | O_CREAT | O_TRUNC, 0o600)
      if fd < 0 {
        let reason = String(cString: strerror(errno))
        cleanup()
        throw TableError.unreadable(path: dir, reason: "cannot create a temporary partition file: \(reason)")
      }
      fds.append(fd)
    }
  }

  deinit { cleanup() }

  private func cleanup() {
    for fd in fds where fd >= 0 { close(fd) }
    fds = fds.map { _ in -1 }
    try? FileManager.default.removeItem(atPath: dir)
  }

  @inline(__always)
  func partition(_ key: UInt64) -> Int { Int(truncatingIfNeeded: key >> shift) }

  @inline(__always)
  func append(_ key: UInt64, _ aux: UInt64, _ offset: Int64) throws {
    let p = partition(key)
    buffers[p].append(key)
    buffers[p].append(aux)
    buffers[p].append(UInt64(bitPattern: offset))
    sizes[p] += 1
    if buffers[p].count >= RowPartitions.batch { try flush(p) }
  }

  private func flush(_ p: Int) throws {
    try buffers[p].withUnsafeBytes { b in
      var done = 0
      while done < b.count {
        let n = write(fds[p], b.baseAddress! + done, b.count - done)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 {
          throw TableError.unreadable(path: dir, reason: "cannot write a temporary partition file: \(String(cString: strerror(errno)))")
        }
        done += n
      }
    }
    buffers[p].removeAll(keepingCapacity: true)
  }

  /// Writes what is buffered; call once the scan is done.
  func finish() throws {
    for p in 0..<count where !buffers[p].isEmpty { try flush(p) }
    buffers = Array(repeating: [], count: count)
  }

  /// Calls `body` with every entry of partition `p`, in the order appended.
  func forEach(_ p: Int, _ body: (UInt64, UInt64, Int64) -> Void) throws {
    var chunk = [UInt64](repeating: 0, count: RowPartitions.batch * 4)
    var at: off_t = 0
    var left = sizes[p] * 24
    while left > 0 {
      let want = min(left, chunk.count * 8)
      let n = chunk.withUnsafeMutableBytes { pread(fds[p], $0.baseAddress!, want, at) }
      if n < 0 && errno == EINTR { continue }
      guard n > 0, n % 8 == 0 || n == want else {
        throw TableError.unreadable(path: dir, reason: "cannot read a temporary partition file")
      }
      // Whole triples only; a short read of a partial triple is read again.
      let whole = n / 24 * 24
      guard whole > 0 else { throw TableError.unreadable(path: dir, reason: "short read of a temporary partition file") }
      for t in 0..<(whole / 24) { body(chunk[3 * t], chunk[3 * t + 1], Int64(bitPattern: chunk[3 * t + 2])) }
      at += off_t(whole)
      left -= whole
    }
  }
}

/// Builds a version's row table from its entries, treating repeated keys as the scan
/// does (see `RowInserter`).
struct RowInserter {
  let keyed: Bool
  var table: RowTable
  var duplicates = 0
  private var repeats: [UInt64: UInt64] = [:]

  init(keyed: Bool, expectedCount: Int) {
    self.keyed = keyed
    table = RowTable(expectedCount: expectedCount)
  }

  @inline(__always)
  mutating func insert(_ key: UInt64, rowHash: UInt64, offset: Int64) {
    if keyed {
      let (_, inserted) = table.insert(key, aux: rowHash, offset: offset)
      if !inserted {
        // The n-th repeat of a key is stored under hash(key, n); remembering n per key
        // keeps many repeats (e.g. empty keys) linear instead of quadratic.
        duplicates += 1
        var occurrence = (repeats[key] ?? 0) + 1
        while !table.insert(combine(key, occurrence), aux: rowHash, offset: offset).1 { occurrence += 1 }
        repeats[key] = occurrence
      }
    } else {
      let (slot, inserted) = table.insert(key, aux: 1, offset: offset)
      if !inserted { table.bumpAux(slot) }
    }
  }
}
