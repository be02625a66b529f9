/// The parameters that decide where content-defined chunk boundaries fall.
///
/// They are written to the repository config at `mlv init` and read back on every run, so
/// the same bytes always cut at the same places in one repository even if a later mlv
/// changes its defaults; changing them would silently defeat deduplication against
/// everything stored before (docs/design.md, "Chunking").
public struct ChunkerParameters: Codable, Equatable, Sendable {
  /// No chunk is shorter than this, except the last chunk of a file.
  public var minSize: Int
  /// The size the normalized cut masks aim for; a power of two.
  public var averageSize: Int
  /// A cut is forced here when no content-defined boundary was found.
  public var maxSize: Int
  /// Seeds the gear table (SplitMix64); part of the format, like the sizes.
  public var seed: UInt64
  /// FastCDC normalization level: the small mask has `log2(avg) + level` bits, the large
  /// one `log2(avg) - level`, which pulls chunk sizes towards the average.
  public var normalization: Int

  public init(minSize: Int, averageSize: Int, maxSize: Int, seed: UInt64, normalization: Int) {
    self.minSize = minSize
    self.averageSize = averageSize
    self.maxSize = maxSize
    self.seed = seed
    self.normalization = normalization
  }

  /// 16 / 64 / 256 KiB: 64 KiB keeps the index at ~16k entries per GiB (52 bytes each,
  /// under 1 MB/GiB) while a 2% scattered edit still dirties only ~2-4% of the chunks.
  public static let `default` = ChunkerParameters(
    minSize: 16 * 1024, averageSize: 64 * 1024, maxSize: 256 * 1024,
    seed: 0x6d6c_7621_6765_6172, normalization: 2)

  /// Throws a description of the first inconsistency, so a hand-edited config fails loudly.
  public func validate() throws {
    func fail(_ why: String) -> ChunkerError { .invalidParameters(why) }
    guard averageSize > 0, averageSize & (averageSize - 1) == 0 else {
      throw fail("average size \(averageSize) is not a power of two")
    }
    guard minSize >= 64, minSize < averageSize, averageSize < maxSize else {
      throw fail("sizes must satisfy 64 <= min < average < max (got \(minSize), \(averageSize), \(maxSize))")
    }
    guard maxSize <= 16 * 1024 * 1024 else { throw fail("max size \(maxSize) exceeds 16 MiB") }
    let bits = averageSize.trailingZeroBitCount
    guard normalization >= 0, normalization < bits, bits + normalization <= 48 else {
      throw fail("normalization level \(normalization) does not fit an average of \(averageSize)")
    }
  }
}

public enum ChunkerError: Error, CustomStringConvertible, Equatable {
  case invalidParameters(String)

  public var description: String {
    switch self {
    case .invalidParameters(let why): return "invalid chunker parameters: \(why)"
    }
  }
}
