import Foundation
import MLVSystem

/// Deterministic mutations of valid inputs, for the parser mutation tests (issue 9, "Tests"):
/// the same seed always yields the same sequence, so a failure names its seed and index and
/// reproduces exactly. Mutations are what damage and hostile editing produce: bit flips,
/// overwritten bytes, truncation, extension, duplicated and spliced ranges, and integer
/// boundary values written over length and count fields.
public struct Mutator {
  /// SplitMix64: tiny, fast and good enough to drive choices.
  public struct Random {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    /// Uniform in 0..<n (n > 0).
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
  }

  /// Little-endian integers a parser must survive in any length or count field.
  public static let boundaryValues: [UInt64] = [
    0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x1_0000, 0x7fff_ffff, 0x8000_0000,
    0xffff_fffe, 0xffff_ffff, 0x1_0000_0000, 0x7fff_ffff_ffff_ffff, 0x8000_0000_0000_0000,
    0xffff_ffff_ffff_fffe, 0xffff_ffff_ffff_ffff,
  ]

  public var random: Random
  /// Offsets of known length/count fields of the format, hit more often than chance would.
  public var fieldOffsets: [Int]
  /// Other valid inputs of the same kind, to splice from.
  public var donors: [[UInt8]]

  public init(seed: UInt64, fieldOffsets: [Int] = [], donors: [[UInt8]] = []) {
    random = Random(seed: seed)
    self.fieldOffsets = fieldOffsets
    self.donors = donors
  }

  /// One to three mutations of `input`; the result always differs from it.
  public mutating func mutate(_ input: [UInt8]) -> [UInt8] {
    var out = input
    for _ in 0..<(1 + random.below(3)) { out = mutateOnce(out) }
    if out == input { out.append(UInt8(truncatingIfNeeded: random.next())) }
    return out
  }

  mutating func mutateOnce(_ input: [UInt8]) -> [UInt8] {
    var b = input
    if b.isEmpty { return [UInt8(truncatingIfNeeded: random.next())] }
    switch random.below(9) {
    case 0:  // flip one bit
      b[random.below(b.count)] ^= UInt8(1) << UInt8(random.below(8))
    case 1:  // set a byte to a random or special value
      let specials: [UInt8] = [0, 0xff, 0x7f, 0x80, 0x0a, 0x20, 0x2f, 0x2e, 0x30, 0x39]
      b[random.below(b.count)] = random.below(2) == 0 ? UInt8(truncatingIfNeeded: random.next()) : specials[random.below(specials.count)]
    case 2:  // truncate
      b.removeLast(1 + random.below(b.count))
    case 3:  // extend with random bytes
      for _ in 0..<(1 + random.below(64)) { b.append(UInt8(truncatingIfNeeded: random.next())) }
    case 4:  // duplicate a range in place
      let start = random.below(b.count)
      let end = min(b.count, start + 1 + random.below(64))
      b.insert(contentsOf: b[start..<end], at: random.below(b.count + 1))
    case 5:  // delete a range
      let start = random.below(b.count)
      b.removeSubrange(start..<min(b.count, start + 1 + random.below(32)))
    case 6:  // splice: our head, a donor's tail
      guard let donor = donors.isEmpty ? nil : donors[random.below(donors.count)], !donor.isEmpty else { break }
      b = Array(b.prefix(random.below(b.count + 1))) + donor.suffix(random.below(donor.count + 1))
    default:  // a boundary integer over a known field (or anywhere), 1 to 8 bytes wide
      let width = [1, 2, 4, 8][random.below(4)]
      let known = fieldOffsets.filter { $0 + width <= b.count }
      let at = !known.isEmpty && random.below(4) != 0 ? known[random.below(known.count)] : random.below(b.count)
      let value = Self.boundaryValues[random.below(Self.boundaryValues.count)]
      for k in 0..<width where at + k < b.count { b[at + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
    }
    return b
  }
}

/// The committed seed corpus of valid inputs made by mlv itself (Tests/Corpus, see its
/// README): every file under `kind`, sorted by name.
public func seedCorpus(_ kind: String, filePath: String = #filePath) throws -> [(name: String, bytes: [UInt8])] {
  let root = corpusDirectory(filePath: filePath) + "/" + kind
  let names = try FileManager.default.contentsOfDirectory(atPath: root).filter { !$0.hasPrefix(".") }.sorted()
  return try names.map { ($0, try readFile(root + "/" + $0)) }
}

/// Tests/Corpus, found from a source file of any test target.
public func corpusDirectory(filePath: String = #filePath) -> String {
  var url = URL(fileURLWithPath: filePath)
  while url.lastPathComponent != "Tests" && url.path != "/" { url.deleteLastPathComponent() }
  return url.path + "/Corpus"
}
