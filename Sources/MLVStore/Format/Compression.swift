import CZlib

/// zlib, the codec of pack version 1: every compressed object mlv wrote before zstd, still
/// read (`inflate`). New objects are compressed with `Zstd`, 2-3x faster and smaller;
/// `deflate` (level 1) remains for tests that write version 1 packs.
public enum Compression {
  /// Compresses `input`; nil when the result would not save at least 1/8 of the size
  /// (not worth the inflate cost on every read).
  public static func deflate(_ input: UnsafeRawBufferPointer) -> [UInt8]? {
    guard input.count > 0 else { return nil }
    var stream = z_stream()
    guard mlv_deflateInit(&stream, 1) == Z_OK else { return nil }
    defer { deflateEnd(&stream) }
    let limit = input.count - input.count / 8
    var out = [UInt8](repeating: 0, count: limit)
    let produced: Int? = out.withUnsafeMutableBytes { o in
      stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress!)
      stream.avail_in = uInt(input.count)
      stream.next_out = o.bindMemory(to: Bytef.self).baseAddress!
      stream.avail_out = uInt(limit)
      let rc = CZlib.deflate(&stream, Z_FINISH)
      return rc == Z_STREAM_END ? Int(stream.total_out) : nil
    }
    guard let n = produced else { return nil }
    out.removeLast(out.count - n)
    return out
  }

  /// Inflates into exactly `rawLength` bytes; nil when the stream is damaged or its size
  /// is not the recorded one.
  public static func inflate(_ input: UnsafeRawBufferPointer, rawLength: Int) -> [UInt8]? {
    var stream = z_stream()
    guard mlv_inflateInit(&stream) == Z_OK else { return nil }
    defer { inflateEnd(&stream) }
    var out = [UInt8](repeating: 0, count: rawLength)
    let ok: Bool = out.withUnsafeMutableBytes { o in
      guard let base = input.bindMemory(to: Bytef.self).baseAddress else { return false }
      stream.next_in = UnsafeMutablePointer(mutating: base)
      stream.avail_in = uInt(input.count)
      stream.next_out = o.bindMemory(to: Bytef.self).baseAddress
      stream.avail_out = uInt(rawLength)
      let rc = CZlib.inflate(&stream, Z_FINISH)
      return rc == Z_STREAM_END && Int(stream.total_out) == rawLength
    }
    return ok ? out : nil
  }
}

/// Order-0 byte entropy of a sample, in bits per byte: a microsecond-scale predictor of
/// whether compression will pay off. CSV and text sit at 4-6 bits, float32 weights at ~7.5,
/// compressed or random data at ~8. Files whose sample is above the threshold are stored
/// raw without trying to compress (docs/design.md, "Compression").
public enum Entropy {
  public static let compressBelowBitsPerByte = 7.0

  public static func bitsPerByte(_ p: UnsafeRawBufferPointer) -> Double {
    guard p.count > 0 else { return 0 }
    return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 256) { counts in
      counts.initialize(repeating: 0)
      for b in p { counts[Int(b)] &+= 1 }
      let n = Double(p.count)
      var h = 0.0
      for c in counts where c > 0 {
        let f = Double(c) / n
        h -= f * log2(f)
      }
      return h
    }
  }

  /// Bytes sampled: 4 KiB separates text (4-6 bits) from random data (>7.9 bits) reliably
  /// and costs ~2 µs; for 20,000 small files a larger sample was 10% of `add`.
  public static let sampleSize = 4 * 1024

  /// Whether content that starts with `sample` should be compressed.
  public static func worthCompressing(_ sample: UnsafeRawBufferPointer) -> Bool {
    let window = UnsafeRawBufferPointer(rebasing: sample[..<min(sample.count, sampleSize)])
    return window.count >= 64 && bitsPerByte(window) < compressBelowBitsPerByte
  }
}

#if canImport(Glibc)
  import Glibc
#endif
