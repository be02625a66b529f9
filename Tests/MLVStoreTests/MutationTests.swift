import Foundation
import MLVSystem
import Testing

@testable import MLVStore

/// Deterministic mutation test of the file-list, pack and index parsers over the committed
/// seed corpus (issue 9, "Tests"; Tests/Corpus/README.md), through the store's public API.
/// Nothing may crash or hang, and nothing accepted may decode to wrong bytes: a file list
/// is accepted only in its one canonical byte form; a checksummed index open refuses every
/// mutation; and with a damaged pack or (unchecksummed, as routine opens are) index, every
/// object read either throws or returns bytes that hash to the id asked for. The pointer
/// and manifest parsers are in MLVWorkspaceTests/MutationTests.swift.
@Suite(.timeLimit(.minutes(2))) struct StoreMutationTests {
  static let fileListMutations = 2000
  static let storeFileMutations = 1500

  @Test func fileListParserRefusesOrRoundTripsEveryMutation() throws {
    let seeds = try seedCorpus("filelist")
    #expect(seeds.count >= 2)
    var accepted = 0
    for (k, seed) in seeds.enumerated() {
      let valid = try FileList.decode(seed.bytes, id: ObjectID.hash(seed.bytes))
      #expect(valid.encode() == seed.bytes)
      // The count field, and each chunk's length field.
      let offsets = [8] + Array(stride(from: 16 + 32, to: seed.bytes.count, by: 36))
      var m = Mutator(seed: 0xf11e_0000 + UInt64(k), fieldOffsets: offsets, donors: seeds.map(\.bytes))
      for i in 0..<Self.fileListMutations {
        let input = m.mutate(seed.bytes)
        guard let list = try? FileList.decode(input, id: ObjectID.hash(input)) else { continue }
        accepted += 1
        #expect(list.encode() == input, "seed \(seed.name) mutation \(i) accepted in a non-canonical form")
        #expect(list.chunks.count >= 2 && list.chunks.allSatisfy { $0.length > 0 })
        #expect(list.size == list.chunks.reduce(Int64(0)) { $0 + Int64($1.length) })
      }
    }
    #expect(accepted > 0, "flipped chunk ids are valid file lists of other content")
  }

  /// The corpus store: its pack and index, and every object the index names.
  struct Seeds {
    var packPath: String  // relative to the store root
    var pack: [UInt8]
    var indexPath: String
    var index: [UInt8]
    var records: [IndexFormat.Record]
  }

  /// The corpus stores: `store` as the current mlv writes it (pack version 2, zstd) and
  /// `store-zlib`, frozen as written by mlv before zstd (pack version 1, zlib), with the
  /// codec each must exercise.
  struct CorpusStore: Sendable, CustomTestStringConvertible {
    var directory: String
    var codec: Codec
    var testDescription: String { directory }
  }
  static let stores = [CorpusStore(directory: "store", codec: .zstd), CorpusStore(directory: "store-zlib", codec: .zlib)]

  func seeds(_ directory: String, codec: Codec) throws -> Seeds {
    let root = corpusDirectory() + "/" + directory
    let packs = try FileManager.default.subpathsOfDirectory(atPath: root + "/packs").filter { $0.hasSuffix(".pack") }
    let indexes = try FileManager.default.contentsOfDirectory(atPath: root + "/index").filter { $0.hasSuffix(".idx") }
    #expect(packs.count == 1 && indexes.count == 1, "the corpus store holds one pack and its index")
    let packPath = "packs/" + packs[0]
    let indexPath = "index/" + indexes[0]
    let records = try IndexFile(path: root + "/" + indexPath, verifyChecksum: true).allRecords()
    #expect(records.count >= 10)
    #expect(Set(records.map(\.location.type)) == [.chunk, .fileList, .manifest], "every object type is seeded")
    #expect(Set(records.map(\.location.codec)) == [.raw, codec], "\(directory) holds raw and \(codec) objects")
    return Seeds(
      packPath: packPath, pack: try readFile(root + "/" + packPath), indexPath: indexPath,
      index: try readFile(root + "/" + indexPath), records: records)
  }

  /// Opens a store holding `pack` and `index` at the seed's paths and reads every object
  /// in `ids`: each read throws or returns bytes hashing to its id. Returns how many
  /// objects were read successfully.
  func readEverything(root: String, _ s: Seeds, pack: [UInt8], index: [UInt8], ids: [ObjectID]) throws -> Int {
    try writeFile(root + "/" + s.packPath, pack)
    try writeFile(root + "/" + s.indexPath, index)
    guard let store = try? DiskStore(root: root) else { return 0 }
    var good = 0
    for id in ids {
      guard let bytes = try? store.read(id) else { continue }
      #expect(ObjectID.hash(bytes) == id, "read \(id.hex) returned bytes that are not its content")
      good += 1
    }
    // File lists through their public reader: if it answers, it answers the truth.
    for r in s.records where r.location.type == .fileList {
      if let chunks = try? store.chunks(ofFile: r.id, size: Int64.max) { Issue.record("wrong size accepted: \(chunks.count)") }
    }
    return good
  }

  @Test(arguments: Self.stores) func damagedPacksNeverYieldWrongBytes(_ store: CorpusStore) throws {
    let s = try seeds(store.directory, codec: store.codec)
    let root = makeTempDir("mlv-mutate-pack")
    defer { removeTree(root) }
    let ids = s.records.map(\.id)
    #expect(try readEverything(root: root, s, pack: s.pack, index: s.index, ids: ids) == ids.count)
    // Header and trailer fields: entry count, and each entry's lengths.
    let headerStart = s.pack.count - 12 - s.records.count * 44
    var offsets = [s.pack.count - 12]
    for i in 0..<s.records.count { offsets += [headerStart + i * 44 + 36, headerStart + i * 44 + 40] }
    var m = Mutator(seed: 0x9ac0_0001, fieldOffsets: offsets)
    var survivors = 0
    for _ in 0..<Self.storeFileMutations {
      let pack = m.mutate(s.pack)
      try writeFile(root + "/" + s.packPath, pack)
      if let file = try? POSIXFile.openForReading(root + "/" + s.packPath), let header = try? PackFormat.readHeader(file).entries {
        // A header that parses tiles the space before it exactly.
        let end = header.last.map { Int64($0.offset) + Int64($0.entry.storedLength) } ?? 0
        #expect(end == Int64(pack.count - 12 - header.count * 44))
      }
      survivors += try readEverything(root: root, s, pack: pack, index: s.index, ids: ids)
    }
    // Most mutations leave most objects readable (and verified): the reads were exercised.
    #expect(survivors > ids.count * Self.storeFileMutations / 4)
  }

  @Test(arguments: Self.stores) func damagedIndexesAreRefusedOrNeverYieldWrongBytes(_ store: CorpusStore) throws {
    let s = try seeds(store.directory, codec: store.codec)
    let root = makeTempDir("mlv-mutate-index")
    defer { removeTree(root) }
    // Header counts, the fan-out table and each entry's pack number, offset and lengths.
    let packCount = Int(s.index[8])
    let entries = 16 + packCount * 32 + 1024
    var offsets = [8, 12] + Array(stride(from: 16 + packCount * 32, to: entries, by: 4))
    for i in 0..<s.records.count { offsets += [32, 36, 40, 44, 48].map { entries + i * 52 + $0 } }
    var m = Mutator(seed: 0x1de0_0002, fieldOffsets: offsets)
    let ids = s.records.map(\.id)
    for _ in 0..<Self.storeFileMutations {
      let index = m.mutate(s.index)
      let path = root + "/" + s.indexPath
      try writeFile(path, index)
      #expect(throws: StoreError.self, "a checksummed open refuses any change") {
        _ = try IndexFile(path: path, verifyChecksum: true)
      }
      var asked = ids
      if let opened = try? IndexFile(path: path, verifyChecksum: false), let records = try? opened.allRecords() {
        asked += records.map(\.id)
      }
      _ = try readEverything(root: root, s, pack: s.pack, index: index, ids: asked)
    }
  }
}
