import Foundation
import Testing

@testable import MLVExperiments

@Suite struct StageFileTests {
  let text = """
    stages:
      train:
        cmd: python3 train.py --epochs 3
        deps: [data/prepared, train.py]
        params: ["params.yaml:train.lr,train.bs", params.yaml:seed]
        outs: [models/]
        metrics: metrics.json
      prepare:
        cmd: python3 prepare.py
        deps:
          - data/raw.csv
        outs:
          - data/prepared
        wdir: .
    """

  @Test func parsesStagesAndGroupsParams() throws {
    let f = try StageFile.parse(text, path: "mlv.stages.yaml")
    #expect(f.stages.map(\.name) == ["prepare", "train"])
    let train = try #require(f["train"])
    #expect(train.cmd == "python3 train.py --epochs 3")
    #expect(train.deps == ["data/prepared", "train.py"])
    #expect(train.metrics == ["metrics.json"])
    let refs = train.paramsRefs
    #expect(refs.count == 1)
    #expect(refs.first?.file == "params.yaml")
    #expect(refs.first?.keys == ["train.lr", "train.bs", "seed"])
  }

  @Test func renderIsDeterministicAndRoundTrips() throws {
    let f = try StageFile.parse(text, path: "s.yaml")
    let rendered = f.render()
    #expect(rendered == """
      stages:
        prepare:
          cmd: "python3 prepare.py"
          deps:
            - data/raw.csv
          outs:
            - data/prepared
        train:
          cmd: "python3 train.py --epochs 3"
          deps:
            - data/prepared
            - train.py
          params:
            - "params.yaml:train.lr,train.bs"
            - "params.yaml:seed"
          outs:
            - models/
          metrics:
            - metrics.json

      """)
    #expect(try StageFile.parse(rendered, path: "s.yaml") == f)
  }

  @Test func upsertReplacesAndKeepsNamesSorted() throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let path = dir.path(StageFile.fileName)
    var f = try StageFile.load(path: path)
    #expect(f.stages.isEmpty)
    try f.upsert(Stage(name: "b", cmd: "echo b"))
    try f.upsert(Stage(name: "a", cmd: "echo a", outs: ["x"]))
    try f.upsert(Stage(name: "b", cmd: "echo B", deps: ["x"]))
    try f.write(to: path)
    let back = try StageFile.load(path: path)
    #expect(back.stages.map(\.name) == ["a", "b"])
    #expect(back["b"]?.cmd == "echo B")
    #expect(back == f)
    let removed = f.remove("a")
    let again = f.remove("a")
    #expect(removed && !again)
  }

  @Test(arguments: [
    ("stages:\n  'bad name':\n    cmd: x\n", "invalid stage name"),
    ("stages:\n  s:\n    cmd: ''\n", "cmd is empty"),
    ("stages:\n  s:\n    deps: [a]\n", "cmd is missing"),
    ("stages:\n  s:\n    cmd: x\n    deps: [../up]\n", "'..'"),
    ("stages:\n  s:\n    cmd: x\n    outs: [/abs]\n", "relative"),
    ("stages:\n  s:\n    cmd: x\n    color: red\n", "unknown field"),
    ("stages:\n  s:\n    cmd: x\n    deps: {a: 1}\n", "list of paths"),
    ("stage: {}\n", "unknown key"),
    ("stages: [1]\n", "must be a mapping"),
  ])
  func invalidDeclarationsAreClearErrors(text: String, reason: String) throws {
    do {
      _ = try StageFile.parse(text, path: "mlv.stages.yaml")
      Issue.record("expected an error")
    } catch let e as ExperimentError {
      #expect("\(e)".contains(reason), "\(e)")
      #expect("\(e)".hasPrefix("mlv.stages.yaml"))
    }
  }
}

@Suite struct StageGraphTests {
  @Test func ordersProducersBeforeConsumers() throws {
    let stages = [
      Stage(name: "evaluate", cmd: "e", deps: ["models/model.pkl", "data/test.csv"], metrics: ["m.json"]),
      Stage(name: "train", cmd: "t", deps: ["data/prepared/train.csv"], outs: ["models"]),
      Stage(name: "prepare", cmd: "p", deps: ["data/raw.csv"], outs: ["data/prepared/"]),
      Stage(name: "aaa-independent", cmd: "x", deps: ["other"]),
    ]
    let names = try StageGraph.order(stages).map(\.name)
    #expect(names == ["aaa-independent", "prepare", "train", "evaluate"])
    #expect(try StageGraph.upstream(of: ["train"], in: stages).map(\.name) == ["prepare", "train"])
    #expect(throws: ExperimentError.unknownStage(name: "nope")) { try StageGraph.upstream(of: ["nope"], in: stages) }
  }

  @Test func wdirIsJoinedBeforeMatching() throws {
    let stages = [
      Stage(name: "b", cmd: "b", deps: ["sub/out.txt"]),
      Stage(name: "c", cmd: "c", outs: ["out.txt"], wdir: "./sub"),
    ]
    #expect(try StageGraph.order(stages).map(\.name) == ["c", "b"])
  }

  @Test func cycleIsNamed() throws {
    let stages = [
      Stage(name: "b", cmd: "b", deps: ["x"], outs: ["y"]),
      Stage(name: "a", cmd: "a", deps: ["y"], outs: ["x"]),
      Stage(name: "c", cmd: "c", deps: ["x"]),
    ]
    #expect(throws: ExperimentError.dependencyCycle(cycle: ["a", "b", "a"])) { try StageGraph.order(stages) }
    #expect(ExperimentError.dependencyCycle(cycle: ["a", "b", "a"]).description == "dependency cycle: a -> b -> a")
    let selfLoop = [Stage(name: "s", cmd: "s", deps: ["d/x"], outs: ["d"])]
    #expect(throws: ExperimentError.dependencyCycle(cycle: ["s", "s"])) { try StageGraph.order(selfLoop) }
  }

  @Test func sameOutputInTwoStagesIsAnError() throws {
    let stages = [Stage(name: "a", cmd: "a", outs: ["m"]), Stage(name: "b", cmd: "b", outs: ["m/x"])]
    #expect(throws: ExperimentError.duplicateOutput(path: "m/x", stages: ["a", "b"])) { try StageGraph.order(stages) }
  }
}

@Suite struct StageFileDVCFormTests {
  @Test func paramsMappingFormIsAccepted() throws {
    let f = try StageFile.parse("stages:\n  s:\n    cmd: x\n    params:\n      - params.yaml: [train.lr, seed]\n      - other.toml\n", path: "s.yaml")
    #expect(f["s"]?.params == ["params.yaml:train.lr,seed", "other.toml"])
  }
}
