#if canImport(Glibc)
  import Glibc
  let streamSocket = Int32(SOCK_STREAM.rawValue)
#elseif canImport(Darwin)
  import Darwin
  let streamSocket = SOCK_STREAM
#endif
import Foundation
import Testing

/// A moto S3 server on loopback, one per test suite (see `MotoScope`).
///
/// moto_server is started through `sh`, which kills it as soon as its stdin closes; the
/// write end of that pipe belongs to this process, so the server dies with the test run
/// even if the run crashes before `stop()`.
public final class MotoServer: @unchecked Sendable {
  @TaskLocal public static var current: MotoServer?

  public let port: Int
  public let endpoint: URL
  private let process: Process
  private let stdinPipe: Pipe
  private let logPath: String
  private let pidPath: String

  public enum Failure: Error, CustomStringConvertible {
    case notInstalled
    case didNotStart(log: String)
    public var description: String {
      switch self {
      case .notInstalled:
        return "moto_server not found on PATH (nor python3 -m moto.server): the S3 tests need it; "
          + "install it with pip install 'moto[server]' or scripts/s3-test-server.sh install"
      case .didNotStart(let log):
        return "moto_server did not answer within 180 s; its log:\n\(log)"
      }
    }
  }

  /// The command that runs moto's server: `moto_server` on PATH, else `python3 -m
  /// moto.server` (pip may have put the script in a directory that is not on PATH).
  public static func command() -> [String]? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    var pythons: [String] = []
    for directory in path.split(separator: ":") {
      if FileManager.default.isExecutableFile(atPath: "\(directory)/moto_server") {
        return ["\(directory)/moto_server"]
      }
      if FileManager.default.isExecutableFile(atPath: "\(directory)/python3") {
        pythons.append("\(directory)/python3")
      }
    }
    for python in pythons {
      let probe = Process()
      probe.executableURL = URL(fileURLWithPath: python)
      probe.arguments = ["-c", "import moto.server"]
      probe.standardOutput = FileHandle.nullDevice
      probe.standardError = FileHandle.nullDevice
      guard (try? probe.run()) != nil else { continue }
      probe.waitUntilExit()
      if probe.terminationStatus == 0 { return [python, "-m", "moto.server"] }
    }
    return nil
  }

  /// Starts moto_server with extra environment (e.g. INITIAL_NO_AUTH_ACTION_COUNT) and
  /// waits until it accepts connections.
  public static func start(environment extra: [String: String] = [:]) async throws -> MotoServer {
    guard let moto = command() else { throw Failure.notInstalled }
    let port = try freePort()
    let server = try MotoServer(moto: moto, port: port, environment: extra)
    // Generous: importing moto takes seconds, and far longer while the whole test suite
    // keeps both cores busy.
    let deadline = Date().addingTimeInterval(180)
    while Date() < deadline {
      if canConnect(port: port) { return server }
      if !server.process.isRunning { break }
      try await Task.sleep(nanoseconds: 100_000_000)
    }
    if canConnect(port: port) { return server }
    server.stop()
    let log = (try? String(contentsOfFile: server.logPath, encoding: .utf8)) ?? ""
    throw Failure.didNotStart(log: log)
  }

  private init(moto: [String], port: Int, environment extra: [String: String]) throws {
    self.port = port
    endpoint = URL(string: "http://127.0.0.1:\(port)")!
    let base = NSTemporaryDirectory() + "moto-\(port)-\(UUID().uuidString)"
    logPath = base + ".log"
    pidPath = base + ".pid"
    process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    // `read` returns when stdin reaches end of file: at stop(), or when this process exits.
    // SIGKILL because the test harness may leave SIGTERM ignored in its children.
    process.arguments = [
      "-c",
      "log=$1; pidfile=$2; shift 2; \"$@\" -H 127.0.0.1 -p \(port) >\"$log\" 2>&1 & child=$!; "
        + "echo $child >\"$pidfile\"; read _; kill -9 $child; wait $child",
      "sh", logPath, pidPath,
    ] + moto
    var environment = ProcessInfo.processInfo.environment
    for (name, value) in extra { environment[name] = value }
    process.environment = environment
    stdinPipe = Pipe()
    // Keep our ends of the pipe out of other children (a second server started later), or
    // they would hold the write end open and the EOF would never come.
    _ = fcntl(stdinPipe.fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
    _ = fcntl(stdinPipe.fileHandleForReading.fileDescriptor, F_SETFD, FD_CLOEXEC)
    process.standardInput = stdinPipe
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
  }

  public func stop() {
    if let text = try? String(contentsOfFile: pidPath, encoding: .utf8),
      let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    {
      kill(pid, SIGKILL)
    }
    try? stdinPipe.fileHandleForWriting.close()
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    try? FileManager.default.removeItem(atPath: logPath)
    try? FileManager.default.removeItem(atPath: pidPath)
  }

  /// Asks the kernel for an unused loopback port.
  public static func freePort() throws -> Int {
    let fd = socket(AF_INET, streamSocket, 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
        bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
      }
    }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  public static func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, streamSocket, 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
      }
    }
  }
}

/// Runs a whole suite against one moto server, stopped when the suite ends.
public struct MotoScope: SuiteTrait, TestScoping {
  public let environment: [String: String]
  public var isRecursive: Bool { false }

  public init(environment: [String: String]) { self.environment = environment }

  public func provideScope(
    for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
  ) async throws {
    let server = try await MotoServer.start(environment: environment)
    defer { server.stop() }
    try await MotoServer.$current.withValue(server) { try await function() }
  }
}

extension Trait where Self == MotoScope {
  /// moto with small multipart parts allowed (the default minimum part is 5 MiB).
  public static var motoServer: MotoScope { MotoScope(environment: ["S3_UPLOAD_PART_MIN_SIZE": "256"]) }
  /// moto that authenticates every request, so unknown access keys are refused.
  public static var motoServerWithAuth: MotoScope { MotoScope(environment: ["INITIAL_NO_AUTH_ACTION_COUNT": "0"]) }
}
