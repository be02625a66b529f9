/// Checked sums of sizes read from pointers and manifests. Each size fits in Int64, but a
/// teammate's commit can make their sum overflow, and Swift's `+` traps on overflow: every
/// sum of untrusted sizes goes through here and becomes an error naming its source.
enum Sizes {
  /// `a + b`, or `sizesOverflow(context)`.
  @inline(__always)
  static func add(_ a: Int64, _ b: Int64, _ context: @autoclosure () -> String) throws -> Int64 {
    let (sum, overflow) = a.addingReportingOverflow(b)
    if overflow { throw WorkspaceError.sizesOverflow(context()) }
    return sum
  }

  /// The sum of `sizes`, or `sizesOverflow(context)`.
  static func sum(_ sizes: some Sequence<Int64>, _ context: @autoclosure () -> String) throws -> Int64 {
    var total: Int64 = 0
    for s in sizes {
      let (sum, overflow) = total.addingReportingOverflow(s)
      if overflow { throw WorkspaceError.sizesOverflow(context()) }
      total = sum
    }
    return total
  }

  /// `a + b`, clamped at Int64.max: for counters of bytes already written, which only
  /// reports read.
  @inline(__always)
  static func saturating(_ a: Int64, _ b: Int64) -> Int64 {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? .max : sum
  }
}

/// Small wording helpers for warnings the workspace prints through its progress sink.
enum Wording {
  /// "a.bin is" / "3 files (a.bin, b.bin, ...) are".
  static func files(_ paths: [String]) -> String {
    if paths.count == 1 { return "\(paths[0]) is" }
    return "\(paths.count) files (" + paths.sorted().prefix(3).joined(separator: ", ") + (paths.count > 3 ? ", ..." : "") + ") are"
  }
}
