import Foundation
import Testing

@testable import MLVWorkspace

/// gitignore semantics, checked against a hand-written table and against
/// `git check-ignore --no-index` as an independent witness.
@Suite struct IgnoreRulesTests {
  static let rules = [
    "# a comment line",
    "*.tmp",
    "!keep.tmp",
    "/rootonly",
    "build/",
    "**/cache",
    "a/**/b",
    "file[a-c].txt",
    "\\#hash",
    "logs/*.log",
    "!logs/important.log",
    "trailing   ",
    "docs/**",
    "q?.bin",
    "[!x]y.dat",
  ].joined(separator: "\n")

  /// Repository-relative paths; a trailing '/' marks a directory. Expected: ignored or not,
  /// counting ignored parent directories (the walker never enters them).
  static let table: [(String, Bool)] = [
    ("x.tmp", true), ("sub/y.tmp", true), ("keep.tmp", false), ("sub/keep.tmp", false),
    ("rootonly", true), ("sub/rootonly", false),
    ("build/", true), ("build/f", true), ("sub/build/", true), ("sub2/build", false),
    ("cache/", true), ("cache/f", true), ("deep/er/cache/", true), ("deep/er/cache/f", true), ("cachex", false),
    ("a/b", true), ("a/x/y/b", true), ("a/c", false), ("x/a/b", false),
    ("filea.txt", true), ("filec.txt", true), ("filed.txt", false), ("sub/fileb.txt", true),
    ("#hash", true), ("# a comment line", false), ("hash", false),
    ("logs/x.log", true), ("logs/important.log", false), ("logs/sub/x.log", false), ("other/logs/x.log", false),
    ("trailing", true), ("trailing   ", false),
    ("docs/", false), ("docs/x", true), ("docs/a/b", true),
    ("q1.bin", true), ("q12.bin", false), ("sub/qz.bin", true),
    ("ay.dat", true), ("xy.dat", false),
  ]

  /// The walker's view: a path is ignored when it or any parent directory is.
  static func effectivelyIgnored(_ rules: IgnoreRules, _ entry: String) -> Bool {
    let isDir = entry.hasSuffix("/")
    let path = isDir ? String(entry.dropLast()) : entry
    let parts = path.split(separator: "/")
    for i in 1..<max(parts.count, 1) where rules.isIgnored(parts[0..<i].joined(separator: "/"), isDirectory: true) {
      return true
    }
    return rules.isIgnored(path, isDirectory: isDir)
  }

  /// The walker's form (parent directory + name, with fast paths for literal and `*.ext`
  /// rules) decides exactly like the full-path form on every entry of both tables.
  @Test func parentAndNameFormAgreesWithFullPaths() {
    for (text, table) in [(Self.rules, Self.table), (Self.edgeRules, Self.edgeTable)] {
      let rules = IgnoreRules(text: text)
      for (entry, _) in table {
        let isDir = entry.hasSuffix("/")
        let path = isDir ? String(entry.dropLast()) : entry
        let parent = path.split(separator: "/").dropLast().joined(separator: "/")
        let name = String(path.split(separator: "/").last ?? "")
        #expect(rules.isIgnored(parent: parent, name: name, isDirectory: isDir) == rules.isIgnored(path, isDirectory: isDir), "\(entry)")
      }
    }
  }

  @Test func table() {
    let rules = IgnoreRules(text: Self.rules)
    for (path, expected) in Self.table {
      #expect(Self.effectivelyIgnored(rules, path) == expected, "\(path)")
    }
  }

  @Test func gitAgrees() throws {
    let ignoredByGit = try Self.gitIgnored(Self.rules, Self.table)
    let rules = IgnoreRules(text: Self.rules)
    for (entry, _) in Self.table {
      let path = entry.hasSuffix("/") ? String(entry.dropLast()) : entry
      #expect(Self.effectivelyIgnored(rules, entry) == ignoredByGit.contains(path), "\(entry): git says \(ignoredByGit.contains(path))")
    }
  }

  static let edgeRules = [
    "x/a**b", "\\!bang", "m/n/", "*.[oa]", "[abc", "sp\\ ", "deep/**/x/**/y", "[a-]z", "[]]x", "*~",
    "/dironly/", "k[!0-9]k",
  ].joined(separator: "\n")

  static let edgeTable: [(String, Bool)] = [
    ("x/aqb", true), ("x/a/y/b", false), ("!bang", true), ("bang", false),
    ("m/n/", true), ("k/m/n/", false), ("n/", false),
    ("f.o", true), ("f.a", true), ("f.c", false), ("[abc", false),
    ("sp ", true), ("sp", false),
    ("deep/x/y", true), ("deep/1/x/2/y", true), ("deep/z", false),
    ("az", true), ("-z", true), ("bz", false), ("]x", true),
    ("file~", true), ("dironly/", true), ("sub/dironly/", false), ("dironly2", false),
    ("kak", true), ("k1k", false),
  ]


  /// Runs `git check-ignore --no-index` over `table` (creating each entry) with `rules`.
  static func gitIgnored(_ rules: String, _ table: [(String, Bool)]) throws -> Set<String> {
    let dir = makeTempDir("mlvignore")
    defer { removeTree(dir) }
    try git(["init", "-q"], in: dir)
    try writeFile(dir + "/.gitignore", rules + "\n")
    for (entry, _) in table {
      if entry.hasSuffix("/") {
        try FileManager.default.createDirectory(atPath: dir + "/" + entry, withIntermediateDirectories: true)
      } else {
        try writeFile(dir + "/" + entry, "x")
      }
    }
    let paths = table.map { $0.0.hasSuffix("/") ? String($0.0.dropLast()) : $0.0 }
    let out = try git(["check-ignore", "--no-index", "--"] + paths, in: dir, allowFailure: true)
    return Set(out.output.split(separator: "\n").map(String.init))
  }

  @Test func gitAgreesOnEdgeCases() throws {
    let byGit = try Self.gitIgnored(Self.edgeRules, Self.edgeTable)
    let rules = IgnoreRules(text: Self.edgeRules)
    for (entry, expected) in Self.edgeTable {
      let path = entry.hasSuffix("/") ? String(entry.dropLast()) : entry
      #expect(byGit.contains(path) == expected, "git on \(entry)")
      #expect(Self.effectivelyIgnored(rules, entry) == expected, "mlv on \(entry)")
    }
  }

  @Test func emptyAndCommentOnlyRulesIgnoreNothing() {
    let rules = IgnoreRules(text: "# nothing\n\n   \n")
    #expect(rules.isEmpty)
    #expect(!rules.isIgnored("anything", isDirectory: false))
    #expect(IgnoreRules.empty.isEmpty)
  }

  @Test func lastMatchWins() {
    let rules = IgnoreRules(text: "*.csv\n!important.csv\nimportant.csv\n!x.csv\n")
    #expect(!rules.isIgnored("x.csv", isDirectory: false))
    #expect(rules.isIgnored("y.csv", isDirectory: false))
    #expect(rules.isIgnored("important.csv", isDirectory: false))
  }

  @Test func crlfLineEndingsAreAccepted() {
    // "\r\n" is one Character: splitting Characters on "\n" would never split it.
    let rules = IgnoreRules(text: "*.csv\r\n!important.csv\r\n")
    #expect(rules.isIgnored("x.csv", isDirectory: false))
    #expect(!rules.isIgnored("important.csv", isDirectory: false))
  }

  @Test func defaultIgnoreFileMatchesEditorAndOSLitter() {
    let rules = IgnoreRules(text: Workspace.defaultIgnoreText)
    #expect(rules.isIgnored("data/.DS_Store", isDirectory: false))
    #expect(rules.isIgnored("data/x.swp", isDirectory: false))
    #expect(rules.isIgnored("data/pkg/__pycache__", isDirectory: true))
    #expect(!rules.isIgnored("data/pkg/__pycache__", isDirectory: false))
    #expect(!rules.isIgnored("data/train.csv", isDirectory: false))
  }
}
