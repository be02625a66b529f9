/// Field bytes as display text. Valid UTF-8 is shown as is; every byte that is not part
/// of a well-formed UTF-8 sequence is shown as `\xNN` (what Python prints for a byte
/// string, and the bytes `surrogateescape` keeps), so a Latin-1 `é` in a CSV is visible
/// as `\xe9` instead of becoming U+FFFD, and two different invalid bytes never render
/// alike. Comparisons and hashes always use the raw bytes, never this text.
enum ByteText {
  static func render(_ f: UnsafeBufferPointer<UInt8>) -> String {
    if let s = String(validating: f, as: UTF8.self) { return s }
    var out: [UInt8] = []
    out.reserveCapacity(f.count + 16)
    let hex: [UInt8] = Array("0123456789abcdef".utf8)
    var i = 0
    while i < f.count {
      let n = validLength(f, i)
      if n > 0 {
        out.append(contentsOf: f[i..<(i + n)])
        i += n
      } else {
        out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "x"), hex[Int(f[i] >> 4)], hex[Int(f[i] & 15)]])
        i += 1
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  static func render(_ bytes: [UInt8]) -> String {
    return bytes.withUnsafeBufferPointer { render($0) }
  }

  /// Length of the well-formed UTF-8 sequence at `i` (Unicode table 3-7), or 0.
  static func validLength(_ f: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
    let b = f[i]
    if b < 0x80 { return 1 }
    func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
      return i + k < f.count && f[i + k] >= lo && f[i + k] <= hi
    }
    switch b {
    case 0xC2...0xDF: return cont(1) ? 2 : 0
    case 0xE0: return cont(1, 0xA0) && cont(2) ? 3 : 0
    case 0xE1...0xEC, 0xEE, 0xEF: return cont(1) && cont(2) ? 3 : 0
    case 0xED: return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0
    case 0xF0: return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0
    case 0xF1...0xF3: return cont(1) && cont(2) && cont(3) ? 4 : 0
    case 0xF4: return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0
    default: return 0
    }
  }
}
