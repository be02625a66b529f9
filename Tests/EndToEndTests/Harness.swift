import Foundation

@_exported import MLVTestSupport
import Testing
import MLVSystem

/// Runs the built `mlv` binary and the `git` command line in throwaway repositories. The
/// git CLI is the independent witness of what mlv (through libgit2) wrote.
struct Result {
  var code: Int32
  var stdout: String
  var stderr: String
}

enum Binary {
  /// MLV_BIN wins; otherwise the `mlv` built next to this test bundle.
  static let mlv: String = {
    if let env = ProcessInfo.processInfo.environment["MLV_BIN"] { return env }
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<3 {
      let candidate = dir.appendingPathComponent("mlv").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      dir = dir.deletingLastPathComponent()
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/mlv").path
  }()

  /// Starts mlv with `args` in `dir` and returns at once, its output discarded: for tests
  /// that kill it mid-way or wait for it themselves.
  static func start(_ args: [String], in dir: String) throws -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: mlv)
    p.arguments = args
    p.currentDirectoryURL = URL(fileURLWithPath: dir)
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    return p
  }
}

@discardableResult
func exec(_ tool: String, _ args: [String], cwd: String, env: [String: String] = [:], stdin: String? = nil) throws -> Result {
  let p = Process()
  p.executableURL = URL(fileURLWithPath: tool.hasPrefix("/") ? tool : "/usr/bin/env")
  p.arguments = tool.hasPrefix("/") ? args : [tool] + args
  p.currentDirectoryURL = URL(fileURLWithPath: cwd)
  var environment = ProcessInfo.processInfo.environment
  for (k, v) in env { environment[k] = v }
  p.environment = environment
  let out = Pipe(), err = Pipe()
  p.standardOutput = out
  p.standardError = err
  p.standardInput = FileHandle.nullDevice
  try p.run()
  // Read both pipes concurrently so a chatty process cannot block on a full pipe.
  let outData = Locked(Data())
  let group = DispatchGroup()
  group.enter()
  DispatchQueue.global().async {
    let d = out.fileHandleForReading.readDataToEndOfFile()
    outData.update { $0 = d }
    group.leave()
  }
  let errData = err.fileHandleForReading.readDataToEndOfFile()
  group.wait()
  p.waitUntilExit()
  return Result(code: p.terminationStatus, stdout: String(decoding: outData.value, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
}

/// A temporary git repository with an identity, initialised for mlv.
final class Repo: Sendable {
  let path: String

  init(mlvInit: Bool = true) throws {
    path = makeTempDir("mlv-e2e")
    try git("init", "-q", "-b", "master")
    try git("config", "user.name", "Test User")
    try git("config", "user.email", "test@example.com")
    if mlvInit { try mlvOK("init") }
  }

  /// An existing git repository at `path` (removed with this object).
  init(adopting path: String) throws {
    self.path = path
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  @discardableResult
  func mlv(_ args: String..., env: [String: String] = [:]) throws -> Result {
    try exec(Binary.mlv, args, cwd: path, env: env)
  }

  @discardableResult
  func mlv(args: [String], env: [String: String] = [:]) throws -> Result {
    try exec(Binary.mlv, args, cwd: path, env: env)
  }

  /// Runs mlv and records a test issue (with its stderr) when it fails.
  @discardableResult
  func mlvOK(_ args: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> Result {
    let r = try exec(Binary.mlv, args, cwd: path)
    #expect(r.code == 0, "mlv \(args.joined(separator: " ")) failed: \(r.stderr)", sourceLocation: sourceLocation)
    return r
  }

  @discardableResult
  func git(_ args: String...) throws -> Result {
    let r = try exec("git", args, cwd: path)
    if r.code != 0 { Issue.record("git \(args.joined(separator: " ")) failed: \(r.stderr)") }
    return r
  }

  func gitOut(_ args: String...) throws -> String {
    try exec("git", args, cwd: path).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  func write(_ rel: String, _ bytes: [UInt8]) throws {
    let url = URL(fileURLWithPath: path + "/" + rel)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(bytes).write(to: url)
  }

  func write(_ rel: String, _ text: String) throws { try write(rel, Array(text.utf8)) }

  func read(_ rel: String) -> [UInt8]? {
    (try? Data(contentsOf: URL(fileURLWithPath: path + "/" + rel))).map { Array($0) }
  }

  func exists(_ rel: String) -> Bool { FileManager.default.fileExists(atPath: path + "/" + rel) }

  func remove(_ rel: String) throws { try FileManager.default.removeItem(atPath: path + "/" + rel) }

  /// Every regular file under `rel` with its bytes (a snapshot to compare after checkout).
  func snapshot(_ rel: String) throws -> [String: [UInt8]] {
    var out: [String: [UInt8]] = [:]
    let base = path + "/" + rel
    guard let e = FileManager.default.enumerator(atPath: base) else { return out }
    while let name = e.nextObject() as? String {
      var isDir: ObjCBool = false
      if FileManager.default.fileExists(atPath: base + "/" + name, isDirectory: &isDir), !isDir.boolValue {
        out[name] = read(rel + "/" + name)
      }
    }
    return out
  }
}

