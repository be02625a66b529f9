import Foundation

/// HyperLogLog with 2^14 one-byte registers (16 KB, ~0.8% standard error).
struct HyperLogLog {
  static let p = 14
  private(set) var registers = [UInt8](repeating: 0, count: 1 << HyperLogLog.p)

  @inline(__always)
  mutating func add(_ hash: UInt64) {
    let idx = Int(hash >> UInt64(64 - HyperLogLog.p))
    let w = (hash << UInt64(HyperLogLog.p)) | (1 << UInt64(HyperLogLog.p - 1))
    let rank = UInt8(w.leadingZeroBitCount + 1)
    if rank > registers[idx] { registers[idx] = rank }
  }

  var estimate: Int {
    let m = Double(registers.count)
    var sum = 0.0
    var zeros = 0
    for r in registers {
      sum += 1.0 / Double(UInt64(1) << UInt64(r))
      if r == 0 { zeros += 1 }
    }
    let alpha = 0.7213 / (1 + 1.079 / m)
    let e = alpha * m * m / sum
    if e <= 2.5 * m && zeros > 0 { return Int((m * log(m / Double(zeros))).rounded()) }
    return Int(e.rounded())
  }
}

/// Distinct count: exact (a set of 64-bit hashes) up to `limit`, then HyperLogLog.
struct DistinctCounter {
  let limit: Int
  private var exact: HashSet64? = HashSet64()
  private var hll: HyperLogLog? = nil

  init(limit: Int = 100_000) { self.limit = limit }

  @inline(__always)
  mutating func add(_ mixed: UInt64) {
    if hll != nil {
      hll?.add(mixed)
      return
    }
    exact?.insert(mixed)
    // Reads the count in place: binding the set (`if let e = exact`) copied it, a
    // retain and release per value.
    if (exact?.count ?? 0) > limit, let e = exact {
      var h = HyperLogLog()
      e.forEach { h.add($0) }
      hll = h
      exact = nil
    }
  }

  var isExact: Bool { hll == nil }
  var value: Int { exact?.count ?? hll?.estimate ?? 0 }

  /// The estimate, never above the number of values it counted.
  func value(cappedAt n: Int) -> Int { min(value, n) }
}

/// Category counts: exact while the column has at most `exactLimit` distinct values;
/// past that, Misra–Gries with `capacity` counters (bounded memory, counts become lower
/// bounds) — except for columns that look numeric, whose "top values" are noise and
/// are dropped instead of paying a dictionary update per row.
struct TopCounter {
  struct Entry {
    var count: Int
    /// The value as `shortText` will show it, kept as bytes: a high-cardinality column
    /// inserts (and Misra–Gries evicts) an entry for most rows, and rendering each one
    /// to a String was most of that cost; only the survivors are rendered (`text`).
    var value: DisplayBytes
    var text: String { value.text }
  }
  let exactLimit: Int
  let capacity: Int
  private var table = CountTable()
  private(set) var exact = true
  private(set) var dropped = false

  init(exactLimit: Int = 1000, capacity: Int = 64) {
    self.exactLimit = exactLimit
    self.capacity = capacity
  }

  /// The tracked values.
  var entries: [Entry] { table.entries }

  @inline(__always)
  mutating func add(_ hash: UInt64, _ f: UnsafeBufferPointer<UInt8>, numericSoFar: Bool) {
    if dropped { return }
    if let i = table.index(of: hash) {
      table.bump(i)
      return
    }
    if exact {
      table.append(hash, Entry(count: 1, value: DisplayBytes(f)))
      if table.count > exactLimit {
        exact = false
        if numericSoFar {
          dropped = true
          table = CountTable()
          return
        }
        // The `capacity` largest counts; equal counts keep the earlier-seen value, so the
        // choice does not depend on hashing order.
        let counts = table.entries.map { $0.count }
        let kept = counts.indices.sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }.prefix(capacity)
        table.keep(kept.sorted())
      }
      return
    }
    if table.count < capacity {
      table.append(hash, Entry(count: 1, value: DisplayBytes(f)))
      return
    }
    // Misra–Gries decrement step: total work is bounded by total increments.
    table.decrementAll()
  }

  /// The most frequent values, ties broken by text so the report is stable.
  func top(_ n: Int) -> [(String, Int)] {
    let rendered = table.entries.map { (text: $0.text, count: $0.count) }
    let sorted = rendered.sorted { $0.count != $1.count ? $0.count > $1.count : $0.text < $1.text }
    return sorted.prefix(n).map { ($0.text, $0.count) }
  }

  /// All tracked counts by text (for categorical drift).
  func countsByText() -> [String: Int] {
    var out: [String: Int] = [:]
    for e in table.entries { out[e.text, default: 0] += e.count }
    return out
  }
}

/// TopCounter's map from an already-mixed 64-bit hash to its entry: entries stored densely
/// (in the order first seen), found through a linear-probing index. Swift's Dictionary
/// hashed every key again with SipHash, once or twice per value of every text column,
/// and its Misra–Gries step allocated a new dictionary each time.
struct CountTable {
  private(set) var keys: [UInt64] = []
  private(set) var entries: [TopCounter.Entry] = []
  /// Index into `keys`/`entries` per slot, -1 for an empty slot; at most 70% full.
  private var slots = [Int32](repeating: -1, count: 16)

  var count: Int { keys.count }

  @inline(__always)
  func index(of key: UInt64) -> Int? {
    let mask = slots.count - 1
    var i = Int(truncatingIfNeeded: key) & mask
    while true {
      let s = Int(slots[i])
      if s < 0 { return nil }
      if keys[s] == key { return s }
      i = (i + 1) & mask
    }
  }

  @inline(__always)
  mutating func bump(_ i: Int) { entries[i].count += 1 }

  /// Adds a key not present.
  mutating func append(_ key: UInt64, _ e: TopCounter.Entry) {
    if (keys.count + 1) * 10 > slots.count * 7 {
      slots = [Int32](repeating: -1, count: slots.count * 2)
      for j in keys.indices { place(keys[j], j) }
    }
    keys.append(key)
    entries.append(e)
    place(key, keys.count - 1)
  }

  /// Keeps only the entries at `indices` (ascending), in that order.
  mutating func keep(_ indices: [Int]) {
    keys = indices.map { keys[$0] }
    entries = indices.map { entries[$0] }
    // Sized for what is kept: the Misra–Gries steps re-index it often.
    var size = 16
    while keys.count * 10 > size * 7 { size *= 2 }
    slots = [Int32](repeating: -1, count: size)
    reindex()
  }

  /// Lowers every count by one and drops the entries that reach zero, in place.
  mutating func decrementAll() {
    var w = 0
    for r in keys.indices where entries[r].count > 1 {
      keys[w] = keys[r]
      entries[w] = entries[r]
      entries[w].count -= 1
      w += 1
    }
    keys.removeLast(keys.count - w)
    entries.removeLast(entries.count - w)
    reindex()
  }

  private mutating func reindex() {
    for i in slots.indices { slots[i] = -1 }
    for j in keys.indices { place(keys[j], j) }
  }

  private mutating func place(_ key: UInt64, _ j: Int) {
    let mask = slots.count - 1
    var i = Int(truncatingIfNeeded: key) & mask
    while slots[i] >= 0 { i = (i + 1) & mask }
    slots[i] = Int32(j)
  }
}

/// A value kept for display: up to 64 bytes inline (no allocation), rendered by
/// `shortText` only when asked; a longer value is rendered (and cut) at once, as
/// `shortText` needs its whole bytes.
struct DisplayBytes {
  private var bytes: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
  private var count: UInt8 = 0
  private var long: String? = nil

  init(_ f: UnsafeBufferPointer<UInt8>) {
    guard f.count <= 64 else {
      long = shortText(f)
      return
    }
    count = UInt8(f.count)
    if let src = f.baseAddress, f.count > 0 {
      withUnsafeMutableBytes(of: &bytes) { raw in
        raw.baseAddress?.copyMemory(from: src, byteCount: f.count)
      }
    }
  }

  var text: String {
    if let s = long { return s }
    var b = bytes
    let n = Int(count)
    return withUnsafeBytes(of: &b) { raw in
      shortText(UnsafeBufferPointer(rebasing: raw.bindMemory(to: UInt8.self)[0..<n]))
    }
  }
}

/// Values kept for display are cut to 64 bytes (on a character boundary).
func shortText(_ f: UnsafeBufferPointer<UInt8>) -> String {
  let s = ByteText.render(f)
  if f.count <= 64 { return s }
  return String(s.prefix(60)) + "…"
}
