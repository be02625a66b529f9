import Foundation
import MLVStore
import MLVSystem
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A small tmpfs mounted for one test, or the reason it cannot be (not root, no mount).
private final class SmallFilesystem {
  let path: String

  init?(megabytes: Int) {
    guard getuid() == 0 else {
      print("DiskFullTests skipped: mounting a tmpfs needs root")
      return nil
    }
    path = makeTempDir("mlv-full")
    let r = try? exec("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path], cwd: "/")
    guard let r, r.code == 0 else {
      print("DiskFullTests skipped: mount -t tmpfs failed: \(r?.stderr ?? "mount not found")")
      try? FileManager.default.removeItem(atPath: path)
      return nil
    }
  }

  func remount(readOnly: Bool) throws {
    let r = try exec("/bin/mount", ["-o", "remount,\(readOnly ? "ro" : "rw")", path], cwd: "/")
    #expect(r.code == 0, "remount: \(r.stderr)")
  }

  deinit {
    _ = try? exec("/bin/umount", ["-l", path], cwd: "/")
    try? FileManager.default.removeItem(atPath: path)
  }
}

/// Disk full (ENOSPC) and a read-only filesystem (EROFS) at any stage: mlv reports the
/// cause, exits 1 (not 4, which means missing or corrupt objects), does not crash, and
/// leaves nothing behind: no temporary pack, no index naming a missing pack, no pointer.
@Suite(.serialized) struct DiskFullTests {
  private func repo(in fs: SmallFilesystem) throws -> Repo {
    let dir = fs.path + "/repo"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let r = try exec("git", ["init", "-q", "-b", "master", dir], cwd: fs.path)
    #expect(r.code == 0)
    let repo = try Repo(adopting: dir)
    try repo.git("config", "user.name", "Test User")
    try repo.git("config", "user.email", "test@example.com")
    try repo.mlvOK("init")
    return repo
  }

  private func expectCleanAfterFailure(_ repo: Repo, _ r: Result, cause: String, pointer: String) throws {
    #expect(r.code == 1, "exit \(r.code): \(r.stderr)")
    #expect(r.stderr.contains(cause), "\(r.stderr)")
    #expect(!r.stderr.contains("crashed") && !r.stderr.contains("Fatal error"), "\(r.stderr)")
    #expect(!repo.exists(pointer))
    let tmp = (try? FileManager.default.contentsOfDirectory(atPath: repo.path + "/.mlv/store/tmp")) ?? []
    #expect(tmp.isEmpty, "left in store/tmp: \(tmp)")
  }

  @Test func addOfALargeFileOnAFullDisk() throws {
    // The disk fills while the pipeline still has blocks to read: the error path that
    // used to leave a dispatch semaphore unbalanced (a libdispatch trap, SIGILL).
    guard let fs = SmallFilesystem(megabytes: 160) else { return }
    let repo = try repo(in: fs)
    try repo.write("model.bin", randomBytes(100_000_000, seed: 1))
    let r = try repo.mlv("add", "model.bin")
    try expectCleanAfterFailure(repo, r, cause: "no space left on device while writing", pointer: "model.bin.mlv")
    try repo.mlvOK("fsck")
    // Once there is room, the same add succeeds.
    try repo.remove("model.bin")
    try repo.write("model.bin", randomBytes(6_000_000, seed: 2))
    try repo.mlvOK("add", "model.bin")
    try repo.mlvOK("fsck")
  }

  @Test func addOfManySmallFilesOnAFullDisk() throws {
    guard let fs = SmallFilesystem(megabytes: 24) else { return }
    let repo = try repo(in: fs)
    for i in 0..<400 { try repo.write("data/f\(i).bin", randomBytes(32_000, seed: UInt64(i + 10))) }
    let r = try repo.mlv("add", "data")
    try expectCleanAfterFailure(repo, r, cause: "no space left on device", pointer: "data.mlv")
    try repo.mlvOK("fsck")
  }

  @Test func checkoutOnAFullDiskKeepsTheWorkspaceRecoverable() throws {
    guard let fs = SmallFilesystem(megabytes: 40) else { return }
    let repo = try repo(in: fs)
    let v1 = randomBytes(9_000_000, seed: 3)
    try repo.write("model.bin", v1)
    try repo.mlvOK("add", "model.bin")
    try repo.mlvOK("commit", "-m", "v1")
    try repo.write("model.bin", randomBytes(9_000_000, seed: 4))
    try repo.mlvOK("commit", "-m", "v2")
    // Fill the disk, then ask for v1: the restore cannot be written.
    let filler = fs.path + "/filler"
    _ = try exec("/bin/dd", ["if=/dev/zero", "of=\(filler)", "bs=1M", "count=64"], cwd: fs.path)
    let r = try repo.mlv("checkout", "HEAD~1", "--", "model.bin")
    #expect(r.code == 1, "exit \(r.code): \(r.stderr)")
    #expect(r.stderr.contains("no space left on device"), "\(r.stderr)")
    FS.remove(filler)
    try repo.mlvOK("checkout", "HEAD~1", "--", "model.bin")
    #expect(repo.read("model.bin").map { ObjectID.hash($0) } == ObjectID.hash(v1))
    try repo.mlvOK("fsck")
  }

  @Test func addOnAReadOnlyFilesystem() throws {
    guard let fs = SmallFilesystem(megabytes: 32) else { return }
    let repo = try repo(in: fs)
    try repo.write("model.bin", randomBytes(5_000_000, seed: 5))
    try fs.remount(readOnly: true)
    let r = try repo.mlv("add", "model.bin")
    try fs.remount(readOnly: false)
    #expect(r.code == 1, "exit \(r.code): \(r.stderr)")
    #expect(r.stderr.contains("read-only file system"), "\(r.stderr)")
    #expect(!repo.exists("model.bin.mlv"))
    try repo.mlvOK("add", "model.bin")
    try repo.mlvOK("fsck")
  }
}
