import Testing

@testable import MLVStore
@testable import MLVWorkspace

/// The streaming check a restore into no data validates with (FreshRestore.swift): a path
/// that is also a directory of a later path is found however far apart the two sort, and
/// nothing else is refused.
@Suite struct NestingCheckTests {
  func check(_ sorted: [String]) -> String? {
    var c = NestingCheck(root: ObjectID(w0: 1, w1: 2, w2: 3, w3: 4))
    do {
      for p in sorted { try c.add(p) }
      return nil
    } catch {
      return "\(error)"
    }
  }

  @Test func aFileThatIsAlsoADirectoryIsFoundAcrossItsSiblings() {
    // "a" < "a!x" < "a.b" < "a/x" in byte order: the file and the path inside it are not
    // neighbours.
    let found = check(["a", "a!x", "a.b", "a/x"])
    #expect(found?.contains("a is both a file and a directory") == true, "\(found ?? "nil")")
    #expect(check(["d/a", "d/a b", "d/a-c/x", "d/a.b", "d/a/x"])?.contains("d/a is both") == true)
    #expect(check(["x", "y", "y/z/w"])?.contains("y is both") == true)
    #expect(check(["p/q", "p/q/r/s"])?.contains("p/q is both") == true)
  }

  @Test func listingsWithoutSuchAPathPass() {
    #expect(check(["a", "a!x", "a.b", "ab/x", "b/c", "b/c.d", "b/cd/e"]) == nil)
    #expect(check(["c000/f1", "c000/f2", "c001/f3", "c0010/f4"]) == nil)
    #expect(check([]) == nil)
  }
}
