import Foundation
import Testing

@testable import MLVExperiments

extension SpawningTests {
  @Suite struct CommandRunnerTests {
    @Test func runsInDirectoryWithEnvironmentAndReportsExitCode() throws {
      let dir = try TempDir()
      defer { dir.cleanup() }
      try FileManager.default.createDirectory(atPath: dir.path("work"), withIntermediateDirectories: true)
      let runner = CommandRunner(workingDirectory: dir.path("work"), extraEnvironment: ["MLV_TEST_VAR": "hello"], stdout: .file(dir.path("out.txt")))
      let result = try runner.run(shell: "pwd; echo $MLV_TEST_VAR; echo to-stderr >&2; exit 3")
      #expect(result.exitCode == 3)
      #expect(result.signal == nil)
      #expect(result.durationSeconds >= 0 && result.durationSeconds < 30)
      let out = try dir.read("out.txt").split(separator: "\n")
      #expect(out.count == 2)
      #expect(out.first.map { $0.hasSuffix("/work") } == true)
      #expect(out.last == "hello")
    }

    @Test func argvIsNotReinterpretedByAShell() throws {
      let dir = try TempDir()
      defer { dir.cleanup() }
      let runner = CommandRunner(workingDirectory: dir.url.path, stdout: .file(dir.path("out.txt")))
      let result = try runner.run(argv: ["printf", "%s|", "a b", "$HOME", "it's"])
      #expect(result.exitCode == 0)
      #expect(try dir.read("out.txt") == "a b|$HOME|it's|")
    }

    @Test func missingCommandAndDirectoryAreErrors() throws {
      let dir = try TempDir()
      defer { dir.cleanup() }
      #expect(throws: ExperimentError.commandNotFound(name: "no-such-command-mlv")) {
        try CommandRunner(workingDirectory: dir.url.path).run(argv: ["no-such-command-mlv"])
      }
      #expect(throws: ExperimentError.noSuchDirectory(path: dir.path("nope"))) {
        try CommandRunner(workingDirectory: dir.path("nope")).run(argv: ["true"])
      }
    }

    @Test func relativeExecutableResolvesAgainstTheWorkingDirectory() throws {
      let dir = try TempDir()
      defer { dir.cleanup() }
      let script = try dir.write("bin/tool.sh", "#!/bin/sh\necho ran > marker\n")
      chmod(script, 0o755)
      let result = try CommandRunner(workingDirectory: dir.path("bin")).run(argv: ["./tool.sh"])
      #expect(result.exitCode == 0)
      #expect(try dir.read("bin/marker") == "ran\n")
    }

    @Test func sigintToMlvIsForwardedToTheCommand() throws {
      let dir = try TempDir()
      defer { dir.cleanup() }
      let runner = CommandRunner(workingDirectory: dir.url.path)
      let script = "trap 'echo got-int > trapped; exit 7' INT; touch ready; i=0; while [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; exit 0"
      let ready = dir.path("ready")
      let sender = Thread {
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: ready) { usleep(20_000) }
        usleep(50_000)
        kill(getpid(), SIGINT)
      }
      sender.start()
      let result = try runner.run(shell: script)
      #expect(result.exitCode == 7)
      #expect(try dir.read("trapped") == "got-int\n")
    }

    @Test func commandKilledBySignalReportsIt() throws {
      let dir = try TempDir()
      defer { dir.cleanup() }
      let result = try CommandRunner(workingDirectory: dir.url.path).run(shell: "kill -TERM $$")
      #expect(result.signal == SIGTERM)
      #expect(result.exitCode == 128 + SIGTERM)
    }
  }
}

extension SpawningTests {
  @Suite struct EnvironmentCaptureTests {
    @Test func findsInterpretersInArgvAndShellStrings() {
      #expect(EnvironmentCapture.interpreterNames(in: ["python3", "train.py"]) == ["python3"])
      #expect(EnvironmentCapture.interpreterNames(in: ["/bin/sh", "-c", "cd x && .venv/bin/python run.py | node post.js"]) == [".venv/bin/python", "node"])
      #expect(EnvironmentCapture.interpreterNames(in: ["./train.sh", "pythonic"]).isEmpty)
    }

    @Test func capturesPythonVersionOsAndAllowListedVariables() throws {
      let env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin", "TZ": "UTC", "SECRET_TOKEN": "x", "MY_SEED": "4"]
      let captured = EnvironmentCapture.capture(command: ["python3", "train.py"], mlvVersion: "0.1.0", extraVariables: ["MY_SEED"], environment: env)
      #expect(captured.mlvVersion == "0.1.0")
      #expect(captured.variables == ["TZ": "UTC", "MY_SEED": "4"])
      #expect(captured.os.hasPrefix("Linux"))
      let version = try #require(captured.interpreters["python3"])
      #expect(version.range(of: #"^3\.\d+\.\d+$"#, options: .regularExpression) != nil)
      // numpy is installed on this machine for fixtures; its version comes from metadata
      #expect(captured.interpreters["numpy"]?.first?.isNumber == true)
    }
  }
}
