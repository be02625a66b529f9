/// Values pinned from the format's definition (docs/design.md, "Chunking"). The gear words
/// and the first cuts were computed independently by a plain Python implementation of the
/// same definition. If one of these changes, every existing repository would stop
/// deduplicating against new data: never update them to make a test pass — bump the
/// chunking format instead.
enum GoldenVectors {
  static let gear0: UInt64 = 10_040_264_812_757_957_723
  static let gear255: UInt64 = 13_357_850_705_602_552_167
  /// Cut lengths at the start of 8 MiB of `pseudoRandomBytes(seed: 2026)`.
  static let firstCuts = [104375, 74180, 86344, 33975, 73683, 48940, 66378, 55480]
  static let cutCount = 118
}
