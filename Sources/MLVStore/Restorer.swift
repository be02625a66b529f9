import Dispatch
import Foundation

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
    id: ObjectID, size: Int64, to path: String, executable: Bool, progress: ((Int64) -> Void)? = nil
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

  /// Rewrites in place only the chunks of `target` that are not already at the same offset
  /// in the file (described by `current`), then trims it to the target size. Returns the
  /// bytes written. Callers journal the operation first (see Workspace.CheckoutJournal):
  /// an interruption leaves a mix of both versions that the next command repairs.
  public func patch(
    path: String, current: [FileList.Chunk], target: [FileList.Chunk], progress: ((Int64) -> Void)? = nil
  ) throws -> Int64 {
    var present = Set<Pair>()
    var offset: Int64 = 0
    for c in current {
      present.insert(Pair(offset: offset, id: c.id))
      offset += Int64(c.length)
    }
    var needed: [Int] = []
    offset = 0
    var written: Int64 = 0
    for (i, c) in target.enumerated() {
      if !present.contains(Pair(offset: offset, id: c.id)) {
        needed.append(i)
        written += Int64(c.length)
      }
      offset += Int64(c.length)
    }
    let file = try POSIXFile(path: path, flags: O_WRONLY)
    try write(target, into: file, only: needed, progress: progress)
    try file.truncate(to: offset)
    return written
  }

  /// Bytes an in-place patch from `current` to `target` would write.
  public static func patchCost(current: [FileList.Chunk], target: [FileList.Chunk]) -> Int64 {
    var present = Set<Pair>()
    var offset: Int64 = 0
    for c in current {
      present.insert(Pair(offset: offset, id: c.id))
      offset += Int64(c.length)
    }
    var cost: Int64 = 0
    offset = 0
    for c in target {
      if !present.contains(Pair(offset: offset, id: c.id)) { cost += Int64(c.length) }
      offset += Int64(c.length)
    }
    return cost
  }

  struct Pair: Hashable {
    var offset: Int64
    var id: ObjectID
  }

  /// Writes the chunks with indices `only` (all when nil) at their offsets, on two lanes
  /// for large files: reading, inflating and verifying run in parallel with the writes.
  func write(_ chunks: [FileList.Chunk], into file: POSIXFile, only: [Int]?, progress: ((Int64) -> Void)?) throws {
    var offsets: [Int64] = []
    offsets.reserveCapacity(chunks.count)
    var total: Int64 = 0
    for c in chunks {
      offsets.append(total)
      total += Int64(c.length)
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
    if only == nil, try file.size() != total { try file.truncate(to: total) }
  }
}

/// The first error of several workers.
final class ErrorBox: @unchecked Sendable {
  private let lock = NSLock()
  private var first: Error?
  var error: Error? { lock.withLock { first } }
  var isSet: Bool { error != nil }
  func set(_ e: Error) { lock.withLock { if first == nil { first = e } } }
}
