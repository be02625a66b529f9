import Foundation
import Testing

@testable import MLVExperiments

@Suite struct ParamsFileTests {
  @Test func yamlIsFlattenedInFileOrderWithTypes() throws {
    let text = """
      # training config
      train:
        lr: 1e-3
        epochs: 10
        nesterov: true
        name: "001"
      data:
        path: data/train.csv
        splits: [0.8, 0.2]
      seed: ~
      """
    let p = try ParamsFile.parse(text, format: .yaml, path: "params.yaml")
    #expect(p.entries.map(\.key) == ["train.lr", "train.epochs", "train.nesterov", "train.name", "data.path", "data.splits", "seed"])
    #expect(p["train.lr"] == .double(0.001))
    #expect(p["train.epochs"] == .int(10))
    #expect(p["train.nesterov"] == .bool(true))
    #expect(p["train.name"] == .string("001"))
    #expect(p["data.splits"] == .list([.double(0.8), .double(0.2)]))
    #expect(p["data.splits"]?.canonical == "[0.8, 0.2]")
    #expect(p["seed"] == .null)
  }

  @Test func jsonKeepsOrderAndTellsIntsFromDoubles() throws {
    let text = #"{"z": 1, "a": {"lr": 0.5, "w": 2.0, "s": "x\ny", "u": "\u00e9\ud83d\ude00"}, "l": [{"k": 1}]}"#
    let p = try ParamsFile.parse(text, format: .json, path: "p.json")
    #expect(p.entries.map(\.key) == ["z", "a.lr", "a.w", "a.s", "a.u", "l.0.k"])
    #expect(p["z"] == .int(1))
    #expect(p["a.w"] == .double(2.0))
    #expect(p["a.w"]?.canonical == "2.0")
    #expect(p["a.s"] == .string("x\ny"))
    #expect(p["a.u"] == .string("é😀"))
  }

  @Test func malformedJsonNamesTheLine() throws {
    let text = "{\n  \"a\": 1,\n  \"b\": 01\n}"
    #expect(throws: ExperimentError.malformedParams(path: "p.json", line: 3, reason: "leading zero in number")) {
      try ParamsFile.parse(text, format: .json, path: "p.json")
    }
    #expect(throws: ExperimentError.self) { try ParamsFile.parse("{\"a\": 1,}", format: .json, path: "p.json") }
    #expect(throws: ExperimentError.self) { try ParamsFile.parse("{\"a\": 1} x", format: .json, path: "p.json") }
  }

  @Test func malformedYamlNamesTheLine() throws {
    let text = "a: 1\nb: [1, 2\nc: 3\n"
    do {
      _ = try ParamsFile.parse(text, format: .yaml, path: "p.yaml")
      Issue.record("expected an error")
    } catch let ExperimentError.malformedParams(path, line, _) {
      #expect(path == "p.yaml")
      #expect(line != nil)
    }
    #expect(throws: ExperimentError.malformedParams(path: "p.yaml", line: nil, reason: "the top level must be a mapping")) {
      try ParamsFile.parse("- 1\n- 2\n", format: .yaml, path: "p.yaml")
    }
  }

  @Test func loadPicksFormatByExtensionAndReportsMissingFiles() throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let p = try dir.write("params.toml", "[train]\nlr = 0.1\n")
    #expect(try ParamsFile.load(path: p)["train.lr"] == .double(0.1))
    #expect(throws: ExperimentError.fileNotFound(path: dir.path("nope.yaml"))) {
      try ParamsFile.load(path: dir.path("nope.yaml"))
    }
    let bom = dir.path("bom.json")
    try Data([0xEF, 0xBB, 0xBF] + Array(#"{"a": 1}"#.utf8)).write(to: URL(fileURLWithPath: bom))
    #expect(try ParamsFile.load(path: bom)["a"] == .int(1))
    let ini = try dir.write("p.ini", "a=1")
    #expect(throws: ExperimentError.unsupportedFormat(path: ini)) { try ParamsFile.load(path: ini) }
  }

  @Test func selectingKeysAndPrefixes() throws {
    let p = try ParamsFile.parse("train:\n  lr: 1\n  bs: 2\nseed: 3\n", format: .yaml, path: "p.yaml")
    let (picked, missing) = p.selecting(["train", "nope"])
    #expect(picked.map(\.key) == ["train.lr", "train.bs"])
    #expect(missing == ["nope"])
  }

  @Test func paramValueCodableRoundTripsTypes() throws {
    let values: [ParamValue] = [.int(1), .double(1.0), .double(0.25), .double(.infinity), .string("1"), .bool(false), .null, .list([.int(1), .string("a")])]
    let data = try JSONEncoder().encode(values)
    let back = try JSONDecoder().decode([ParamValue].self, from: data)
    #expect(back == values)
  }
}
