import Foundation
import Testing

@testable import MLVExperiments

@Suite struct ParamOverrideTests {
  func apply(_ specs: [String], _ text: String, _ format: ParamFormat) throws -> String {
    try ParamOverride.applying(specs.map(ParamOverride.parse), to: text, format: format, path: "p.\(format.rawValue)")
  }

  @Test func parsesTypedValues() throws {
    #expect(try ParamOverride.parse("train.lr=0.001") == ParamOverride(keyPath: ["train", "lr"], value: .double(0.001)))
    #expect(try ParamOverride.parse("a=3").value == .int(3))
    #expect(try ParamOverride.parse("a=1e-4").value == .double(0.0001))
    #expect(try ParamOverride.parse("a=true").value == .bool(true))
    #expect(try ParamOverride.parse("a=null").value == .null)
    #expect(try ParamOverride.parse("a=\"3\"").value == .string("3"))
    #expect(try ParamOverride.parse("a='true'").value == .string("true"))
    #expect(try ParamOverride.parse("a=adam").value == .string("adam"))
    #expect(try ParamOverride.parse("a=[1, 2]").value == .list([.int(1), .int(2)]))
    #expect(try ParamOverride.parse("a=x=y").value == .string("x=y"))
    #expect(try ParamOverride.parse("conf/model.toml:opt.lr=0.1") == ParamOverride(keyPath: ["opt", "lr"], value: .double(0.1), file: "conf/model.toml"))
    #expect(try ParamOverride.parse("a=http://x").file == nil)
    #expect(throws: ExperimentError.self) { try ParamOverride.parse("novalue") }
    #expect(throws: ExperimentError.self) { try ParamOverride.parse("a..b=1") }
  }

  @Test func yamlReplacesOnlyTheValueToken() throws {
    let text = """
      # config
      train:
        lr: 0.01   # learning rate
        opt: 'sgd'
        epochs: 10
      eval:
        lr: 5
      """
    let out = try apply(["train.lr=0.001", "train.opt=adam", "eval.lr=7"], text + "\n", .yaml)
    #expect(out == """
      # config
      train:
        lr: 0.001   # learning rate
        opt: 'adam'
        epochs: 10
      eval:
        lr: 7

      """)
  }

  @Test func yamlAddsMissingKeysUnderTheirParent() throws {
    let text = "train:\n  lr: 1\n  sub:\n    x: 1\n# tail comment\nseed: 1\n"
    let out = try apply(["train.momentum=0.9", "model.layers=3", "train.sub.y=two words"], text, .yaml)
    #expect(out == """
      train:
        lr: 1
        sub:
          x: 1
          y: "two words"
        momentum: 0.9
      # tail comment
      seed: 1
      model:
        layers: 3

      """)
  }

  @Test func yamlReplacesAListAndRefusesMappingsAndScalarsOnThePath() throws {
    let text = "layers:\n  - 1\n  - 2\nopt:\n  name: sgd\nlr: 1\n"
    #expect(try apply(["layers=[4, 5]"], text, .yaml) == "layers: [4, 5]\nopt:\n  name: sgd\nlr: 1\n")
    #expect(throws: ExperimentError.notAMapping(path: "p.yaml", key: "lr.x")) { try apply(["lr.x=1"], text, .yaml) }
    #expect(throws: ExperimentError.notAMapping(path: "p.yaml", key: "layers.x")) { try apply(["layers.x=1"], text, .yaml) }
    #expect(throws: ExperimentError.self) { try apply(["opt=1"], text, .yaml) }
  }

  @Test func yamlFillsAnEmptyValueAndKeepsDocumentMarkers() throws {
    let text = "---\ntrain:\n  lr:   # unset\n  \"quoted key\": 1\n"
    let out = try apply(["train.lr=0.5", "train.quoted key=2"], text, .yaml)
    #expect(out == "---\ntrain:\n  lr: 0.5   # unset\n  \"quoted key\": 2\n")
  }

  @Test func yamlQuotesStringsThatWouldReadBackAsOtherTypes() throws {
    let out = try apply(["a=\"true\"", "b=\"10\""], "a: x\nb: y\n", .yaml)
    #expect(out == "a: \"true\"\nb: \"10\"\n")
    let p = try ParamsFile.parse(out, format: .yaml, path: "p.yaml")
    #expect(p["a"] == .string("true"))
  }

  @Test func tomlReplacesValuesAndKeepsComments() throws {
    let text = """
      # top
      seed = 1
      [train]
      lr = 0.01 # learning rate
      name = 'sgd'
      layers = [
        1, 2,
      ]

      [eval]
      lr = 5
      """
    let out = try apply(["train.lr=0.001", "train.name=adam", "train.layers=[3]", "seed=2"], text + "\n", .toml)
    #expect(out == """
      # top
      seed = 2
      [train]
      lr = 0.001 # learning rate
      name = 'adam'
      layers = [3]

      [eval]
      lr = 5

      """)
  }

  @Test func tomlAddsMissingKeysInTheRightTable() throws {
    let text = "seed = 1\n\n[train]\nlr = 1\n\n[eval]\nx = 1"
    let out = try apply(["train.momentum=0.9", "top=\"t\"", "model.depth=3", "train.opt.name=adam"], text, .toml)
    #expect(out == "seed = 1\ntop = \"t\"\nmodel.depth = 3\n\n[train]\nlr = 1\nmomentum = 0.9\nopt.name = \"adam\"\n\n[eval]\nx = 1")
  }

  @Test func tomlRefusesPathsThroughScalarsAndNull() throws {
    let text = "lr = 1\nopt = { name = 'x' }\n"
    #expect(throws: ExperimentError.notAMapping(path: "p.toml", key: "lr.x")) { try apply(["lr.x=1"], text, .toml) }
    #expect(throws: ExperimentError.self) { try apply(["opt.name=y"], text, .toml) }
    #expect(throws: ExperimentError.self) { try apply(["lr=null"], text, .toml) }
  }

  @Test func jsonIsRewrittenInOrderWithTwoSpaceIndent() throws {
    let text = #"{"b": 1, "a": {"lr": 0.1}, "l": [1, 2]}"#
    let out = try apply(["a.lr=0.5", "a.new=\"x\"", "c.d=true"], text, .json)
    #expect(out == """
      {
        "b": 1,
        "a": {
          "lr": 0.5,
          "new": "x"
        },
        "l": [
          1,
          2
        ],
        "c": {
          "d": true
        }
      }

      """)
    #expect(throws: ExperimentError.notAMapping(path: "p.json", key: "b.x")) { try apply(["b.x=1"], text, .json) }
  }

  @Test func applyEditsTheFileInPlace() throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let p = try dir.write("params.yaml", "train:\n  lr: 0.1 # keep\n")
    try ParamOverride.apply([try ParamOverride.parse("train.lr=0.001")], toFileAt: p)
    #expect(try dir.read("params.yaml") == "train:\n  lr: 0.001 # keep\n")
    #expect(throws: ExperimentError.fileNotFound(path: dir.path("none.yaml"))) {
      try ParamOverride.apply([], toFileAt: dir.path("none.yaml"))
    }
  }
}

@Suite struct ParamOverrideEdgeTests {
  @Test func yamlReplacesAFlowListSpanningLinesAndBlockScalars() throws {
    let text = "layers: [1,\n  2]\nnote: |\n  some\n  text\nlr: 1\n"
    let out = try ParamOverride.applying(
      [try ParamOverride.parse("layers=[3]"), try ParamOverride.parse("note=short")], to: text, format: .yaml, path: "p.yaml")
    #expect(out == "layers: [3]\nnote: short\nlr: 1\n")
  }

  @Test func yamlKeepsWindowsLineEnds() throws {
    let text = "a: 1\r\n\r\nt:\r\n  x: 1\r\n\r\n  y: 2\r\nb: 2\r\n"
    let out = try ParamOverride.applying(["a=2", "t.y=3", "t.z=4"].map(ParamOverride.parse), to: text, format: .yaml, path: "p.yaml")
    #expect(out == "a: 2\r\n\r\nt:\r\n  x: 1\r\n\r\n  y: 3\r\n  z: 4\r\nb: 2\r\n")
  }
}

@Suite struct TOMLOverrideLineEndTests {
  @Test func tomlKeepsWindowsLineEnds() throws {
    let text = "[train]\r\nlr = 1 # c\r\n\r\n[eval]\r\nx = 1\r\n"
    let out = try ParamOverride.applying(["train.lr=2", "train.bs=8"].map(ParamOverride.parse), to: text, format: .toml, path: "p.toml")
    #expect(out == "[train]\r\nlr = 2 # c\r\nbs = 8\r\n\r\n[eval]\r\nx = 1\r\n")
  }
}
