import Foundation
import Testing

@testable import MLVStore
@testable import MLVWorkspace

/// An empty directory standing in for $HOME of the git CLI, so no developer config leaks in.
let isolatedHome: String = {
  let dir = NSTemporaryDirectory() + "mlvws-empty-home-\(getuid())"
  try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  return dir
}()

func makeTempDir(_ prefix: String = "mlvws") -> String {
  // Resolved, so paths compare equal to what getcwd/realpath report.
  let base = URL(fileURLWithPath: NSTemporaryDirectory()).resolvingSymlinksInPath().path
  let path = base + "/" + prefix + "-" + UUID().uuidString
  do {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  } catch { fatalError("cannot create \(path): \(error)") }
  return path
}

func removeTree(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

struct CommandFailed: Error, CustomStringConvertible {
  let command: String
  let status: Int32
  let output: String
  var description: String { "\(command) exited \(status): \(output)" }
}

/// Runs the git CLI in `dir`; returns status and stdout (stderr is discarded).
@discardableResult
func git(_ args: [String], in dir: String, allowFailure: Bool = false) throws -> (status: Int32, output: String) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = ["git", "-C", dir] + args
  var env = ProcessInfo.processInfo.environment
  env["HOME"] = isolatedHome
  env["GIT_CONFIG_NOSYSTEM"] = "1"
  env["LC_ALL"] = "C"
  process.environment = env
  let out = Pipe()
  process.standardOutput = out
  process.standardError = FileHandle.nullDevice
  try process.run()
  let data = out.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  let text = String(decoding: data, as: UTF8.self)
  if process.terminationStatus != 0, !allowFailure {
    throw CommandFailed(command: "git " + args.joined(separator: " "), status: process.terminationStatus, output: text)
  }
  return (process.terminationStatus, text)
}

/// Deterministic pseudo-random bytes (SplitMix64).
func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
  var state = seed
  var out = [UInt8](repeating: 0, count: count)
  var i = 0
  while i < count {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    for k in 0..<8 where i + k < count { out[i + k] = UInt8(truncatingIfNeeded: z >> (8 * UInt64(k))) }
    i += 8
  }
  return out
}

func writeFile(_ path: String, _ bytes: [UInt8]) throws {
  let dir = (path as NSString).deletingLastPathComponent
  try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  try Data(bytes).write(to: URL(fileURLWithPath: path))
}

func writeFile(_ path: String, _ text: String) throws { try writeFile(path, Array(text.utf8)) }

func readFile(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

/// A ProgressSink that records warnings.
final class RecordingProgress: ProgressSink, @unchecked Sendable {
  private let lock = NSLock()
  private var _warnings: [String] = []
  var warnings: [String] { lock.withLock { _warnings } }
  func begin(_ label: String, totalBytes: Int64) {}
  func advance(_ bytes: Int64) {}
  func end() {}
  func warn(_ message: String) { lock.withLock { _warnings.append(message) } }
}

/// A git repository with an initialised mlv workspace, removed by `cleanup()`.
struct TestRepo {
  let root: String
  let ws: Workspace

  init() throws {
    root = makeTempDir("mlvrepo")
    try git(["init", "-q", "-b", "main"], in: root)
    try git(["config", "user.name", "Test User"], in: root)
    try git(["config", "user.email", "test@example.com"], in: root)
    ws = try Workspace.initialize(cwd: root)
  }

  func path(_ rel: String) -> String { root + "/" + rel }
  func write(_ rel: String, _ bytes: [UInt8]) throws { try writeFile(path(rel), bytes) }
  func write(_ rel: String, _ text: String) throws { try writeFile(path(rel), text) }
  func read(_ rel: String) throws -> [UInt8] { try readFile(path(rel)) }
  func cleanup() { removeTree(root) }
}
