import Foundation
import Testing

@testable import MLVExperiments

extension SpawningTests {
  @Suite struct ShellQuoteTests {
    @Test func quotedCommandRunsBackAsTheSameArgv() throws {
      let argv = ["printf", "%s|", "a b", "it's", "", "$HOME", "x=1", "ünï"]
      let cmd = ShellQuote.join(argv)
      #expect(cmd.hasPrefix("printf '%s|' 'a b' 'it'\\''s' ''"))
      let dir = try TempDir()
      defer { dir.cleanup() }
      let r = try CommandRunner(workingDirectory: dir.url.path, stdout: .file(dir.path("o"))).run(shell: cmd)
      #expect(r.exitCode == 0)
      #expect(try dir.read("o") == "a b|it's||$HOME|x=1|ünï|")
      #expect(ShellQuote.join(["python3", "train.py", "--lr=0.1"]) == "python3 train.py --lr=0.1")
    }
  }
}

@Suite struct OutputCheckTests {
  @Test func reportsOutputsThatWereNotProduced() throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    _ = try dir.write("sub/models/m.bin", "x")
    let stage = Stage(name: "train", cmd: "x", outs: ["models", "other.bin"], metrics: ["metrics.json"], wdir: "sub")
    #expect(OutputCheck.missing(for: stage, root: dir.url.path) == ["sub/other.bin", "sub/metrics.json"])
    #expect(throws: ExperimentError.outputMissing(stage: "train", path: "sub/other.bin")) {
      try OutputCheck.verify(stage, root: dir.url.path)
    }
  }
}
