import Foundation
import Testing

@_exported import MLVTestSupport

@testable import MLVStore
import MLVSystem

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
