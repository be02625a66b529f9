import Foundation
import Testing

@_exported import MLVTestSupport

@testable import MLVGit

/// An empty directory that stands in for $HOME (git CLI) and for libgit2's global, xdg and
/// system config search path, so no developer or machine config leaks into the tests.
/// One fixed directory per user, so test runs do not litter /tmp; nothing writes to it.
let isolatedHome: String = {
  let dir = NSTemporaryDirectory() + "mlvgit-empty-home-\(getuid())"
  do {
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  } catch { fatalError("cannot create \(dir): \(error)") }
  do { try LibGit2.setConfigSearchPath(dir) } catch { fatalError("\(error)") }
  return dir
}()

struct CommandFailed: Error, CustomStringConvertible {
  let command: String
  let status: Int32
  let output: String
  var description: String { "\(command) exited \(status): \(output)" }
}

/// Runs the git CLI, the independent witness of what libgit2 wrote. Returns stdout without
/// its trailing newline; throws unless `allowFailure`.
@discardableResult
func git(_ args: [String], in dir: String, allowFailure: Bool = false) throws -> String {
  try gitResult(args, in: dir, allowFailure: allowFailure).output
}

func gitResult(_ args: [String], in dir: String, allowFailure: Bool = true) throws
  -> (status: Int32, output: String)
{
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
  process.standardError = out
  try process.run()
  let data = out.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
  if process.terminationStatus != 0, !allowFailure {
    throw CommandFailed(
      command: "git " + args.joined(separator: " "), status: process.terminationStatus,
      output: text)
  }
  return (process.terminationStatus, text)
}

/// A fresh repository in a temp directory with a repo-local identity.
final class TestRepo {
  let dir: String
  let repo: GitRepository

  init() throws {
    _ = isolatedHome
    dir = makeTempDir("mlvgit")
    repo = try GitRepository.initialize(at: dir)
    try git(["config", "user.name", "Test User"], in: dir)
    try git(["config", "user.email", "test@example.com"], in: dir)
  }

  deinit { try? FileManager.default.removeItem(atPath: dir) }

  func write(_ path: String, _ text: String) throws {
    let url = URL(fileURLWithPath: dir + "/" + path)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
  }

  func read(_ path: String) -> String? {
    FileManager.default.contents(atPath: dir + "/" + path).map {
      String(decoding: $0, as: UTF8.self)
    }
  }

  func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: dir + "/" + path) }

  func remove(_ path: String) throws {
    try FileManager.default.removeItem(atPath: dir + "/" + path)
  }

  /// Writes `files`, stages exactly those paths and commits.
  @discardableResult
  func commit(_ message: String, _ files: [String: String]) throws -> GitOID {
    for (path, text) in files { try write(path, text) }
    try repo.stage(Array(files.keys))
    return try repo.commit(message: message)
  }

  /// Three commits on master:
  /// c1 "first": a.txt=one, data/x.mlv=x1, README=readme
  /// c2 "second": a.txt=two, data/y.mlv=y1, b.txt=b
  /// c3 "third": data/x.mlv=x2
  func threeCommits() throws -> (c1: GitOID, c2: GitOID, c3: GitOID) {
    let c1 = try commit("first", ["a.txt": "one", "data/x.mlv": "x1", "README": "readme"])
    let c2 = try commit("second", ["a.txt": "two", "data/y.mlv": "y1", "b.txt": "b"])
    let c3 = try commit("third", ["data/x.mlv": "x2"])
    return (c1, c2, c3)
  }
}

func text(_ bytes: [UInt8]?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }
