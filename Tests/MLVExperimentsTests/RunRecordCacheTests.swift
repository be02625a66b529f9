import Foundation
import MLVGit
import Testing

@testable import MLVExperiments

/// The local cache of run records `exp show` reads instead of git (`RunRecordCache`).
@Suite struct RunRecordCacheTests {
  let a = GitOID(hex: String(repeating: "a", count: 40))!
  let b = GitOID(hex: String(repeating: "b", count: 40))!

  func scratch() -> String {
    let dir = NSTemporaryDirectory() + "/mlv-run-cache-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir + "/run-records"
  }

  @Test func entriesSurviveASaveAndUnaskedOnesAreDropped() throws {
    let path = scratch()
    defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    let first = RunRecordCache(path: path)
    #expect(first.bytes(id: "x", commit: a) == nil)
    first.put(id: "x", commit: a, bytes: Data("{\"x\": 1}\n".utf8))
    first.put(id: "y", commit: b, bytes: Data())  // an empty record is kept as such
    first.save()

    let second = RunRecordCache(path: path)
    #expect(second.bytes(id: "x", commit: a) == Data("{\"x\": 1}\n".utf8))
    #expect(second.bytes(id: "x", commit: b) == nil)  // same id, another commit: not the same record
    second.save()  // y was not asked for (its ref is gone): dropped
    let third = RunRecordCache(path: path)
    #expect(third.bytes(id: "y", commit: b) == nil && third.bytes(id: "x", commit: a) != nil)
  }

  @Test func aDamagedFileIsAnEmptyCache() throws {
    let path = scratch()
    defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    for text in ["", "mlv-run-records 2\n", "mlv-run-records 1\n\(String(repeating: "a", count: 40)) x 99\n{}\n", "garbage"] {
      try Data(text.utf8).write(to: URL(fileURLWithPath: path))
      #expect(RunRecordCache(path: path).bytes(id: "x", commit: a) == nil, "\(text)")
    }
  }
}
