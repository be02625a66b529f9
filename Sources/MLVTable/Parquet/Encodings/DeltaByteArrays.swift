/// DELTA_LENGTH_BYTE_ARRAY (lengths as DELTA_BINARY_PACKED, then the bytes back to back)
/// and DELTA_BYTE_ARRAY (prefix lengths as DELTA_BINARY_PACKED, then the suffixes as
/// DELTA_LENGTH_BYTE_ARRAY; each value is the previous value's prefix plus its suffix).
/// Values go to `body(pointer, length)` in order; every length is checked.
enum DeltaByteArrays {
  static func decodeLengths(
    _ data: UnsafeBufferPointer<UInt8>, count: Int, _ body: (UnsafePointer<UInt8>, Int) throws -> Void
  ) throws -> Int {
    var lengths = DeltaBinaryPacked(data)
    let lens = try lengths.decode(limit: count)
    guard lens.count == count else {
      throw DeltaBinaryPacked.Failure(reason: "\(lens.count) lengths for \(count) values")
    }
    var pos = lengths.end
    let empty: [UInt8] = [0]
    for n in lens {
      guard n >= 0, n <= Int64(data.count - pos) else { throw DeltaBinaryPacked.Failure(reason: "value length \(n) past the page") }
      if n == 0 {
        try empty.withUnsafeBufferPointer { try body($0.baseAddress!, 0) }
      } else {
        try body(data.baseAddress! + pos, Int(n))
      }
      pos += Int(n)
    }
    return pos
  }

  static func decodeIncremental(
    _ data: UnsafeBufferPointer<UInt8>, count: Int, _ body: (UnsafePointer<UInt8>, Int) throws -> Void
  ) throws {
    var prefixes = DeltaBinaryPacked(data)
    let pre = try prefixes.decode(limit: count)
    guard pre.count == count else {
      throw DeltaBinaryPacked.Failure(reason: "\(pre.count) prefix lengths for \(count) values")
    }
    var previous: [UInt8] = []
    var i = 0
    _ = try decodeLengths(UnsafeBufferPointer(rebasing: data[prefixes.end...]), count: count) { p, n in
      let k = pre[i]
      i += 1
      guard k >= 0, k <= Int64(previous.count) else {
        throw DeltaBinaryPacked.Failure(reason: "prefix length \(k) longer than the previous value (\(previous.count))")
      }
      guard Int64(n) <= Int64(TextColumn.byteLimit) - k else { throw DeltaBinaryPacked.Failure(reason: "value too long") }
      previous.removeLast(previous.count - Int(k))
      previous.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
      try previous.withUnsafeBufferPointer { b in
        try body(b.baseAddress ?? p, b.count)
      }
    }
  }
}
