import Dispatch
import Foundation
import MLVSystem

#if canImport(Glibc)
  import Glibc
#endif

/// Materialises stored files in the workspace. Every chunk read is verified against its id
/// (and the chunk list against the file id), so a restored file is either exactly right or
/// not written: a missing or corrupt object is an error naming it, never wrong bytes.
public final class Restorer: @unchecked Sendable {
  public let store: ObjectStore
  /// Scratch directory on the same filesystem as the workspace (normally .mlv/tmp), so the
  /// rename that publishes a restored file is atomic.
  public let tmpDir: String

  public init(store: ObjectStore, tmpDir: String) {
    self.store = store
    self.tmpDir = tmpDir
  }

  /// Writes the file `id` (of `size` bytes) to `path`, replacing what is there atomically.
  public func restore(
    id: ObjectID, size: Int64, to path: String, executable: Bool, progress: (@Sendable (Int64) -> Void)? = nil
  ) throws {
    let chunks = try store.chunks(ofFile: id, size: size)
    let tmp = FS.temporaryPath(in: tmpDir, prefix: "restore")
    do {
      let file = try POSIXFile(path: tmp, flags: O_WRONLY | O_CREAT | O_EXCL, mode: executable ? 0o755 : 0o644)
      try write(chunks, into: file, only: nil, progress: progress)
      try FS.rename(tmp, path)
    } catch {
      FS.remove(tmp)
      throw error
    }
  }

  /// Writes the file `id` straight to `path`, which must not exist (O_EXCL): no temporary
  /// file, no rename. For restores into empty places, where a rename per file is a third
  /// of the cost; the caller covers a crash midway (a file cut short) with its journal.
  /// If `path` exists after all, this falls back on `restore`'s atomic replace.
  @discardableResult
  public func restoreInPlace(
    id: ObjectID, size: Int64, to path: String, executable: Bool, progress: (@Sendable (Int64) -> Void)? = nil
  ) throws -> stat? {
    let chunks = try store.chunks(ofFile: id, size: size)
    let file: POSIXFile
    do {
      file = try POSIXFile(path: path, flags: O_WRONLY | O_CREAT | O_EXCL, mode: executable ? 0o755 : 0o644)
    } catch let e as IOError where e.code == EEXIST {
      try restore(id: id, size: size, to: path, executable: executable, progress: progress)
      return nil
    }
    do {
      return try write(chunks, into: file, only: nil, progress: progress)
    } catch {
      FS.remove(path)
      throw error
    }
  }

  /// Writes the file `id` to `path` atomically like `restore`, taking every chunk that the
  /// current file at `path` already holds (described by `current`) from that file with
  /// copy_file_range — no inflate, no hashing, no user-space copy — and only the others from
  /// the store. For a file whose chunks moved (an insertion shifts everything after it),
  /// this costs a kernel copy instead of a full restore. The current file's stat must equal
  /// `currentStat` before and after the copy, or the result is discarded (it changed under
  /// us) and the file is restored from the store alone.
  public func restore(
    id: ObjectID, size: Int64, to path: String, executable: Bool, reusing current: [FileList.Chunk],
    unchanged: () -> Bool, progress: (@Sendable (Int64) -> Void)? = nil
  ) throws -> Int64 {
    let chunks = try store.chunks(ofFile: id, size: size)
    var old: [ObjectID: Int64] = [:]
    var offset: Int64 = 0
    for c in current {
      if old[c.id] == nil { old[c.id] = offset }
      offset += Int64(c.length)
    }
    let tmp = FS.temporaryPath(in: tmpDir, prefix: "restore")
    var fromStore: Int64 = 0
    do {
      let source = try POSIXFile.openForReading(path)
      let file = try POSIXFile(path: tmp, flags: O_WRONLY | O_CREAT | O_EXCL, mode: executable ? 0o755 : 0o644)
      var missing: [Int] = []
      var pos: Int64 = 0
      var run: (from: Int64, to: Int64, length: Int64)? = nil
      func flushRun() throws {
        guard let r = run else { return }
        try file.copy(r.length, from: source, at: r.from, to: r.to)
        progress?(r.length)
        run = nil
      }
      for (i, c) in chunks.enumerated() {
        if let from = old[c.id] {
          // Coalesce chunks that are contiguous in both files into one copy.
          if let r = run, r.from + r.length == from, r.to + r.length == pos {
            run = (r.from, r.to, r.length + Int64(c.length))
          } else {
            try flushRun()
            run = (from, pos, Int64(c.length))
          }
        } else {
          missing.append(i)
          fromStore += Int64(c.length)
        }
        pos += Int64(c.length)
      }
      try flushRun()
      try write(chunks, into: file, only: missing, progress: progress)
      try file.truncate(to: size)
      guard unchanged() else {
        FS.remove(tmp)
        try restore(id: id, size: size, to: path, executable: executable, progress: progress)
        return size
      }
      try FS.rename(tmp, path)
    } catch {
      FS.remove(tmp)
      throw error
    }
    return fromStore
  }

  /// Which chunks of `target` an in-place patch must write: those not already at the same
  /// offset in the file described by `current`.
  public struct PatchPlan: Sendable {
    public var indices: [Int]
    /// Bytes the patch writes.
    public var cost: Int64
    /// The target's size, to which the file is trimmed.
    public var size: Int64

    public init(current: [FileList.Chunk], target: [FileList.Chunk]) {
      var present = Set<Pair>()
      var offset: Int64 = 0
      for c in current {
        present.insert(Pair(offset: offset, id: c.id))
        offset += Int64(c.length)
      }
      (indices, cost, offset) = ([], 0, 0)
      for (i, c) in target.enumerated() {
        if !present.contains(Pair(offset: offset, id: c.id)) {
          indices.append(i)
          cost += Int64(c.length)
        }
        offset += Int64(c.length)
      }
      size = offset
    }
  }

  /// Rewrites in place only the chunks of `target` that `plan` names, then trims the file to
  /// the target size. Returns the bytes written. Callers journal the operation first (see
  /// Workspace's CheckoutJournal): an interruption leaves a mix of both versions that the
  /// next command repairs.
  public func patch(
    path: String, target: [FileList.Chunk], plan: PatchPlan, progress: (@Sendable (Int64) -> Void)? = nil
  ) throws -> Int64 {
    let file = try POSIXFile(path: path, flags: O_WRONLY)
    try write(target, into: file, only: plan.indices, progress: progress)
    try file.truncate(to: plan.size)
    return plan.cost
  }

  /// `patch` with the plan made here.
  public func patch(
    path: String, current: [FileList.Chunk], target: [FileList.Chunk], progress: (@Sendable (Int64) -> Void)? = nil
  ) throws -> Int64 {
    try patch(path: path, target: target, plan: PatchPlan(current: current, target: target), progress: progress)
  }

  /// Bytes an in-place patch from `current` to `target` would write.
  public static func patchCost(current: [FileList.Chunk], target: [FileList.Chunk]) -> Int64 {
    PatchPlan(current: current, target: target).cost
  }

  struct Pair: Hashable {
    var offset: Int64
    var id: ObjectID
  }

  /// Writes the chunks with indices `only` (all when nil) at their offsets, on two lanes
  /// for large files: reading, inflating and verifying run in parallel with the writes.
  /// Writing all, it returns the file's stat as written, for the caller to record without
  /// a second lookup by path.
  @discardableResult
  func write(_ chunks: [FileList.Chunk], into file: POSIXFile, only: [Int]?, progress: (@Sendable (Int64) -> Void)?) throws -> stat? {
    var total: Int64 = 0
    let offsets: [Int64] = chunks.map { c in
      defer { total += Int64(c.length) }
      return total
    }
    let indices = only ?? Array(chunks.indices)
    let lanes = indices.count >= 8 ? 2 : 1
    let errors = ErrorBox()
    DispatchQueue.concurrentPerform(iterations: lanes) { lane in
      var k = lane
      while k < indices.count, !errors.isSet {
        let i = indices[k]
        do {
          let bytes = try store.read(chunks[i].id)
          guard bytes.count == Int(chunks[i].length) else {
            throw StoreError.corruptObject(chunks[i].id, location: "store", reason: "unexpected length")
          }
          try bytes.withUnsafeBytes { try file.write($0, at: offsets[i]) }
          progress?(Int64(bytes.count))
        } catch { errors.set(error) }
        k += lanes
      }
    }
    if let e = errors.error { throw e }
    guard only == nil else { return nil }
    let st = try file.status()
    guard Int64(st.st_size) == total else {
      try file.truncate(to: total)
      return nil
    }
    return st
  }
}
