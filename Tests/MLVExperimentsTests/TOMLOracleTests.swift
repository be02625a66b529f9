import Foundation
import Testing

@testable import MLVExperiments

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

  @Test(arguments: invalid.indices)
  func rejectsWhatTomllibRejects(index: Int) throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let doc = TOMLOracleTests.invalid[index]
    let path = try dir.write("doc.toml", doc)
    let r = try CommandRunner(workingDirectory: dir.url.path, stderr: .file(dir.path("err")))
      .run(argv: ["python3", "-c", "import tomllib,sys; tomllib.load(open(sys.argv[1],'rb'))", path])
    #expect(r.exitCode != 0, "tomllib accepted document \(index)")
    #expect(throws: ExperimentError.self, "document \(index): \(doc)") {
      try ParamsFile.parse(doc, format: .toml, path: "doc.toml")
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
    out = []
    emit("", tomllib.load(open(sys.argv[1], "rb")), out)
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

  @Test(arguments: documents.indices)
  func matchesTomllib(index: Int) throws {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let doc = TOMLOracleTests.documents[index].replacingOccurrences(of: "\\n", with: "\n")
    let path = try dir.write("doc.toml", doc)
    let script = try dir.write("flatten.py", TOMLOracleTests.python)
    let out = dir.path("python.txt")
    let r = try CommandRunner(workingDirectory: dir.url.path, stdout: .file(out)).run(argv: ["python3", script, path])
    try #require(r.exitCode == 0, "tomllib rejected document \(index)")
    let expected = try dir.read("python.txt").trimmingCharacters(in: .newlines)
    let mine = TOMLOracleTests.swiftLines(try ParamsFile.parse(doc, format: .toml, path: "doc.toml").entries)
    #expect(mine == expected, "document \(index):\n\(doc)")
  }
}
