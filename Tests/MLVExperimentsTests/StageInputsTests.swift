import Foundation
import Testing

@testable import MLVExperiments

@Suite struct StageInputsTests {
  @Test func readsSelectedParamsAndMergesFiles() throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    _ = try dir.write("exp/params.yaml", "train:\n  lr: 0.1\n  bs: 32\nseed: 1\n")
    _ = try dir.write("exp/model.json", #"{"depth": 3}"#)
    let stage = Stage(name: "t", cmd: "x", params: ["params.yaml:train.lr", "params.yaml:seed", "model.json"], wdir: "exp")
    let params = try StageInputs.params(for: stage, root: dir.url.path)
    #expect(params == [
      ParamEntry(key: "train.lr", value: .double(0.1)), ParamEntry(key: "seed", value: .int(1)),
      ParamEntry(key: "model.json:depth", value: .int(3)),
    ])
    let bad = Stage(name: "t", cmd: "x", params: ["params.yaml:train.momentum"], wdir: "exp")
    #expect(throws: ExperimentError.missingParamKey(path: "exp/params.yaml", key: "train.momentum")) {
      try StageInputs.params(for: bad, root: dir.url.path)
    }
    let missing = Stage(name: "t", cmd: "x", params: ["nope.yaml"])
    #expect(throws: ExperimentError.fileNotFound(path: dir.path("nope.yaml"))) { try StageInputs.params(for: missing, root: dir.url.path) }
  }

  @Test func cacheKeyChangesWithSelectedParamsOnly() throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    _ = try dir.write("params.yaml", "train:\n  lr: 0.1\nother: 1\n")
    let stage = Stage(name: "t", cmd: "python3 train.py", deps: ["data.csv"], params: ["params.yaml:train"])
    func key() throws -> StageCacheKey {
      StageCacheKey(stage: stage, params: try StageInputs.params(for: stage, root: dir.url.path), dependencyIDs: ["data.csv": "id1"])
    }
    let k1 = try key()
    _ = try dir.write("params.yaml", "train:\n  lr: 0.1\nother: 2\n")
    #expect(try key() == k1)
    _ = try dir.write("params.yaml", "train:\n  lr: 0.2\nother: 2\n")
    let k2 = try key()
    #expect(k2 != k1)
    _ = try dir.write("params.yaml", "# reverted\ntrain:\n  lr: 0.1\nother: 3\n")
    #expect(try key() == k1)  // a reverted change is a cache hit
  }

  @Test func metricsFromSeveralFiles() throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    _ = try dir.write("m.json", #"{"acc": 0.9}"#)
    _ = try dir.write("eval/m.yaml", "acc: 0.8\n")
    let stage = Stage(name: "t", cmd: "x", metrics: ["m.json", "eval/m.yaml"])
    #expect(try StageInputs.metrics(for: stage, root: dir.url.path) == ["acc": .double(0.9), "eval/m.yaml:acc": .double(0.8)])
  }
}
