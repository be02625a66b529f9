import Foundation
import Testing

@testable import MLVExperiments

@Suite struct ExperimentTableTests {
  func record(_ name: String, lr: Double?, acc: ParamValue?, at t: Double, commit: String? = "abcdef0123") -> RunRecord {
    var r = RunRecordTests.sample(name: name)
    r.params = lr.map { ["lr": .double($0), "opt": .string("adam")] } ?? ["opt": .string("sgd, fast")]
    r.metrics = acc.map { ["acc": $0] } ?? [:]
    r.startedAt = RunRecord.timestamp(Date(timeIntervalSince1970: t))
    r.commit = commit
    return r
  }

  var records: [RunRecord] {
    [
      record("run-2", lr: 0.01, acc: .double(0.91), at: 1_700_000_000),
      record("run-10", lr: 0.1, acc: .double(0.85), at: 1_700_000_060, commit: nil),
      record("run-1", lr: nil, acc: nil, at: 1_700_000_120),
      record("run-3", lr: 0.001, acc: .double(0.95), at: 1_700_000_180),
    ]
  }

  @Test func columnsAndAlignedText() throws {
    let t = ExperimentTable(records: records)
    #expect(t.headers == ["run", "stage", "base", "time", "lr", "opt", "acc"])
    #expect(t.columns.map(\.group) == [nil, nil, nil, nil, "params.yaml", "params.yaml", "metrics"])
    #expect(t.renderText() == """
                                                   params.yaml       metrics
      run     stage  base     time                    lr  opt         acc
      ------  -----  -------  -------------------  -----  ---------  ----
      run-2   train  abcdef0  2023-11-14 22:13:20   0.01  adam       0.91
      run-10  train  -        2023-11-14 22:14:20    0.1  adam       0.85
      run-1   train  abcdef0  2023-11-14 22:15:20      -  sgd, fast     -
      run-3   train  abcdef0  2023-11-14 22:16:20  0.001  adam       0.95

      """)
  }

  @Test func precisionRoundsTextOnlyAndFilesFormGroups() throws {
    var r = record("r", lr: 0.123456789, acc: .double(0.987654321), at: 1_700_000_000)
    r.params["other.yaml:seed"] = .int(7)
    r.metrics["eval.json:auc"] = .double(2.0 / 3.0)
    var t = ExperimentTable(records: [r], dataLocal: [false])
    t.precision = 3
    #expect(t.headers == ["run", "stage", "base", "time", "data", "lr", "opt", "other.yaml:seed", "acc", "eval.json:auc"])
    #expect(t.columns.compactMap(\.group) == ["params.yaml", "params.yaml", "other.yaml", "metrics", "eval.json"])
    let text = t.renderText()
    #expect(text.contains("0.123") && !text.contains("0.1234") && text.contains("0.988") && text.contains("0.667"))
    #expect(text.contains("remote"))
    // the group line names each file once, over its first column; the header drops the file
    let lines = text.split(separator: "\n")
    #expect(lines[0].contains("params.yaml") && lines[0].contains("other.yaml") && lines[0].contains("eval.json"))
    #expect(lines[1].contains(" seed") && !lines[1].contains("other.yaml:"))
    // CSV and JSON keep every digit
    #expect(t.renderCSV().contains("0.123456789") && t.renderJSON().contains("0.987654321"))
    #expect(ExperimentTable.rounded(.int(123456), 2) == "123456")
  }

  @Test func sortsNumericallyWithMissingLast() throws {
    var t = ExperimentTable(records: records)
    try t.sort(by: "acc", descending: true)
    #expect(t.rows.map { $0[0]?.canonical } == ["run-3", "run-2", "run-10", "run-1"])
    try t.sort(by: "metrics:acc")
    #expect(t.rows.map { $0[0]?.canonical } == ["run-10", "run-2", "run-3", "run-1"])
    try t.sort(by: "run")
    #expect(t.rows.map { $0[0]?.canonical } == ["run-1", "run-2", "run-3", "run-10"])
    #expect(throws: ExperimentError.unknownSortKey(key: "nope")) { try t.sort(by: "nope") }
  }

  @Test func csvQuotesPerRfc4180() throws {
    let t = ExperimentTable(records: Array(records[1...2]))
    #expect(t.renderCSV() == "run,stage,base,time,lr,opt,acc\r\nrun-10,train,,2023-11-14 22:14:20,0.1,adam,0.85\r\nrun-1,train,abcdef0,2023-11-14 22:15:20,,\"sgd, fast\",\r\n")
  }

  @Test func jsonGroupsParamsAndMetrics() throws {
    let t = ExperimentTable(records: [records[0]], metrics: ["acc"])
    #expect(t.renderJSON() == """
      [
        {
          "run": "run-2",
          "stage": "train",
          "base": "abcdef0",
          "time": "2023-11-14 22:13:20",
          "params": {
            "lr": 0.01,
            "opt": "adam"
          },
          "metrics": {
            "acc": 0.91
          }
        }
      ]

      """)
  }

  @Test func aThousandRunsRenderQuickly() throws {
    let many = (0..<1000).map { i in
      var r = RunRecordTests.sample(name: "run-\(i)", lr: Double(i) / 1000, acc: Double((i * 7919) % 1000) / 1000)
      for k in 0..<10 { r.params["p\(k)"] = .int(i * k) }
      return r
    }
    let clock = ContinuousClock()
    let elapsed = try clock.measure {
      var t = ExperimentTable(records: many)
      try t.sort(by: "acc", descending: true)
      _ = t.renderText()
      _ = t.renderCSV()
      _ = t.renderJSON()
    }
    // Reported, not asserted (the 1 s target is measured by scripts/bench-exp-show.sh).
    print("exp show of \(many.count) runs: \(elapsed)")
  }
}

@Suite struct RunDiffTests {
  @Test func reportsAddedRemovedChangedWithDeltas() throws {
    let old: [String: ParamValue] = ["acc": .double(0.8), "loss": .int(2), "gone": .string("x"), "same": .int(1)]
    let new: [String: ParamValue] = ["acc": .double(0.9), "loss": .int(1), "added": .bool(true), "same": .int(1)]
    let d = RunDiff.diff(old: old, new: new)
    #expect(d.map(\.key) == ["acc", "added", "gone", "loss"])
    #expect(d.map(\.kind) == [.changed, .added, .removed, .changed])
    let acc = try #require(d.first)
    #expect(abs((acc.absoluteDelta ?? 0) - 0.1) < 1e-12)
    #expect(abs((acc.relativeDelta ?? 0) - 0.125) < 1e-12)
    #expect(d[3].absoluteDelta == -1)
    #expect(d[3].relativeDelta == -0.5)
    #expect(RunDiff.diff(old: old, new: new, includeUnchanged: true).count == 5)
    #expect(RunDiff.render([d[3], d[1]], oldLabel: "a", newLabel: "b") == """
      key    a     b  change     rel
      -----  -  ----  ------  ------
      loss   2     1      -1  -50.0%
      added  -  true   added

      """)
  }

  @Test func metricComparisonHonoursTolerance() {
    #expect(MetricComparison.compare(.double(0.9), .double(0.9)) == .identical)
    #expect(MetricComparison.compare(.int(1), .double(1.0)) == .differs(delta: 0) || MetricComparison.compare(.int(1), .double(1.0)) == .withinTolerance(delta: 0))
    #expect(MetricComparison.compare(.double(0.9), .double(0.905), absolute: 0.01) == .withinTolerance(delta: 0.905 - 0.9))
    #expect(MetricComparison.compare(.double(100), .double(101), relative: 0.02) == .withinTolerance(delta: 1))
    #expect(MetricComparison.compare(.double(100), .double(103), relative: 0.02) == .differs(delta: 3))
    #expect(MetricComparison.compare(.string("a"), .string("b"), absolute: 10) == .differs(delta: nil))
    #expect(MetricComparison.compare(nil, .int(1)) == .differs(delta: nil))
    #expect(MetricComparison.compare(.double(.nan), .double(.nan)) == .identical)
    let all = MetricComparison.compareAll(old: ["a": .int(1), "b": .int(2)], new: ["a": .int(1), "b": .int(5)], absolute: 1)
    #expect(all["a"] == .identical)
    #expect(all["b"]?.isAcceptable == false)
  }
}

@Suite struct MetricsTests {
  @Test func loadsJsonAndYamlFlattened() throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let j = try dir.write("metrics.json", #"{"eval": {"acc": 0.9, "n": 100}, "note": "ok"}"#)
    let m = try Metrics.load(path: j)
    #expect(m.entries.map(\.key) == ["eval.acc", "eval.n", "note"])
    #expect(m["eval.acc"]?.number == 0.9)
    #expect(m["note"] == .string("ok"))
    let y = try dir.write("m.yml", "loss: 0.25\ntrain:\n  time: 12\n")
    #expect(try Metrics.load(path: y)["train.time"] == .int(12))
  }

  @Test func malformedOrMissingFilesAreNamed() throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let bad = try dir.write("metrics.json", "{\"acc\": 0.9,,}")
    do {
      _ = try Metrics.load(path: bad)
      Issue.record("expected an error")
    } catch let e as ExperimentError {
      #expect("\(e)".hasPrefix(bad + ": malformed metrics: line 1"))
    }
    #expect(throws: ExperimentError.fileNotFound(path: dir.path("none.json"))) { try Metrics.load(path: dir.path("none.json")) }
    let list = try dir.write("list.yaml", "- 1\n")
    #expect(throws: ExperimentError.malformedMetrics(path: list, reason: "the top level must be a mapping")) { try Metrics.load(path: list) }
    let txt = try dir.write("m.txt", "acc=1")
    #expect(throws: ExperimentError.self) { try Metrics.load(path: txt) }
  }
}
