import Foundation
import MLVSystem
import Testing

@testable import MLVChunking
@testable import MLVStore
@testable import MLVWorkspace

/// Deterministic mutation test of the pointer and manifest parsers over the committed seed
/// corpus (issue 9, "Tests"; Tests/Corpus/README.md). Each mutated input must either be
/// refused with a clean error or decode to a value whose canonical encoding is exactly the
/// input: both formats have one byte form per content, so anything else accepted would be
/// a second spelling of some content, or content that was never written. A crash or a hang
/// fails the whole run. The file-list, pack and index parsers are in
/// MLVStoreTests/MutationTests.swift.
@Suite(.timeLimit(.minutes(2))) struct WorkspaceMutationTests {
  static let mutationsPerSeed = 2000

  @Test func pointerParserRefusesOrRoundTripsEveryMutation() throws {
    let seeds = try seedCorpus("pointer")
    #expect(seeds.count >= 3)
    var accepted = 0
    for (k, seed) in seeds.enumerated() {
      let valid = try Pointer.decode(seed.bytes, file: seed.name)
      #expect(valid.encode() == seed.bytes, "seed \(seed.name) is canonical")
      // Field offsets: the value after each "key: ".
      let offsets = seed.bytes.indices.filter { $0 > 0 && seed.bytes[$0 - 1] == UInt8(ascii: " ") }
      var m = Mutator(seed: 0x5eed_0000 + UInt64(k), fieldOffsets: offsets, donors: seeds.map(\.bytes))
      for i in 0..<Self.mutationsPerSeed {
        let input = m.mutate(seed.bytes)
        guard let p = try? Pointer.decode(input, file: "mutant") else { continue }
        accepted += 1
        #expect(p.encode() == input, "seed \(seed.name) mutation \(i) accepted in a non-canonical form: \(input)")
        if p.kind == .file { #expect(p.files == 1) }
      }
    }
    // Some mutations are valid pointers (a changed digit of the size): the check above ran.
    #expect(accepted > 0)
  }

  @Test func manifestParserRefusesOrRoundTripsEveryMutation() throws {
    let seeds = try seedCorpus("manifest")
    #expect(seeds.count >= 2)
    var accepted = 0
    for (k, seed) in seeds.enumerated() {
      let valid = try Manifest.decode(seed.bytes, id: seed.name)
      #expect(valid.encode() == seed.bytes, "seed \(seed.name) is canonical")
      // Field offsets: the size after each "f " / "x " at a line start.
      let offsets = seed.bytes.indices.filter { $0 >= 2 && seed.bytes[$0 - 1] == 32 && ($0 == 2 || seed.bytes[$0 - 3] == 10) }
      var m = Mutator(seed: 0x3a71_f000 + UInt64(k), fieldOffsets: offsets, donors: seeds.map(\.bytes))
      for i in 0..<Self.mutationsPerSeed {
        let input = m.mutate(seed.bytes)
        guard let manifest = try? Manifest.decode(input, id: "mutant") else { continue }
        accepted += 1
        #expect(manifest.encode() == input, "seed \(seed.name) mutation \(i) accepted in a non-canonical form")
        // Accepted means every path passed validation and the sizes add up.
        for e in manifest.entries { try RepoPath.validate(e.path, context: "mutant") }
        #expect(try Sizes.sum(manifest.entries.map(\.size), "mutant") == manifest.totalSize)
      }
    }
    #expect(accepted > 0)
  }

  /// Regenerates Tests/Corpus with mlv itself (`MLV_WRITE_CORPUS=1 swift test --filter
  /// writeSeedCorpus`); the corpus is committed so every run mutates the same seeds. Tiny
  /// chunker sizes (64 / 256 / 1024 bytes) give multi-chunk files, file lists and a pack of
  /// a few kilobytes.
  @Test(.enabled(if: ProcessInfo.processInfo.environment["MLV_WRITE_CORPUS"] == "1"))
  func writeSeedCorpus() throws {
    let repo = try TestRepo()
    defer { repo.cleanup() }
    let params = ChunkerParameters(
      minSize: 64, averageSize: 256, maxSize: 1024, seed: ChunkerParameters.default.seed, normalization: 2)
    try RepoConfig(chunking: params).save(repo.ws.configPath)
    let ws = try Workspace.open(cwd: repo.root)
    var csv = "id,name,score\n"
    for i in 0..<60 { csv += "\(i),name-\(i % 7),\(Double(i) * 1.5)\n" }
    try repo.write("data/train.csv", csv)
    try repo.write("data/sub/weights.bin", randomBytes(2500, seed: 1))
    try repo.write("data/run.sh", "#!/bin/sh\necho run\n")
    chmod(repo.path("data/run.sh"), 0o755)
    try repo.write("data/empty", "")
    try repo.write("names/ünïcode ñame.txt", "ü\n")
    try repo.write("names/with space/x.txt", "x\n")
    try repo.write("model.bin", randomBytes(3000, seed: 2))
    try repo.write("empty.txt", "")
    let added = try ws.add(["data", "names", "model.bin", "empty.txt"]).results

    let out = corpusDirectory()
    removeTree(out + "/pointer")
    removeTree(out + "/manifest")
    removeTree(out + "/filelist")
    removeTree(out + "/store")
    for r in added {
      let pointerPath = Pointer.pointerPath(forData: r.path)
      try writeFile(out + "/pointer/" + pointerPath, try repo.read(pointerPath))
      if r.pointer.kind == .dir { try writeFile(out + "/manifest/" + r.path, try ws.store.read(r.pointer.oid)) }
      for e in try ws.entries(of: r.pointer) where ws.store.info(e.oid)?.type == .fileList {
        try writeFile(out + "/filelist/" + e.oid.hex.prefix(16), try ws.store.read(e.oid))
      }
    }
    try FileManager.default.copyItem(atPath: ws.storeRoot, toPath: out + "/store")
    removeTree(out + "/store/tmp")
  }
}
