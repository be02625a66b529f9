import Testing

@testable import MLVStore

@Suite struct CompressionTests {
  @Test func deflateInflateRoundTrip() throws {
    let text = csvText(rows: 2000)
    let packed = try #require(text.withUnsafeBytes { Compression.deflate($0) })
    #expect(packed.count < text.count / 2)
    #expect(packed.withUnsafeBytes { Compression.inflate($0, rawLength: text.count) } == text)
  }

  @Test func deflateDeclinesRandomAndEmptyData() {
    let random = randomBytes(64 * 1024, seed: 21)
    #expect(random.withUnsafeBytes { Compression.deflate($0) } == nil)
    #expect([UInt8]().withUnsafeBytes { Compression.deflate($0) } == nil)
  }

  @Test func inflateRejectsDamage() throws {
    let text = csvText(rows: 500)
    let packed = try #require(text.withUnsafeBytes { Compression.deflate($0) })
    // Wrong recorded length, either way.
    #expect(packed.withUnsafeBytes { Compression.inflate($0, rawLength: text.count - 1) } == nil)
    #expect(packed.withUnsafeBytes { Compression.inflate($0, rawLength: text.count + 1) } == nil)
    // Truncated stream.
    #expect(Array(packed.dropLast(10)).withUnsafeBytes { Compression.inflate($0, rawLength: text.count) } == nil)
    // A flipped byte breaks the stream or its Adler-32.
    var flipped = packed
    flipped[flipped.count / 2] ^= 0xff
    #expect(flipped.withUnsafeBytes { Compression.inflate($0, rawLength: text.count) } == nil)
    #expect(randomBytes(100, seed: 22).withUnsafeBytes { Compression.inflate($0, rawLength: 100) } == nil)
    #expect([UInt8]().withUnsafeBytes { Compression.inflate($0, rawLength: 10) } == nil)
  }

  @Test func entropyPredictsCompressibility() {
    let csv = csvText(rows: 1000)
    let random = randomBytes(32 * 1024, seed: 23)
    #expect(csv.withUnsafeBytes { Entropy.worthCompressing($0) })
    #expect(!random.withUnsafeBytes { Entropy.worthCompressing($0) })
    #expect(random.withUnsafeBytes { Entropy.bitsPerByte($0) } > 7.9)
    #expect([UInt8](repeating: 65, count: 1000).withUnsafeBytes { Entropy.bitsPerByte($0) } == 0)
    // Too small a sample to judge.
    #expect(!Array(csv.prefix(10)).withUnsafeBytes { Entropy.worthCompressing($0) })
  }
}
