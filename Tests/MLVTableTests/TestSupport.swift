import Foundation

/// A fresh temporary directory per test, removed by `cleanup()`.
final class TempDir {
  let url: URL

  init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("mlvtable-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(at: url) }

  @discardableResult
  func write(_ name: String, _ text: String) throws -> String {
    let p = url.appendingPathComponent(name)
    try text.write(to: p, atomically: true, encoding: .utf8)
    return p.path
  }

  func writeBytes(_ name: String, _ bytes: [UInt8]) throws -> String {
    let p = url.appendingPathComponent(name)
    try Data(bytes).write(to: p)
    return p.path
  }
}

/// Deterministic pseudo-random numbers for fixtures (no Foundation RNG: must not vary).
struct LCG {
  var state: UInt64
  mutating func next() -> Double {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Double(state >> 11) / Double(1 << 53)
  }
  /// Approximately standard normal (sum of 12 uniforms minus 6).
  mutating func normal() -> Double {
    var s = 0.0
    for _ in 0..<12 { s += next() }
    return s - 6
  }
}

/// CSV text from a header and rows (fields written as given).
func csv(_ header: [String], _ rows: [[String]], delimiter: String = ",") -> String {
  return ([header] + rows).map { $0.joined(separator: delimiter) }.joined(separator: "\n") + "\n"
}

/// The base table used by the row tests: id, name, price, qty for ids 1...100.
func baseRows() -> [[String]] {
  return (1...100).map { i in ["\(i)", "item\(i)", String(format: "%.2f", Double(i) * 1.5), "\(i % 7)"] }
}
