import Foundation
import Testing

@_exported import MLVTestSupport

@testable import MLVStore
@testable import MLVWorkspace

/// An empty directory standing in for $HOME of the git CLI, so no developer config leaks in.
let isolatedHome: String = {
  let dir = NSTemporaryDirectory() + "mlvws-empty-home-\(getuid())"
  try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  return dir
}()

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
