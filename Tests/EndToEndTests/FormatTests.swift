import Testing

@testable import MLVCommands

/// Counts as every command prints them: grouped by thousands with commas in any locale.
@Suite struct FormatTests {
  @Test func countsAreGroupedByThousands() {
    let cases: [(Int, String)] = [
      (0, "0"), (7, "7"), (999, "999"), (1000, "1,000"), (20_000, "20,000"), (100_000, "100,000"),
      (1_234_567, "1,234,567"), (-1500, "-1,500"), (Int.min, "-9,223,372,036,854,775,808"),
    ]
    for (n, text) in cases { #expect(Format.count(n) == text) }
    #expect(Format.count(1, "file") == "1 file")
    #expect(Format.count(2000, "file") == "2,000 files")
  }
}
