/// BYTE_STREAM_SPLIT: byte k of every value stored together (stream k), for values of a
/// fixed width (FLOAT, DOUBLE, INT32, INT64, FIXED_LEN_BYTE_ARRAY). Joining the streams
/// gives the PLAIN layout, which `PlainDecoder` then renders.
enum ByteStreamSplit {
  static func join(_ data: UnsafeBufferPointer<UInt8>, width: Int, count: Int) throws -> [UInt8] {
    guard width > 0, count >= 0, count <= data.count / width else {
      throw DeltaBinaryPacked.Failure(reason: "byte-stream-split page holds \(data.count) bytes for \(count) values of \(width) bytes")
    }
    var out = [UInt8](repeating: 0, count: count * width)
    // Streams are data.count / width long; a page may carry more values than needed
    // only if its streams say so.
    let stream = data.count / width
    for k in 0..<width {
      let base = k * stream
      for i in 0..<count { out[i * width + k] = data[base + i] }
    }
    return out
  }
}
