import Foundation
import Testing

@testable import MLVStore

/// A fresh directory under the system temp dir, removed by the caller's `defer`.
func makeTempDir(_ prefix: String = "mlvstore") -> String {
  let path = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString
  do {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  } catch { fatalError("cannot create \(path): \(error)") }
  return path
}

func removeTree(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

/// Deterministic pseudo-random bytes (SplitMix64): incompressible, fast, reproducible.
func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
  var state = seed
  var out = [UInt8](repeating: 0, count: count)
  out.withUnsafeMutableBytes { p in
    var i = 0
    while i < count {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      z ^= z >> 31
      for k in 0..<8 where i + k < count { p[i + k] = UInt8(truncatingIfNeeded: z >> (8 * UInt64(k))) }
      i += 8
    }
  }
  return out
}

/// CSV-like text: compresses well, entropy well under 7 bits per byte.
func csvText(rows: Int) -> [UInt8] {
  var s = "id,name,value,flag\n"
  for i in 0..<rows { s += "\(i),item-\(i % 97),\(Double(i) * 0.25),\(i % 3 == 0 ? "yes" : "no")\n" }
  return Array(s.utf8)
}

func bytes(fromHex hex: String) -> [UInt8] {
  let digits = Array(hex.filter { !$0.isWhitespace }.utf8)
  precondition(digits.count % 2 == 0)
  func v(_ c: UInt8) -> UInt8 {
    switch c {
    case 48...57: return c - 48
    case 97...102: return c - 87
    default: fatalError("bad hex digit")
    }
  }
  return stride(from: 0, to: digits.count, by: 2).map { v(digits[$0]) << 4 | v(digits[$0 + 1]) }
}

func hexString(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

func writeFile(_ path: String, _ bytes: [UInt8]) throws {
  try Data(bytes).write(to: URL(fileURLWithPath: path))
}

func readFile(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

/// Overwrites bytes of an existing file in place.
func patchFile(_ path: String, at offset: Int64, with bytes: [UInt8]) throws {
  let f = try POSIXFile(path: path, flags: O_WRONLY)
  try f.write(bytes, at: offset)
}

extension StoreError {
  /// The object a `corruptObject` or `missingObject` error names.
  var objectID: ObjectID? {
    switch self {
    case .corruptObject(let id, _, _), .missingObject(let id), .invalidFileList(let id, _): return id
    default: return nil
    }
  }
}
