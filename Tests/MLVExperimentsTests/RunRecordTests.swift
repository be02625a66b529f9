import Foundation
import Testing

@testable import MLVExperiments

@Suite struct RunRecordTests {
  static func sample(name: String = "baseline", lr: Double = 0.001, acc: Double = 0.9) -> RunRecord {
    RunRecord(
      name: name, stage: "train", command: ["python3", "train.py"], wdir: ".",
      paramsFiles: [.init(path: "params.yaml", id: "abc")],
      params: ["train.lr": .double(lr), "train.epochs": .int(10), "train.w": .double(1.0)],
      deps: ["data/train.csv": "d1"], outs: ["models/": "o1"],
      metrics: ["acc": .double(acc), "loss": .double(0.25)], exitCode: 0,
      startedAt: Date(timeIntervalSince1970: 1_700_000_000.5), durationSeconds: 12.5,
      environment: RunEnvironment(os: "Linux", mlvVersion: "0.1.0", interpreters: ["python3": "3.11.7"], variables: ["TZ": "UTC"]),
      commit: "0123456789abcdef")
  }

  @Test func canonicalJsonIsStableAndRoundTrips() throws {
    let r = RunRecordTests.sample()
    let data = try r.canonicalJSON()
    let text = String(decoding: data, as: UTF8.self)
    #expect(try r.canonicalJSON() == data)
    #expect(text.hasSuffix("}\n"))
    #expect(text.contains("\"startedAt\" : \"2023-11-14T22:13:20.500Z\""))
    #expect(text.contains("\"models/\""))  // slashes are not escaped
    // keys are sorted at every level
    let keys = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
    #expect(keys == keys.sorted())
    let back = try RunRecord.decode(data, path: "r.json")
    #expect(back == r)
    #expect(back.params["train.w"] == .double(1.0))
    #expect(back.startDate == Date(timeIntervalSince1970: 1_700_000_000.5))
    #expect(throws: ExperimentError.self) { try RunRecord.decode(Data("{}".utf8), path: "r.json") }
    // the direct reader and JSONDecoder agree, including optional fields left out
    #expect(try JSONDecoder().decode(RunRecord.self, from: data) == back)
    var bare = r
    (bare.stage, bare.commit, bare.signal, bare.cacheKey) = (nil, nil, 2, "k")
    bare.metrics = ["nan": .double(.nan), "l": .list([.double(2.0), .string("s")])]
    let bareBack = try RunRecord.decode(try bare.canonicalJSON(), path: "r.json")
    #expect(bareBack.stage == nil && bareBack.commit == nil && bareBack.signal == 2 && bareBack.cacheKey == "k")
    #expect(bareBack.metrics["l"] == .list([.double(2.0), .string("s")]))
    #expect(bareBack.metrics["nan"]?.canonical == "nan")
  }

  @Test func flatParamsPrefixesSecondaryFiles() throws {
    let a = try ParamsFile.parse("lr: 1\n", format: .yaml, path: "params.yaml")
    let b = try ParamsFile.parse("{\"lr\": 2}", format: .json, path: "model.json")
    #expect(RunRecord.flatParams([a, b]) == ["lr": .int(1), "model.json:lr": .int(2)])
  }
}

@Suite struct StageCacheKeyTests {
  @Test func sha256MatchesKnownVectors() {
    #expect(SHA256Digest.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(SHA256Digest.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
    #expect(SHA256Digest.hex(long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    #expect(SHA256Digest.hex([UInt8](repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  @Test func keyIgnoresOrderButNotContent() {
    let p1 = [ParamEntry(key: "b", value: .int(1)), ParamEntry(key: "a", value: .double(0.1))]
    let p2 = [ParamEntry(key: "a", value: .double(0.1)), ParamEntry(key: "b", value: .int(1))]
    let k1 = StageCacheKey(command: "python3 train.py", deps: ["x": "1", "./y": "2"], params: p1)
    let k2 = StageCacheKey(command: "python3 train.py", deps: ["y": "2", "x": "1"], params: p2)
    #expect(k1 == k2)
    #expect(k1.digest.count == 64)
    #expect(k1.canonical == """
      mlv-stage-v1
      cmd "python3 train.py"
      wdir "."
      dep "x" "1"
      dep "y" "2"
      param "a" 0.1
      param "b" 1

      """)
    #expect(StageCacheKey(command: "python3 train.py", deps: ["x": "1", "y": "3"], params: p1) != k1)
    #expect(StageCacheKey(command: "python3 train.py ", deps: ["x": "1", "y": "2"], params: p1) != k1)
    #expect(StageCacheKey(command: "python3 train.py", deps: ["x": "1", "y": "2"], params: [ParamEntry(key: "a", value: .string("0.1")), p1[0]]) != k1)
  }
}
