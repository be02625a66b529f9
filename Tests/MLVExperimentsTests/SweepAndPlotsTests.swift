import Foundation
import Testing

@testable import MLVExperiments

@Suite struct SweepGridTests {
  @Test func commaListsFormAGridFirstFlagSlowest() throws {
    let points = try SweepGrid.points(["lr=0.1,0.01", "epochs=10,20,30", "seed=1"])
    #expect(points.count == 6)
    #expect(points.map { $0.map(Sweep.describe) }.first == ["lr=0.1", "epochs=10", "seed=1"])
    #expect(points.map { $0.map(Sweep.describe) }.last == ["lr=0.01", "epochs=30", "seed=1"])
    #expect(SweepGrid.isSweep(["lr=0.1,0.01"]) && !SweepGrid.isSweep(["lr=0.1", "x=[1, 2]"]))
  }

  @Test func escapesBracketsAndQuotesAreNotSplit() throws {
    #expect(SweepGrid.split("a\\,b,c") == ["a,b", "c"])
    #expect(SweepGrid.split("[1, 2],[3]") == ["[1, 2]", "[3]"])
    #expect(SweepGrid.split("'x,y',z") == ["'x,y'", "z"])
    #expect(SweepGrid.split("back\\\\slash") == ["back\\slash"])
    #expect(throws: ExperimentError.self) { try SweepGrid.points(["lr=0.1,,0.2"]) }
    #expect(throws: ExperimentError.self) { try SweepGrid.points(["noequals"]) }
  }

  @Test func aHugeGridIsRefusedNotAllocated() throws {
    let axis = "k=" + (0..<1000).map(String.init).joined(separator: ",")
    #expect(throws: ExperimentError.self) { try SweepGrid.points([axis, axis.replacingOccurrences(of: "k=", with: "j="), "z=1,2"]) }
  }
}

@Suite struct StepSeriesTests {
  @Test func csvAndJsonLinesWithAStepColumn() throws {
    let csv = try StepSeries.parse(Array("step,loss,acc\n0,1.0,0.1\n1,0.5,\n2,0.25,0.3\n".utf8), path: "s.csv")
    #expect(csv["loss"]?.map(\.y) == [1.0, 0.5, 0.25] && csv["loss"]?.map(\.x) == [0, 1, 2])
    #expect(csv["acc"]?.map(\.x) == [0, 2])  // an empty cell is skipped
    let jsonl = try StepSeries.parse(Array("{\"epoch\": 1, \"loss\": 3}\n{\"epoch\": 2, \"loss\": 2, \"tag\": \"x\"}\n".utf8), path: "s.jsonl")
    #expect(jsonl.keys.sorted() == ["loss"] && jsonl["loss"]?.map(\.x) == [1, 2])
    #expect(throws: ExperimentError.self) { try StepSeries.parse(Array("{\"a\": 1}\nnot json\n".utf8), path: "bad.jsonl") }
    // no step column: the row number
    #expect(try StepSeries.parse(Array("loss\n5\n4\n".utf8), path: "x.csv")["loss"]?.map(\.x) == [0, 1])
  }

  @Test func thePageEscapesTextAndNeedsNoNetwork() {
    let run = PlotsPage.Run(
      name: "<script>alert(1)</script>", params: ["lr": .double(0.1)], metrics: ["acc": .double(0.5)],
      series: ["s.csv: loss": [(0, 1), (1, 0.5)]])
    var other = run
    other.name = "b"
    other.params["lr"] = .double(0.2)
    let rec = RunRecordTests.sample(name: "x")
    let page = PlotsPage(runs: [run, other], table: ExperimentTable(records: [rec])).render()
    #expect(!page.contains("<script>") && page.contains("&lt;script&gt;"))
    #expect(page.contains("<polyline") && page.contains("<circle") && page.contains("acc vs lr"))
    #expect(!page.contains("src=") && !page.contains("https://"))
  }

  @Test func axesTickAtRoundNumbers() {
    let a = Axis([0.13, 0.87])
    #expect(a.lo == 0 && a.hi >= 0.87 && a.ticks.contains(0.2))
    let flat = Axis([5, 5])
    #expect(flat.lo < 5 && flat.hi > 5)
  }
}

extension SpawningTests {
  @Suite struct RunJournalTests {
    @Test func recoverPutsFilesAndTheIndexBack() throws {
      let repo = try ScratchRepo()
      defer { repo.dir.cleanup() }
      try repo.write("params.yaml", "lr: 1\n")
      let indexBefore = try repo.ws.git.indexSnapshot()
      let journal = try RunJournal(in: repo.ws)
      try journal.save(repo.ws.absolute("params.yaml"))
      try journal.save(repo.ws.absolute("new.txt"))
      try repo.write("params.yaml", "lr: 2\n")
      try repo.write("new.txt", "made by the run\n")
      try repo.ws.git.stage(["params.yaml", "new.txt"])
      // the process dies here: no rollback; the next command recovers
      let restored = try RunJournal.recover(in: repo.ws)
      #expect(Set(restored) == ["params.yaml", "new.txt", "git index"])
      #expect(try repo.dir.read("params.yaml") == "lr: 1\n")
      #expect(!FileManager.default.fileExists(atPath: repo.ws.absolute("new.txt")))
      #expect(try repo.ws.git.indexSnapshot() == indexBefore)
      #expect(try RunJournal.recover(in: repo.ws).isEmpty)
    }

    @Test func aJournalNamingAPathOutsideIsRefused() throws {
      let repo = try ScratchRepo()
      defer { repo.dir.cleanup() }
      let dir = RunJournal.directory(in: repo.ws)
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      try Data(#"{"pid":1,"index":false,"files":[{"path":"../escape","backup":null}]}"#.utf8).write(to: URL(fileURLWithPath: dir + "/journal.json"))
      #expect(throws: ExperimentError.self) { try RunJournal.recover(in: repo.ws) }
    }
  }
}
