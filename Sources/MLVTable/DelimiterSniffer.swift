/// Guesses the delimiter of delimited text from its first records, reading quotes as
/// the CSV reader does (a quoted field may hold delimiters and newlines). Like Python's
/// `csv.Sniffer`, a delimiter must split every sampled record into the same number of
/// fields; among those that do, the one giving the most fields wins.
enum DelimiterSniffer {
  static let candidates: [UInt8] = [",", "\t", ";", "|"].map { UInt8(ascii: $0) }

  /// Fields per record of the first `limit` non-blank records of `head`. When `head` was
  /// cut (`complete` false), the last record may be partial and is dropped.
  static func fieldCounts(_ head: [UInt8], _ d: UInt8, limit: Int = 20, complete: Bool) -> [Int] {
    var counts: [Int] = []
    var fields = 1
    var inQuotes = false
    var atFieldStart = true
    var empty = true
    var i = 0
    let quote = UInt8(ascii: "\"")
    while i < head.count && counts.count < limit {
      let c = head[i]
      if inQuotes {
        if c == quote {
          if i + 1 < head.count && head[i + 1] == quote { i += 1 } else { inQuotes = false }
        }
      } else if c == quote && atFieldStart {
        inQuotes = true
        atFieldStart = false
        empty = false
      } else if c == d {
        fields += 1
        atFieldStart = true
        empty = false
      } else if c == 0x0a || c == 0x0d {
        if !empty { counts.append(fields) }
        if c == 0x0d && i + 1 < head.count && head[i + 1] == 0x0a { i += 1 }
        fields = 1
        atFieldStart = true
        empty = true
      } else {
        atFieldStart = false
        empty = false
      }
      i += 1
    }
    if i >= head.count && !empty && complete && !inQuotes && counts.count < limit { counts.append(fields) }
    return counts
  }

  /// The delimiter of `head`, or nil when none splits its records consistently.
  static func sniff(_ head: [UInt8], complete: Bool) -> UInt8? {
    var best: (UInt8, Int)? = nil
    for d in candidates {
      let counts = fieldCounts(head, d, complete: complete)
      guard let first = counts.first, first > 1, counts.allSatisfy({ $0 == first }) else { continue }
      if best == nil || first > best!.1 { best = (d, first) }
    }
    return best?.0
  }
}
