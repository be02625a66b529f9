import Testing

@testable import MLVStore

@Suite struct ObjectIDTests {
  let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

  @Test func hashOfABCIsTheKnownSHA256() {
    #expect(ObjectID.hash(Array("abc".utf8)).hex == abc)
  }

  @Test func emptyIsTheDigestOfNoBytes() {
    #expect(ObjectID.empty.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
  }

  @Test func hexRoundTripAndBytes() throws {
    let id = try #require(ObjectID(hex: abc))
    #expect(id.hex == abc)
    #expect(id == ObjectID.hash(Array("abc".utf8)))
    #expect(id.bytes == bytes(fromHex: abc))
    #expect(ObjectID(bytes: id.bytes) == id)
    #expect(id.firstByte == 0xba)
    #expect(id.shortHex == "ba7816bf8f01")
  }

  @Test(arguments: [
    "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",  // upper case
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a",  // 63 digits
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0",  // 65 digits
    "ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",  // non-hex
    " a7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",  // space
    "",
  ])
  func rejectsNonCanonicalHex(_ text: String) {
    #expect(ObjectID(hex: text) == nil)
  }

  @Test func rejectsWrongByteCount() {
    #expect(ObjectID(bytes: [UInt8](repeating: 0, count: 31)) == nil)
  }

  @Test func orderingEqualsHexOrdering() {
    var ids = (0..<200).map { ObjectID.hash(Array("object \($0)".utf8)) }
    // Ids that differ only in later words exercise the tuple comparison past w0.
    ids.append(ObjectID(w0: 1, w1: 0, w2: 0, w3: 2))
    ids.append(ObjectID(w0: 1, w1: 0, w2: 0, w3: 1))
    ids.append(ObjectID(w0: 1, w1: 0, w2: 1, w3: 0))
    #expect(ids.sorted().map(\.hex) == ids.map(\.hex).sorted())
  }
}
