import Foundation

/// A fresh directory under the system temp dir, removed by `cleanup()`.
struct TemporaryDirectory {
  let path: String

  init() throws {
    path = NSTemporaryDirectory() + "mlv-remote-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  func cleanup() {
    try? FileManager.default.removeItem(atPath: path)
  }

  func write(_ name: String, _ bytes: [UInt8]) throws -> String {
    let file = path + "/" + name
    try Data(bytes).write(to: URL(fileURLWithPath: file))
    return file
  }

  func contents(_ name: String) -> [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: name.isEmpty ? path : path + "/" + name)) ?? []
  }
}

/// Deterministic pseudo-random bytes (xorshift64*), so failures reproduce.
func pseudoRandomBytes(count: Int, seed: UInt64) -> [UInt8] {
  var state = seed | 1
  var out = [UInt8]()
  out.reserveCapacity(count)
  while out.count < count {
    state ^= state >> 12
    state ^= state << 25
    state ^= state >> 27
    let value = state &* 2_685_821_657_736_338_717
    withUnsafeBytes(of: value) { out.append(contentsOf: $0.prefix(count - out.count)) }
  }
  return out
}
