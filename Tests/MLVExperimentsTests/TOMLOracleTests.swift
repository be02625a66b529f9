import Foundation
import Testing

@testable import MLVExperiments

extension SpawningTests {
  /// Cross-checks the TOML reader against Python's tomllib (Python 3.11+, present on the
  /// development and CI machines for fixtures): both flatten the same documents to
  /// `key<TAB>type<TAB>value` lines that must match exactly.
  @Suite struct TOMLOracleTests {
    static let documents: [String] = [
      #"a = 1\nb = -0\nc = +17\nd = 1_000_000\ne = 0xDEAD_beef\nf = 0o755\ng = 0b1101"#,
      #"f1 = 1.0\nf2 = 3.1415\nf3 = -0.01\nf4 = 5e+22\nf5 = 1e06\nf6 = -2E-2\nf7 = 6.626e-34\nf8 = 224_617.445_991\nf9 = inf\nf10 = -inf"#,
      #"s1 = "tab\there \"q\" \\ \u00E9 \U0001F600"\ns2 = 'C:\Users\x'\ns3 = """\nRoses are red\nViolets are blue"""\ns4 = """\\n  The quick \\n\n  brown fox."""\ns5 = '''\nfirst\n  second'''\ns6 = """a""b"""\ns7 = ''''quoted' '''"#,
      #"[a.b.c]\nx = 1\n[a]\ny = 2\n[a.d]\nz = 3"#,
      #"name = { first = "Tom", last = "P", nested.deep = 1 }\npoint = {x=1,y=2}\nempty = {}"#,
      #"site."google.com" = true\n"a.b" = 1\n'lit key' = 2\nfruit . color = "red"\nfruit.flavor = "sweet""#,
      #"arr1 = [ 1, 2, 3 ]\narr2 = [ "red", "yellow", ]\narr3 = [ [ 1, 2 ], [3, 4, 5] ]\narr4 = [\n  1, # one\n  2,\n]\narr5 = [ { x = 1 }, { x = 2 } ]\narr6 = []"#,
      #"[[products]]\nname = "Hammer"\nsku = 738594937\n[[products]]\n[[products]]\nname = "Nail"\ncolor = "gray""#,
      #"[[fruits]]\nname = "apple"\n[fruits.physical]\ncolor = "red"\n[[fruits.varieties]]\nname = "red delicious"\n[[fruits.varieties]]\nname = "granny smith"\n[[fruits]]\nname = "banana""#,
      #"# only comments\n\n   # indented comment\nkey = "value" # trailing\n[t] # header comment\nk = true"#,
      #"[fruit]\napple.color = "red"\napple.taste.sweet = true\n[fruit.apple.texture]\nsmooth = true"#,
      "a = 1\r\n[b]\r\nc = \"x\"\r\n",
    ]

    static let invalid: [String] = [
      "a = 1\na = 2", "[t]\n[t]", "a = {b = 1}\na.c = 2", "x = [1,,2]", "k = 'a\nb'", "a.b = 1\n[a]",
      "[[t]]\n[t]", "t = [1]\n[[t]]", "x = 1.", "x = .5", "x = 1e", "x = 0x", "x = +0x1", "x = 1__2",
      "x = tru", "x = \"\\x41\"", "[a]\nb = 1\n[a.b]", "x = {a = 1,}", "k = 1 2", "[ ]", "x = 07",
    ]

    @Test func rejectsWhatTomllibRejects() throws {
      let dir = try TempDir()
      defer { dir.cleanup() }
      let paths = try TOMLOracleTests.invalid.indices.map { try dir.write("bad\($0).toml", TOMLOracleTests.invalid[$0]) }
      let script = "import tomllib,sys\nfor p in sys.argv[1:]:\n  try: tomllib.load(open(p,'rb')); print('accepted')\n  except Exception: print('rejected')"
      let r = try CommandRunner(workingDirectory: dir.url.path, stdout: .file(dir.path("out")))
        .run(argv: ["python3", "-c", script] + paths)
      try #require(r.exitCode == 0)
      let verdicts = try dir.read("out").split(separator: "\n")
      #expect(verdicts.count == paths.count)
      for (i, doc) in TOMLOracleTests.invalid.enumerated() {
        #expect(verdicts.dropFirst(i).first == "rejected", "tomllib accepted document \(i)")
        #expect(throws: ExperimentError.self, "document \(i): \(doc)") {
          try ParamsFile.parse(doc, format: .toml, path: "doc.toml")
        }
      }
    }

    static let python = #"""
      import sys, tomllib, json
      def emit(prefix, v, out):
          if isinstance(v, dict):
              for k, x in v.items(): emit(k if not prefix else prefix + "." + k, x, out)
          elif isinstance(v, list) and any(isinstance(i, dict) or (isinstance(i, list) and not scalar_list(i)) for i in v):
              for i, x in enumerate(v): emit(prefix + "." + str(i) if prefix else str(i), x, out)
          else:
              out.append(prefix + "\t" + render(v))
      def scalar_list(l): return all(not isinstance(i, dict) and (not isinstance(i, list) or scalar_list(i)) for i in l)
      def render(v):
          if isinstance(v, bool): return "bool\t" + ("true" if v else "false")
          if isinstance(v, int): return "int\t" + str(v)
          if isinstance(v, float): return "float\t" + ("inf" if v == float("inf") else "-inf" if v == float("-inf") else repr(v))
          if isinstance(v, str): return "str\t" + json.dumps(v, ensure_ascii=False)
          return "list\t" + "[" + ", ".join(render(i).split("\t", 1)[1] for i in v) + "]"
      for path in sys.argv[1:]:
          out = []
          emit("", tomllib.load(open(path, "rb")), out)
          print("=== doc")
          print("\n".join(out))
      """#

    static func swiftLines(_ entries: [ParamEntry]) -> String {
      func render(_ v: ParamValue) -> String {
        switch v {
        case .bool(let b): return "bool\t\(b)"
        case .int(let i): return "int\t\(i)"
        case .double(let d): return "float\t" + ParamValue.render(d)
        case .string(let s): return "str\t" + JSONText.quote(s)
        case .null: return "null\tnull"
        case .list(let items): return "list\t[" + items.map { render($0).split(separator: "\t", maxSplits: 1)[1] }.joined(separator: ", ") + "]"
        }
      }
      return entries.map { $0.key + "\t" + render($0.value) }.joined(separator: "\n")
    }

    @Test func matchesTomllib() throws {
      let dir = try TempDir()
      defer { dir.cleanup() }
      let docs = TOMLOracleTests.documents.map { $0.replacingOccurrences(of: "\\n", with: "\n") }
      let paths = try docs.indices.map { try dir.write("doc\($0).toml", docs[$0]) }
      let script = try dir.write("flatten.py", TOMLOracleTests.python)
      let r = try CommandRunner(workingDirectory: dir.url.path, stdout: .file(dir.path("out")))
        .run(argv: ["python3", script] + paths)
      try #require(r.exitCode == 0, "tomllib rejected a document")
      let expected = try dir.read("out").components(separatedBy: "=== doc\n").dropFirst()
      #expect(expected.count == docs.count)
      for (i, doc) in docs.enumerated() {
        let mine = TOMLOracleTests.swiftLines(try ParamsFile.parse(doc, format: .toml, path: "doc.toml").entries)
        #expect(mine + "\n" == expected.dropFirst(i).first, "document \(i):\n\(doc)")
      }
    }
  }
}
