/// 64-bit hashing of field bytes. FNV-1a is byte-at-a-time but needs no tables and no
/// allocation; its weak low bits are fixed by `mix` before anything buckets on them
/// (HyperLogLog, open addressing).
@inline(__always)
func fnv1a(_ p: UnsafePointer<UInt8>, _ count: Int) -> UInt64 {
  var h: UInt64 = 0xcbf2_9ce4_8422_2325
  var i = 0
  while i < count {
    h = (h ^ UInt64(p[i])) &* 0x0000_0100_0000_01b3
    i += 1
  }
  return h
}

/// `fnv1a` of two byte ranges at once, the same two values: each hash is a chain of
/// dependent multiplies (bound by their latency, not the CPU's width), and two
/// independent chains in one loop run in about the time of one.
@inline(__always)
func fnv1a2(_ p: UnsafePointer<UInt8>, _ n: Int, _ q: UnsafePointer<UInt8>, _ m: Int) -> (UInt64, UInt64) {
  var a: UInt64 = 0xcbf2_9ce4_8422_2325
  var b: UInt64 = 0xcbf2_9ce4_8422_2325
  let both = min(n, m)
  var i = 0
  while i < both {
    a = (a ^ UInt64(p[i])) &* 0x0000_0100_0000_01b3
    b = (b ^ UInt64(q[i])) &* 0x0000_0100_0000_01b3
    i += 1
  }
  var j = i
  while i < n {
    a = (a ^ UInt64(p[i])) &* 0x0000_0100_0000_01b3
    i += 1
  }
  while j < m {
    b = (b ^ UInt64(q[j])) &* 0x0000_0100_0000_01b3
    j += 1
  }
  return (a, b)
}

/// MurmurHash3's 64-bit finalizer: a bijection that spreads every input bit.
@inline(__always)
func mix(_ x: UInt64) -> UInt64 {
  var z = x
  z ^= z >> 33
  z = z &* 0xff51_afd7_ed55_8ccd
  z ^= z >> 33
  z = z &* 0xc4ce_b9fe_1a85_ec53
  z ^= z >> 33
  return z
}

/// Order-dependent combination used for row and key hashes.
@inline(__always)
func combine(_ seed: UInt64, _ value: UInt64) -> UInt64 {
  return mix(seed &+ 0x9e37_79b9_7f4a_7c15 &+ value) ^ (seed &<< 1)
}

/// Hash of a Swift string's UTF-8 bytes, equal to `fnv1a` over the same bytes.
func fnv1a(_ s: String) -> UInt64 {
  var s = s
  return s.withUTF8 { buf in
    guard let base = buf.baseAddress else { return fnv1a(emptyBytePointer, 0) }
    return fnv1a(base, buf.count)
  }
}

// Written once here, only read after.
nonisolated(unsafe) let emptyBytePointer: UnsafePointer<UInt8> = {
  let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
  p.pointee = 0
  return UnsafePointer(p)
}()

/// Small deterministic PRNG (splitmix64) so sketches give the same answer on every run,
/// which keeps the JSON report byte-stable.
struct SplitMix64 {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9e37_79b9_7f4a_7c15
    return mix(state)
  }
}
