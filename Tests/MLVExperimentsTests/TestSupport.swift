import Foundation
import Testing

/// A fresh temporary directory per test, removed by the caller with `cleanup()`.
struct TempDir {
  let url: URL
  init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("mlv-exp-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }
  func path(_ name: String) -> String { url.appendingPathComponent(name).path }
  func write(_ name: String, _ text: String) throws -> String {
    let p = path(name)
    try FileManager.default.createDirectory(
      atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try text.write(toFile: p, atomically: true, encoding: .utf8)
    return p
  }
  func read(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }
  func cleanup() { try? FileManager.default.removeItem(at: url) }
}

/// Every suite that starts commands through `CommandRunner` is nested here and runs one
/// test at a time: one test sends SIGINT to the test process itself, which the runner
/// forwards to every command running at that moment.
@Suite(.serialized) struct SpawningTests {}
