/// Open-addressing hash table from a 64-bit row/key hash to (aux, offset): 24 bytes a
/// slot; 3 M rows fit 4 M slots (96 MB) under the 0.8 load limit. Pre-sizing from an
/// estimated row count avoids the transient double memory of growing. Keys arrive already mixed,
/// so linear probing on the low bits is enough. Key 0 marks an empty slot (a real 0 is
/// stored as 1, a collision chance of 2^-64).
struct RowTable {
  private(set) var keys: [UInt64]
  private(set) var aux: [UInt64]
  private(set) var offsets: [Int64]
  private(set) var count = 0
  private var mask: Int

  init(capacity: Int = 1 << 16) {
    keys = [UInt64](repeating: 0, count: capacity)
    aux = [UInt64](repeating: 0, count: capacity)
    offsets = [Int64](repeating: 0, count: capacity)
    mask = capacity - 1
  }

  /// Sized so `expectedCount` rows fit without growing.
  init(expectedCount: Int) {
    var c = 1 << 16
    while c * 8 < expectedCount * 10 { c *= 2 }
    self.init(capacity: c)
  }

  var capacity: Int { keys.count }

  @inline(__always)
  private static func fix(_ key: UInt64) -> UInt64 { key == 0 ? 1 : key }

  /// Slot holding `key`, or nil.
  @inline(__always)
  func find(_ key: UInt64) -> Int? {
    let k = RowTable.fix(key)
    var i = Int(truncatingIfNeeded: k) & mask
    while true {
      let s = keys[i]
      if s == k { return i }
      if s == 0 { return nil }
      i = (i + 1) & mask
    }
  }

  /// Inserts `key` if absent and returns (slot, inserted).
  @inline(__always)
  mutating func insert(_ key: UInt64, aux value: UInt64, offset: Int64) -> (Int, Bool) {
    if count * 10 >= capacity * 8 { grow() }
    let k = RowTable.fix(key)
    var i = Int(truncatingIfNeeded: k) & mask
    while true {
      let s = keys[i]
      if s == k { return (i, false) }
      if s == 0 {
        keys[i] = k
        aux[i] = value
        offsets[i] = offset
        count += 1
        return (i, true)
      }
      i = (i + 1) & mask
    }
  }

  @inline(__always)
  mutating func bumpAux(_ slot: Int) { aux[slot] &+= 1 }

  /// Loads the home slot of each key without using the result, so the cache misses of a
  /// batch overlap (the table is far larger than the caches and each row's probe would
  /// otherwise stall on its own miss; this was a quarter of the scan time).
  func touch(_ batch: UnsafeBufferPointer<UInt64>) -> UInt64 {
    var acc: UInt64 = 0
    keys.withUnsafeBufferPointer { k in
      for key in batch { acc ^= k[Int(truncatingIfNeeded: RowTable.fix(key)) & mask] }
    }
    return acc
  }

  private mutating func grow() {
    var bigger = RowTable(capacity: capacity * 2)
    for i in 0..<keys.count where keys[i] != 0 {
      _ = bigger.insert(keys[i], aux: aux[i], offset: offsets[i])
    }
    self = bigger
  }
}

/// Keeps the `limit` smallest offsets seen (samples are the first rows in file order).
struct SmallestOffsets {
  let limit: Int
  private(set) var items: [(Int64, Int64)] = []

  init(limit: Int) { self.limit = limit }

  mutating func add(_ offset: Int64, _ other: Int64 = 0) {
    if items.count == limit, let last = items.last, last.0 <= offset { return }
    let at = items.firstIndex { $0.0 > offset } ?? items.count
    items.insert((offset, other), at: at)
    if items.count > limit { items.removeLast() }
  }
}
