import Foundation
import Testing

@testable import MLVStore
@testable import MLVWorkspace

/// The listing cache (docs/design.md, "Listing cache"): directories whose stat is unchanged
/// are not read again, and nothing a directory gains, loses or renames is ever missed.
@Suite struct ListingCacheTests {
  /// A clock an hour ahead, so directories made by the test are old enough to be trusted.
  static let later: @Sendable () -> Int64 = { FileStat.clockNs() + 3_600_000_000_000 }

  /// A walk of `root/d` through the listing cache in `state`, saved afterwards.
  func cachedWalk(_ root: String, _ state: String, ignore: IgnoreRules = .empty, clock: @escaping @Sendable () -> Int64 = later)
    throws -> (DirectoryWalker.Listing, ListingCache)
  {
    let cache = ListingCache(stateDir: state, dataPath: "d", clock: clock)
    let listing = try DirectoryWalker(root: root, ignore: ignore, listings: cache).list("d")
    cache.save()
    return (listing, cache)
  }

  func sortedFiles(_ l: DirectoryWalker.Listing) -> [String] {
    l.files().map { "\($0.path) \($0.stat.size) \($0.stat.inode)" }.sorted()
  }

  func makeData(_ root: String) throws {
    try writeFile(root + "/d/top.txt", "t")
    for c in 0..<3 {
      for f in 0..<4 { try writeFile(root + "/d/c\(c)/f\(f)", String(repeating: "x", count: c * 10 + f)) }
    }
    try writeFile(root + "/d/c0/deeper/g", "g")
  }

  @Test func unchangedDirectoriesAreServedFromTheCacheAndListTheSame() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    try makeData(root)
    let state = root + "/state"
    let (first, c1) = try cachedWalk(root, state)
    #expect(c1.hits == 0 && c1.misses == 5)  // d, c0, c0/deeper, c1, c2
    let file = ListingCache.path(state, "d")
    let written = try readFile(file)
    let (second, c2) = try cachedWalk(root, state)
    #expect(c2.hits == 5 && c2.misses == 0)
    let plain = try DirectoryWalker(root: root, ignore: .empty).list("d")
    #expect(sortedFiles(second) == sortedFiles(plain))
    #expect(second.count == plain.count && second.digest == plain.digest && first.digest == plain.digest)
    // Served entirely from the cache: the file is not written again.
    #expect(try readFile(file) == written)
  }

  @Test func everyKindOfChangeInACachedDirectoryIsSeen() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    try makeData(root)
    let state = root + "/state"
    _ = try cachedWalk(root, state)
    // Past the timestamp tick the cache was recorded in (a change within it is what the
    // trust margin covers).
    usleep(50_000)
    let changes: [() throws -> Void] = [
      { try writeFile(root + "/d/c0/new", "new") },
      { try FileManager.default.removeItem(atPath: root + "/d/c1/f2") },
      { try FileManager.default.moveItem(atPath: root + "/d/c2/f0", toPath: root + "/d/c2/renamed") },
      { try FileManager.default.moveItem(atPath: root + "/d/c2/f1", toPath: root + "/d/c0/deeper/moved") },
      {
        try FileManager.default.removeItem(atPath: root + "/d/top.txt")
        try writeFile(root + "/d/top.txt/now-a-dir", "d")
      },
      { try writeFile(root + "/d/c3/brand-new", "n") },
      { try FileManager.default.removeItem(atPath: root + "/d/c1") },
      // A file's content changes without its directory changing: its own lstat tells.
      { try writeFile(root + "/d/c2/f3", "a longer content than before") },
    ]
    for (k, change) in changes.enumerated() {
      try change()
      let (cached, _) = try cachedWalk(root, state)
      let plain = try DirectoryWalker(root: root, ignore: .empty).list("d")
      #expect(sortedFiles(cached) == sortedFiles(plain), "change \(k)")
      #expect(cached.digest == plain.digest, "change \(k)")
      usleep(20_000)
    }
  }

  /// A directory dated past 2262 (`touch -d 2500-01-01 dir`: nanoseconds past Int64) is
  /// walked and recorded like any other, never a trap.
  @Test func aDirectoryDatedFarInTheFutureIsWalked() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    try makeData(root)
    var times = [timespec(tv_sec: 16_725_225_600, tv_nsec: 0), timespec(tv_sec: 16_725_225_600, tv_nsec: 0)]
    #expect(utimensat(AT_FDCWD, root + "/d/c1", &times, 0) == 0)
    let state = root + "/state"
    let (first, c1) = try cachedWalk(root, state)
    #expect(c1.misses == 5)
    let (second, c2) = try cachedWalk(root, state)
    #expect(c2.hits == 5)
    #expect(sortedFiles(first) == sortedFiles(second))
  }

  @Test func aDirectoryChangedRecentlyIsNotRecorded() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    try makeData(root)
    let state = root + "/state"
    // The real clock: every directory here was made within the trust margin.
    let (_, c) = try cachedWalk(root, state, clock: FileStat.clockNs)
    #expect(c.misses == 5)
    #expect(!FileManager.default.fileExists(atPath: ListingCache.path(state, "d")))
    let (_, again) = try cachedWalk(root, state, clock: FileStat.clockNs)
    #expect(again.hits == 0)
  }

  @Test func ignoreRulesApplyToCachedNames() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    try makeData(root)
    try writeFile(root + "/d/c1/skip.tmp", "tmp")
    let state = root + "/state"
    let (all, _) = try cachedWalk(root, state)
    #expect(all.files().contains { $0.path == "c1/skip.tmp" })
    let rules = IgnoreRules(text: "*.tmp\nd/c2/\n")
    let (filtered, c) = try cachedWalk(root, state, ignore: rules)
    #expect(c.hits == 4)  // c2 is not walked at all now
    #expect(sortedFiles(filtered) == sortedFiles(try DirectoryWalker(root: root, ignore: rules).list("d")))
    #expect(!filtered.files().contains { $0.path == "c1/skip.tmp" || $0.path.hasPrefix("c2/") })
  }

  @Test func aDamagedCacheIsIgnoredAndReplaced() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    try makeData(root)
    let state = root + "/state"
    _ = try cachedWalk(root, state)
    let file = ListingCache.path(state, "d")
    let good = try readFile(file)
    let plain = sortedFiles(try DirectoryWalker(root: root, ignore: .empty).list("d"))
    var flipped = good
    flipped[good.count / 2] ^= 0x40
    for damaged in [flipped, Array(good.prefix(good.count - 1)), Array(good.prefix(20)), [], good + [0]] {
      try writeFile(file, damaged)
      let (listing, c) = try cachedWalk(root, state)
      #expect(c.hits == 0)
      #expect(sortedFiles(listing) == plain)
      #expect(try readFile(file) == good)  // rewritten from the directories as they are
    }
  }

  /// A cache with a valid checksum whose names would lead out of the directory (or hold a
  /// name twice, or be recorded for another tracked path) is refused as a whole.
  @Test func namesThatLeaveTheDirectoryAreRefused() throws {
    let root = makeTempDir()
    defer { removeTree(root) }
    try writeFile(root + "/d/a", "a")
    try writeFile(root + "/outside/secret", "s")
    let state = root + "/state"
    let fd = open(root + "/d", O_RDONLY | O_DIRECTORY)
    defer { close(fd) }
    let st = try #require(ListingCache.DirStat(fd: fd))
    func forge(_ names: [String], dataPath: String = "d") throws {
      var body: [UInt8] = []
      func append<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { body += $0 } }
      append(UInt16(dataPath.utf8.count))
      body += dataPath.utf8
      append(UInt32(1))
      append(UInt16(0))
      append(st.dev)
      append(st.inode)
      append(st.mtimeNs)
      append(st.ctimeNs)
      append(st.size)
      let blob: [UInt8] = names.flatMap { Array($0.utf8) + [UInt8(0)] }
      append(UInt32(blob.count))
      body += blob
      var out = Array("MLVLIST1".utf8)
      withUnsafeBytes(of: UInt64(body.count).littleEndian) { out += $0 }
      out += body
      out += ObjectID.hash(out).bytes
      try FileManager.default.createDirectory(atPath: state + "/listings", withIntermediateDirectories: true)
      try writeFile(ListingCache.path(state, "d"), out)
    }
    // The forgery is accepted when its names are plain: the format is as documented.
    try forge(["a", "ghost"])
    let cache = ListingCache(stateDir: state, dataPath: "d", clock: Self.later)
    let served = try DirectoryWalker(root: root, ignore: .empty, listings: cache).list("d")
    #expect(cache.hits == 1)
    #expect(served.files().map(\.path) == ["a"])  // a recorded name that is gone is skipped
    for bad in [["../outside/secret"], ["a/../../outside/secret"], [".."], ["."], [""]] {
      try forge(bad)
      let c = ListingCache(stateDir: state, dataPath: "d", clock: Self.later)
      let l = try DirectoryWalker(root: root, ignore: .empty, listings: c).list("d")
      #expect(c.hits == 0, "\(bad)")
      #expect(l.files().map(\.path) == ["a"], "\(bad)")
    }
    try forge(["a"], dataPath: "other")
    let c = ListingCache(stateDir: state, dataPath: "d", clock: Self.later)
    _ = try DirectoryWalker(root: root, ignore: .empty, listings: c).list("d")
    #expect(c.hits == 0)
  }

  /// Through `status`, with the real clock and margin: once the data is older than the
  /// margin, status records the listings, and a file added afterwards is still reported.
  @Test func statusSeesAFileAddedToADirectoryItListedFromTheCache() throws {
    let repo = try TestRepo()
    defer { repo.cleanup() }
    for c in 0..<3 { for f in 0..<3 { try repo.write("data/c\(c)/f\(f)", "\(c)-\(f)") } }
    _ = try repo.ws.add(["data"])
    _ = try repo.ws.commit(message: "v1")
    usleep(UInt32(ListingCache.defaultTrustMarginNs / 1000) + 200_000)
    #expect(try repo.ws.status().allSatisfy(\.isClean))
    let file = ListingCache.path(repo.ws.stateDir, "data")
    #expect(FileManager.default.fileExists(atPath: file))
    #expect(try repo.ws.status().allSatisfy(\.isClean))
    try repo.write("data/c1/new", "new")
    let s = try #require(try repo.ws.status().first { $0.path == "data" })
    #expect(s.added == ["c1/new"])
    #expect(s.state == .modified)
    // Untracked, its caches go.
    #expect(FileManager.default.fileExists(atPath: LeafCache.path(repo.ws.stateDir, "data")))
    _ = try repo.ws.remove(["data"], purge: false, force: false)
    #expect(!FileManager.default.fileExists(atPath: file))
    #expect(!FileManager.default.fileExists(atPath: LeafCache.path(repo.ws.stateDir, "data")))
  }
}
