import Foundation
import Testing

@testable import MLVExperiments

@Suite struct TOMLTests {
  func parse(_ text: String) throws -> ParamsFile { try ParamsFile.parse(text, format: .toml, path: "p.toml") }

  @Test func readsTablesKeysAndValueKinds() throws {
    let text = #"""
      title = "mlv \"run\"\t\u00e9" # comment
      literal = 'C:\path'
      [train]
      lr = 1e-3
      epochs = 1_000
      hex = 0xff
      oct = 0o17
      bin = 0b101
      neg = -3.5
      big = +inf
      on = true
      layers = [64, 128,
        256, # trailing comma ok
      ]
      opt = { name = "adam", beta = { b1 = 0.9 } }
      data.path = "d.csv"
      "quoted key" = 1
      [train.sched]
      kind = """
      cos\
         ine"""
      raw = '''
      a'b'''
      [[runs]]
      id = 1
      [[runs]]
      id = 2
      """#
    let p = try parse(text)
    #expect(p["title"] == .string("mlv \"run\"\té"))
    #expect(p["literal"] == .string("C:\\path"))
    #expect(p["train.lr"] == .double(0.001))
    #expect(p["train.epochs"] == .int(1000))
    #expect(p["train.hex"] == .int(255))
    #expect(p["train.oct"] == .int(15))
    #expect(p["train.bin"] == .int(5))
    #expect(p["train.neg"] == .double(-3.5))
    #expect(p["train.big"] == .double(.infinity))
    #expect(p["train.on"] == .bool(true))
    #expect(p["train.layers"] == .list([.int(64), .int(128), .int(256)]))
    #expect(p["train.opt.name"] == .string("adam"))
    #expect(p["train.opt.beta.b1"] == .double(0.9))
    #expect(p["train.data.path"] == .string("d.csv"))
    #expect(p["train.quoted key"] == .int(1))
    #expect(p["train.sched.kind"] == .string("cosine"))
    #expect(p["train.sched.raw"] == .string("a'b"))
    #expect(p["runs.0.id"] == .int(1))
    #expect(p["runs.1.id"] == .int(2))
    #expect(p.entries.first?.key == "title")
  }

  @Test(arguments: [
    ("a = 1\na = 2\n", 2, "defined more than once"),
    ("[t]\nx = 1\n[t]\ny = 2\n", 3, "defined more than once"),
    ("a = \"unterminated\n", 1, "unterminated string"),
    ("a = 01\n", 1, "invalid value"),
    ("a = 1 b = 2\n", 1, "end of the line"),
    ("x = 1\ny = 1979-05-27\n", 2, "dates and times are not supported"),
    ("a = \"\\q\"\n", 1, "invalid escape"),
    ("a = { b = 1,\n c = 2 }\n", 1, "inline table"),
    ("a = 1\n[a]\n", 2, "defined more than once"),
    ("a = 1\n[a.b]\n", 2, "not a table"),
    ("[t]\nx.y = 1\n[t.x]\n", 3, "defined more than once"),
    ("a = [1, 2\n", 2, "unterminated array"),
    ("a = 1__0\n", 1, "invalid value"),
    ("= 1\n", 1, "key"),
  ])
  func strictErrorsCarryLineNumbers(text: String, line: Int, reason: String) throws {
    do {
      _ = try parse(text)
      Issue.record("expected an error for \(text.debugDescription)")
    } catch let ExperimentError.malformedParams(path, l, r) {
      #expect(path == "p.toml")
      #expect(l == line, "\(r)")
      #expect(r.contains(reason), "\(r)")
    }
  }

  @Test func subTableOfDottedKeyTableIsAllowed() throws {
    let p = try parse("[fruit]\napple.color = \"red\"\n[fruit.apple.texture]\nsmooth = true\n")
    #expect(p["fruit.apple.color"] == .string("red"))
    #expect(p["fruit.apple.texture.smooth"] == .bool(true))
  }

  @Test func implicitTableCanBeDefinedLater() throws {
    let p = try parse("[a.b]\nx = 1\n[a]\ny = 2\n")
    #expect(p.entries.map(\.key) == ["a.b.x", "a.y"])
  }
}
