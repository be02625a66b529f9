import Foundation
import Testing

@testable import MLVGit

@Suite struct StatusTests {
  /// Our entries in `git status --porcelain` notation.
  private func porcelain(_ entries: [GitStatusEntry]) -> Set<String> {
    func code(_ s: GitFileStatus?) -> String {
      switch s {
      case .new?: "A"
      case .modified?: "M"
      case .deleted?: "D"
      case .renamed?: "R"
      case .typechange?: "T"
      case nil: " "
      }
    }
    return Set(
      entries.map { e in
        if e.isUntracked { return "?? \(e.path)" }
        let path = e.oldPath.map { "\($0) -> \(e.path)" } ?? e.path
        return code(e.indexStatus) + code(e.workdirStatus) + " " + path
      })
  }

  @Test func matchesPorcelainStatus() throws {
    let t = try TestRepo()
    try t.commit(
      "first",
      [
        "a.txt": "one", "data/x.mlv": String(repeating: "pointer\n", count: 20), "README": "r",
        ".gitignore": "*.bin\n",
      ])
    #expect(try t.repo.status().isEmpty)

    try t.write("a.txt", "changed")
    try t.remove("README")
    try t.write("n.txt", "new")
    try t.repo.stage(["n.txt"])
    try t.write("n.txt", "newer")
    try t.write("u/v/w.txt", "untracked in a directory")
    try t.write("f.bin", "ignored")
    try FileManager.default.moveItem(atPath: t.dir + "/data/x.mlv", toPath: t.dir + "/data/z.mlv")
    try t.repo.stage(["data/x.mlv", "data/z.mlv"])

    let entries = try t.repo.status()
    let expected: Set<String> = [
      " M a.txt", " D README", "AM n.txt", "?? u/v/w.txt", "R  data/x.mlv -> data/z.mlv",
    ]
    #expect(porcelain(entries) == expected)
    let cli = try git(["status", "--porcelain", "-uall"], in: t.dir)
    #expect(Set(cli.split(separator: "\n").map(String.init)) == expected)
    #expect(entries.map(\.path) == ["README", "a.txt", "data/z.mlv", "n.txt", "u/v/w.txt"])
    #expect(entries.first { $0.path == "u/v/w.txt" }?.workdirStatus == .new)

    #expect(try t.repo.isIgnored("f.bin"))
    #expect(try t.repo.isIgnored("never/created.bin"))
    #expect(try !t.repo.isIgnored("a.txt"))
  }
}
