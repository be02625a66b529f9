import Foundation
import MLVStore
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Local state that must never make mlv lie or break git (issue 9, items 7 and 9).
@Suite struct LockAndCacheTests {
  func inode(_ path: String) -> UInt64? {
    var st = stat()
    return lstat(path, &st) == 0 ? UInt64(st.st_ino) : nil
  }

  /// Item 9, the sequence from the issue: a marker left by a killed mlv, then within 10 s a
  /// real `git commit` (holding `index.lock` while its editor runs), then the next mlv. mlv
  /// used to delete git's live lock; it must leave it, say which lock blocks it, and git's
  /// commit must complete.
  @Test func aRunningGitCommitsLockIsNeverDeleted() throws {
    let repo = try Repo()
    try repo.write("data/a.bin", randomBytes(10_000, seed: 1))
    try repo.write("notes.txt", "one\n")
    try repo.git("add", "notes.txt")
    try repo.mlvOK("add", "data")
    try repo.mlvOK("commit", "-m", "v1")
    // 1. What an mlv killed during a git write leaves.
    try Data("\(try exitedProcessID())\n".utf8).write(to: URL(fileURLWithPath: repo.path + "/.git/mlv-git-write"))
    // 2. A teammate's `git commit -a`, which holds index.lock until its editor returns.
    try repo.write("notes.txt", "two\n")
    let commit = Process()
    commit.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    commit.arguments = ["git", "commit", "-q", "-a", "-e", "-m", "notes two"]
    commit.currentDirectoryURL = URL(fileURLWithPath: repo.path)
    var env = ProcessInfo.processInfo.environment
    env["GIT_EDITOR"] = "sleep 4; true"  // through the shell: `true` takes the file argument
    commit.environment = env
    commit.standardOutput = FileHandle.nullDevice
    commit.standardError = FileHandle.nullDevice
    try commit.run()
    let lockPath = repo.path + "/.git/index.lock"
    var waited = 0
    while inode(lockPath) == nil && waited < 300 {
      usleep(10_000)
      waited += 1
    }
    let gitsLock = try #require(inode(lockPath), "git commit -a holds index.lock while its editor runs")
    // 3. The next mlv command.
    try repo.write("data/b.bin", randomBytes(10_000, seed: 2))
    let r = try repo.mlv("add", "data")
    #expect(inode(lockPath) == gitsLock, "git's live lock must be left alone")
    #expect(r.code == 1, "\(r.stderr)")
    #expect(r.stderr.contains(".git/index.lock"), "\(r.stderr)")
    #expect(r.stderr.contains("killed while writing to git"), "the dead mlv is named: \(r.stderr)")
    commit.waitUntilExit()
    #expect(commit.terminationStatus == 0, "git's commit completes")
    #expect(try repo.gitOut("log", "-1", "--format=%s") == "notes two")
    #expect(try exec("git", ["fsck", "--no-progress"], cwd: repo.path).code == 0)
    // Once git is done, mlv works again and drops the dead writer's marker.
    let again = try repo.mlvOK("add", "data")
    #expect(!again.stderr.contains("killed"), "\(again.stderr)")
    #expect(!repo.exists(".git/mlv-git-write"))
    #expect(try repo.gitOut("status", "--porcelain").contains("M  data.mlv"))
  }

  /// Item 7: a stat cache entry whose id was damaged (its stat fields intact) made `commit`
  /// record another file's id with this file's size. The cache is checksummed now: the
  /// damage is reported, the cache ignored and rebuilt, and the commit is true.
  @Test func aDamagedStatCacheCannotMakeACommitLie() throws {
    let repo = try Repo()
    let a = randomBytes(10_000, seed: 11)
    let b = randomBytes(12_000, seed: 12)
    try repo.write("data/a.bin", a)
    try repo.write("data/b.bin", b)
    try repo.write("data/c.txt", "one\n")
    try repo.mlvOK("add", "data")
    try repo.mlvOK("commit", "-m", "v1")

    // Give a.bin's entry b.bin's id, as a flipped sector or a stray write could.
    let cachePath = repo.path + "/.mlv/state/stat-cache"
    var cache = try #require(repo.read(".mlv/state/stat-cache"))
    let key = Array("data/a.bin".utf8)
    let at = try #require((0...(cache.count - key.count)).first { cache[$0..<($0 + key.count)].elementsEqual(key) })
    let idOffset = at + key.count + 8 * 4 + 1  // size, mtime, ctime, inode, executable
    cache.replaceSubrange(idOffset..<(idOffset + 32), with: ObjectID.hash(b).bytes)
    try Data(cache).write(to: URL(fileURLWithPath: cachePath))

    try repo.write("data/c.txt", "two\n")  // so commit re-adds the directory
    // Without its leaf cache the commit must go through the stat cache's file table (with
    // one, it reads only the changed run's leaf and never meets the damaged entry).
    try FileManager.default.removeItem(atPath: repo.path + "/.mlv/state/leaves")
    let r = try repo.mlvOK("commit", "-m", "v2")
    #expect(r.stderr.contains("stat cache") && r.stderr.contains("damaged"), "\(r.stderr)")
    try repo.remove("data")
    try repo.mlvOK("checkout")
    #expect(repo.read("data/a.bin") == a, "the commit must record a.bin's own content")
    #expect(repo.read("data/b.bin") == b)
    // The rebuilt cache is sound: no warning the next time.
    #expect(!(try repo.mlvOK("status").stderr.contains("damaged")))
  }
}
