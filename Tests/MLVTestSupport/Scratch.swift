import Foundation

// Scratch files for unit tests: temporary directories and reproducible bytes. One copy here
// instead of one per test target.

/// A fresh directory under the system temp dir, symlinks resolved (so it compares equal to
/// what getcwd and realpath report); the caller removes it with `removeTree`.
public func makeTempDir(_ prefix: String = "mlvtest") -> String {
  let base = URL(fileURLWithPath: NSTemporaryDirectory()).resolvingSymlinksInPath().path
  let path = base + "/" + prefix + "-" + UUID().uuidString
  do {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  } catch { fatalError("cannot create \(path): \(error)") }
  return path
}

public func removeTree(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

/// Deterministic pseudo-random bytes (SplitMix64): incompressible, fast, reproducible.
public func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
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

/// Writes `bytes` to `path`, creating missing parent directories.
public func writeFile(_ path: String, _ bytes: [UInt8]) throws {
  let dir = (path as NSString).deletingLastPathComponent
  try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  try Data(bytes).write(to: URL(fileURLWithPath: path))
}

public func writeFile(_ path: String, _ text: String) throws { try writeFile(path, Array(text.utf8)) }

public func readFile(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }
