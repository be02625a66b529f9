/// The non-null values of one data page in an encoding other than PLAIN or dictionary,
/// rendered as text in order into a scratch column (the page loop then places them
/// between the nulls).
enum EncodedValues {
  static func decode(
    _ p: UnsafeBufferPointer<UInt8>, encoding: Int, column: ParquetColumn, count: Int
  ) throws -> TextColumn {
    let out = TextColumn(capacity: min(p.count * 2 + 16, 1 << 24))
    out.ends.reserveCapacity(count)
    do {
      switch (encoding, column.type) {
      case (5, 1), (5, 2):
        var d = DeltaBinaryPacked(p)
        let values = try d.decode(limit: count)
        guard values.count == count else { throw DeltaBinaryPacked.Failure(reason: "\(values.count) values for \(count)") }
        let bits = column.type == 1 ? 32 : 64
        for v in values {
          try ParquetText.int(bits == 32 ? Int64(Int32(truncatingIfNeeded: v)) : v, bits: bits, column, out)
        }
      case (6, 6):
        _ = try DeltaByteArrays.decodeLengths(p, count: count) { b, n in try ParquetText.bytes(b, n, column, out) }
      case (7, 6), (7, 7):
        try DeltaByteArrays.decodeIncremental(p, count: count) { b, n in
          if column.type == 7 && n != column.typeLength {
            throw DeltaBinaryPacked.Failure(reason: "value of \(n) bytes in a column of \(column.typeLength)")
          }
          try ParquetText.bytes(b, n, column, out)
        }
      case (9, 1), (9, 2), (9, 4), (9, 5), (9, 7):
        let width = column.type == 7 ? column.typeLength : (column.type == 2 || column.type == 5 ? 8 : 4)
        let plain = try ByteStreamSplit.join(p, width: width, count: count)
        try plain.withUnsafeBufferPointer { b in
          var dec = PlainDecoder(b, column: column)
          for _ in 0..<count { try dec.appendNext(to: out) }
        }
      default:
        throw ParquetFailure(
          reason: "column '\(column.name)' uses the \(ParquetEncoding.name(encoding)) encoding for a \(ParquetType.name(column.type)) column, which the format does not allow",
          unsupported: false)
      }
    } catch let e as DeltaBinaryPacked.Failure {
      throw ParquetFailure(reason: "column '\(column.name)': \(ParquetEncoding.name(encoding)): \(e.reason)")
    }
    return out
  }
}
