import Foundation
import Testing

@testable import MLVStore
@testable import MLVWorkspace

@Suite struct StatCacheTests {
  /// Sets a file's mtime `secondsAgo` in the past, out of the racy window.
  func age(_ path: String, secondsAgo: Double) throws {
    let date = Date(timeIntervalSinceNow: -secondsAgo)
    try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: path)
  }

  /// A cache of several MiB is written through the save's buffer in many pieces, hashed as
  /// it goes: it must load back whole (its checksum right), every entry a hit.
  @Test func aLargeCacheRoundTripsThroughTheStreamedSave() throws {
    let dir = makeTempDir()
    defer { removeTree(dir) }
    let old = FileStat(size: 100, mtimeNs: 1_000_000_000, ctimeNs: 1_000_000_000, inode: 7, executable: false)
    let cache = StatCache(path: dir + "/stat-cache")
    let n = 60_000  // ~5 MB of entries
    for i in 0..<n {
      var st = old
      st.inode = UInt64(i)
      cache.record("data/folder\(i % 97)/a-long-enough-file-name-\(i).bin", st, ObjectID.hash(Array("\(i)".utf8)))
    }
    cache.save()
    #expect((try FileManager.default.attributesOfItem(atPath: dir + "/stat-cache")[.size] as? Int ?? 0) > 4 << 20)
    let loaded = StatCache(path: dir + "/stat-cache")
    var hits = 0
    for i in stride(from: 0, to: n, by: 7) {
      var st = old
      st.inode = UInt64(i)
      if loaded.lookup("data/folder\(i % 97)/a-long-enough-file-name-\(i).bin", st) == ObjectID.hash(Array("\(i)".utf8)) { hits += 1 }
    }
    #expect(hits == (n + 6) / 7)
    #expect(loaded.takeDiscardNotice() == nil)
  }

  @Test func saveLoadRoundTripAndMisses() throws {
    let dir = makeTempDir()
    defer { removeTree(dir) }
    let file = dir + "/data.csv"
    try writeFile(file, "a,b\n1,2\n")
    try age(file, secondsAgo: 10)
    let st = try #require(FileStat.of(file))
    let id = ObjectID.hash(Array("a,b\n1,2\n".utf8))
    let cache = StatCache(path: dir + "/stat-cache")
    cache.record("data/data.csv", st, id)
    cache.record("data/other ünïcode name", st, ObjectID.empty)
    cache.save()

    let loaded = StatCache(path: dir + "/stat-cache")
    #expect(loaded.lookup("data/data.csv", st) == id)
    #expect(loaded.lookup("data/other ünïcode name", st) == ObjectID.empty)
    #expect(loaded.lookup("data/unknown", st) == nil)
    var changed = st
    changed.size += 1
    #expect(loaded.lookup("data/data.csv", changed) == nil)
    changed = st
    changed.mtimeNs += 1
    #expect(loaded.lookup("data/data.csv", changed) == nil)
    changed = st
    changed.inode += 1
    #expect(loaded.lookup("data/data.csv", changed) == nil)
    changed = st
    changed.ctimeNs += 1
    #expect(loaded.lookup("data/data.csv", changed) == nil)
    changed = st
    changed.executable.toggle()
    #expect(loaded.lookup("data/data.csv", changed) == nil)

    // A real rewrite of the file changes its stat data.
    try writeFile(file, "a,b\n1,3\n")
    try age(file, secondsAgo: 5)
    #expect(loaded.lookup("data/data.csv", try #require(FileStat.of(file))) == nil)

    loaded.forget(prefix: "data")
    loaded.save()
    #expect(StatCache(path: dir + "/stat-cache").lookup("data/data.csv", st) == nil)
  }

  @Test func racilyCleanEntriesAreNotPersisted() throws {
    let dir = makeTempDir()
    defer { removeTree(dir) }
    let file = dir + "/fresh"
    try writeFile(file, "just written")
    // Racy whatever the load (see racilyCleanEntriesAreRecheckedAgainstTheFile).
    try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 5)], ofItemAtPath: file)
    let st = try #require(FileStat.of(file))
    let cache = StatCache(path: dir + "/stat-cache")
    cache.record("fresh", st, ObjectID.hash(Array("just written".utf8)))
    cache.save()
    #expect(StatCache(path: dir + "/stat-cache").lookup("fresh", st) == nil)
  }

  /// With a root to re-check against, a racy entry is kept when its file is still the same
  /// after the tick, and dropped when it changed meanwhile.
  @Test func racilyCleanEntriesAreRecheckedAgainstTheFile() throws {
    let dir = makeTempDir()
    defer { removeTree(dir) }
    try writeFile(dir + "/same", "unchanged")
    try writeFile(dir + "/changed", "version 1")
    // Timestamps a few seconds ahead stay racy however slowly a loaded machine gets to the
    // save (a fresh mtime is racy for only 20 ms).
    for name in ["same", "changed"] {
      try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 5)], ofItemAtPath: dir + "/" + name)
    }
    let same = try #require(FileStat.of(dir + "/same"))
    let changed = try #require(FileStat.of(dir + "/changed"))
    let cache = StatCache(path: dir + "/stat-cache")
    cache.rootForRecheck = dir
    cache.record("same", same, ObjectID.hash(Array("unchanged".utf8)))
    cache.record("changed", changed, ObjectID.hash(Array("version 1".utf8)))
    try writeFile(dir + "/changed", "version 2 is longer")
    cache.save()
    let loaded = StatCache(path: dir + "/stat-cache")
    #expect(loaded.lookup("same", same) == ObjectID.hash(Array("unchanged".utf8)))
    #expect(loaded.lookup("changed", changed) == nil)
  }

  /// A directory summary survives a save and answers only for exactly the same stats.
  @Test func directorySummaryMatchesOnlyUnchangedStats() throws {
    let dir = makeTempDir()
    defer { removeTree(dir) }
    let st = FileStat(size: 3, mtimeNs: 1_000, ctimeNs: 1_000, inode: 7, executable: false)
    let files: [String: (stat: FileStat, id: ObjectID)] = ["a/x": (st, .empty), "b/y": (st, .empty)]
    let manifest = ObjectID.hash(Array("m".utf8))
    let cache = StatCache(path: dir + "/stat-cache")
    cache.recordManifestID(manifest, for: "data", files: files)
    cache.save()
    let loaded = StatCache(path: dir + "/stat-cache")
    #expect(loaded.manifestID(for: "data", files: files) == manifest)
    // Order does not matter; any changed stat, a missing or an extra file does.
    var touched = files
    touched["b/y"]!.stat.mtimeNs += 1
    #expect(loaded.manifestID(for: "data", files: touched) == nil)
    #expect(loaded.manifestID(for: "data", files: ["a/x": (st, .empty)]) == nil)
    #expect(loaded.manifestID(for: "data", files: files.merging(["c": (st, .empty)]) { a, _ in a }) == nil)
    #expect(loaded.manifestID(for: "other", files: files) == nil)
  }

  /// A summary of just-written files is kept when every racy file passes the re-check,
  /// and dropped when one of them changed before the save.
  @Test(arguments: [false, true])
  func racyDirectorySummaryIsKeptOnlyIfItsFilesAreUnchanged(changeOne: Bool) throws {
    let dir = makeTempDir()
    defer { removeTree(dir) }
    try writeFile(dir + "/data/a", "alpha")
    try writeFile(dir + "/data/b", "beta")
    // Racy whatever the load (see racilyCleanEntriesAreRecheckedAgainstTheFile).
    for name in ["a", "b"] {
      try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 5)], ofItemAtPath: dir + "/data/" + name)
    }
    var files: [String: (stat: FileStat, id: ObjectID)] = [:]
    let cache = StatCache(path: dir + "/stat-cache")
    cache.rootForRecheck = dir
    for name in ["a", "b"] {
      let st = try #require(FileStat.of(dir + "/data/" + name))
      files[name] = (st, ObjectID.hash(try readFile(dir + "/data/" + name)))
      cache.record("data/" + name, st, files[name]!.id)
    }
    let manifest = ObjectID.hash(Array("m".utf8))
    cache.recordManifestID(manifest, for: "data", files: files)
    if changeOne { try writeFile(dir + "/data/b", "beta, rewritten") }
    cache.save()
    let loaded = StatCache(path: dir + "/stat-cache")
    #expect(loaded.manifestID(for: "data", files: files) == (changeOne ? nil : manifest))
  }

  @Test func damagedCacheFilesAreIgnored() throws {
    let dir = makeTempDir()
    defer { removeTree(dir) }
    let file = dir + "/f"
    try writeFile(file, "x")
    try age(file, secondsAgo: 10)
    let st = try #require(FileStat.of(file))
    let cache = StatCache(path: dir + "/stat-cache")
    cache.record("f", st, .empty)
    cache.save()
    let good = try readFile(dir + "/stat-cache")
    for bad in [Array(good.dropLast(1)), Array(good.prefix(11)), [UInt8](repeating: 0xff, count: 40)] {
      try writeFile(dir + "/stat-cache", bad)
      #expect(StatCache(path: dir + "/stat-cache").lookup("f", st) == nil)
    }
  }

  @Test
  func hugeClaimedCountDoesNotCrash() throws {
    let dir = makeTempDir()
    defer { removeTree(dir) }
    try writeFile(dir + "/stat-cache", Array("MLVSTAT1".utf8) + [0xff, 0xff, 0xff, 0xff])
    let cache = StatCache(path: dir + "/stat-cache")
    #expect(cache.lookup("x", FileStat(size: 0, mtimeNs: 0, ctimeNs: 0, inode: 0, executable: false)) == nil)
  }

  @Test func fileStatSeesOnlyRegularFiles() throws {
    let dir = makeTempDir()
    defer { removeTree(dir) }
    try writeFile(dir + "/f", "abc")
    try FileManager.default.createSymbolicLink(atPath: dir + "/l", withDestinationPath: dir + "/f")
    #expect(FileStat.of(dir + "/f")?.size == 3)
    #expect(FileStat.of(dir + "/l") == nil)
    #expect(FileStat.of(dir) == nil)
    #expect(FileStat.of(dir + "/missing") == nil)
  }
}

@Suite(.serialized) struct RepoLockTests {
  @Test func secondLockTimesOutNamingTheHolderThenSucceeds() throws {
    let dir = makeTempDir()
    defer { removeTree(dir) }
    let old = getenv("MLV_LOCK_TIMEOUT").map { String(cString: $0) }
    setenv("MLV_LOCK_TIMEOUT", "0.3", 1)
    defer {
      if let old { setenv("MLV_LOCK_TIMEOUT", old, 1) } else { unsetenv("MLV_LOCK_TIMEOUT") }
    }
    let path = dir + "/lock"
    var first: RepoLock? = try RepoLock(path: path, command: "mlv add data")
    let start = Date()
    let e = #expect(throws: WorkspaceError.self) { _ = try RepoLock(path: path, command: "mlv status") }
    let waited = Date().timeIntervalSince(start)
    #expect(waited >= 0.25 && waited < 5)
    if case .locked(let holder, let seconds) = e {
      #expect(holder.contains("\(getpid())"))
      #expect(holder.contains("mlv add data"))
      #expect(seconds >= 0.3)
    } else {
      Issue.record("expected locked, got \(String(describing: e))")
    }
    _ = first
    first = nil
    let second = try RepoLock(path: path, command: "mlv status")
    #expect(String(decoding: try readFile(path), as: UTF8.self).contains("mlv status"))
    _ = second
  }
}
