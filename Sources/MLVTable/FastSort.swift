/// Sorts doubles for the quantile sketch, which sorts a full level 0 on every
/// compaction (the standard library's stable merge sort was a sixth of the whole diff).
/// Large inputs use an LSD radix sort on order-preserving integer keys — no
/// data-dependent branches, and byte positions where all keys agree are skipped, which
/// for typical columns leaves 3–5 passes; small ones use quicksort. Inputs are finite.
func sortDoubles(_ a: inout [Double]) {
  if a.count < 128 {
    a.withUnsafeMutableBufferPointer { buf in
      guard let p = buf.baseAddress, buf.count > 1 else { return }
      quicksort(p, 0, buf.count - 1)
    }
    return
  }
  radixSort(&a)
}

@inline(__always)
private func sortKey(_ x: Double) -> UInt64 {
  let b = x.bitPattern
  return b >> 63 == 1 ? ~b : b | (1 << 63)
}

@inline(__always)
private func fromSortKey(_ k: UInt64) -> Double {
  return Double(bitPattern: k >> 63 == 1 ? k & ~(1 << 63) : ~k)
}

private func radixSort(_ a: inout [Double]) {
  let n = a.count
  a.withUnsafeMutableBufferPointer { out in
    withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2 * n) { scratch in
      withUnsafeTemporaryAllocation(of: Int.self, capacity: 256 * 8) { counts in
        guard let base = scratch.baseAddress, let c = counts.baseAddress else { return }
        var src = base
        var dst = base + n
        c.initialize(repeating: 0, count: 256 * 8)
        for i in 0..<n {
          let k = sortKey(out[i])
          src[i] = k
          for b in 0..<8 { c[b &* 256 &+ Int(truncatingIfNeeded: (k >> UInt64(8 &* b)) & 0xff)] &+= 1 }
        }
        for b in 0..<8 {
          let hist = c + b * 256
          let shift = UInt64(8 * b)
          if hist[Int(truncatingIfNeeded: (src[0] >> shift) & 0xff)] == n { continue }
          var sum = 0
          for d in 0..<256 {
            let t = hist[d]
            hist[d] = sum
            sum += t
          }
          for i in 0..<n {
            let k = src[i]
            let d = Int(truncatingIfNeeded: (k >> shift) & 0xff)
            dst[hist[d]] = k
            hist[d] += 1
          }
          swap(&src, &dst)
        }
        for i in 0..<n { out[i] = fromSortKey(src[i]) }
      }
    }
  }
}

private func quicksort(_ a: UnsafeMutablePointer<Double>, _ lo0: Int, _ hi0: Int) {
  var lo = lo0
  var hi = hi0
  while hi - lo > 24 {
    let mid = lo + (hi - lo) / 2
    if a[mid] < a[lo] { a.swapAt(mid, lo) }
    if a[hi] < a[lo] { a.swapAt(hi, lo) }
    if a[hi] < a[mid] { a.swapAt(hi, mid) }
    let pivot = a[mid]
    var i = lo
    var j = hi
    while i <= j {
      while a[i] < pivot { i += 1 }
      while pivot < a[j] { j -= 1 }
      if i <= j {
        a.swapAt(i, j)
        i += 1
        j -= 1
      }
    }
    // Recurse into the smaller side so the stack stays O(log n).
    if j - lo < hi - i {
      quicksort(a, lo, j)
      lo = i
    } else {
      quicksort(a, i, hi)
      hi = j
    }
  }
  if hi <= lo { return }
  for k in (lo + 1)...hi {
    let v = a[k]
    var m = k - 1
    while m >= lo && v < a[m] {
      a[m + 1] = a[m]
      m -= 1
    }
    a[m + 1] = v
  }
}

extension UnsafeMutablePointer where Pointee == Double {
  @inline(__always)
  fileprivate func swapAt(_ i: Int, _ j: Int) {
    let t = self[i]
    self[i] = self[j]
    self[j] = t
  }
}

/// Set of already-mixed 64-bit hashes with linear probing (0 stands for itself via a
/// separate flag); avoids SipHash on every insert of the exact distinct counter.
struct HashSet64 {
  private var slots: [UInt64] = [UInt64](repeating: 0, count: 1024)
  private var hasZero = false
  private(set) var count = 0

  @inline(__always)
  mutating func insert(_ x: UInt64) {
    if x == 0 {
      if !hasZero {
        hasZero = true
        count += 1
      }
      return
    }
    if (count + 1) * 10 >= slots.count * 7 { grow() }
    let mask = slots.count - 1
    var i = Int(truncatingIfNeeded: x) & mask
    while true {
      let s = slots[i]
      if s == x { return }
      if s == 0 {
        slots[i] = x
        count += 1
        return
      }
      i = (i + 1) & mask
    }
  }

  func forEach(_ body: (UInt64) -> Void) {
    if hasZero { body(0) }
    for s in slots where s != 0 { body(s) }
  }

  private mutating func grow() {
    let old = slots
    slots = [UInt64](repeating: 0, count: old.count * 2)
    let mask = slots.count - 1
    for x in old where x != 0 {
      var i = Int(truncatingIfNeeded: x) & mask
      while slots[i] != 0 { i = (i + 1) & mask }
      slots[i] = x
    }
  }
}
