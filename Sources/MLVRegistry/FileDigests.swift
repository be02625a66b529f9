import Crypto
import Dispatch
import Foundation
import MLVStore
import MLVSystem
import MLVWorkspace

/// The plain SHA-256 of whole files (what `sha256sum` prints), streamed chunk by chunk out
/// of the packs: nothing is written, no temporary file. By default every chunk is also
/// checked against its own id as the store reads it, so a changed byte in a pack is found
/// even where no signed digest covers it (`register`, which computes the digests it signs).
/// `verify` compares every file's digest with a signed one, which covers each byte: it asks
/// for `chunks: .trustWholeFileDigest`, so a file of many chunks is hashed once, not twice.
///
/// A file of one chunk has that chunk's id as its content id, which is already its SHA-256:
/// reading it through the store is the whole check. A file of many chunks costs a second
/// hash, run on its own thread while a reader thread fetches, inflates and checks the next
/// chunks, and files run in parallel on every core, so on two cores the wall time is about
/// one SHA-256 pass over the bytes.
public enum FileDigests {
  public struct Failure: Error, CustomStringConvertible {
    public var path: String
    public var underlying: Error
    public var description: String { "\(path): \(underlying)" }
  }

  /// How the chunks of a file of many chunks are read.
  public enum ChunkCheck: Sendable {
    /// Each chunk checked against its id (the store's normal read).
    case eachChunk
    /// Not checked one by one: only for a caller that compares every returned digest with a
    /// trusted one (a signed subject), which a changed byte anywhere in the file fails.
    case trustWholeFileDigest
  }

  /// The SHA-256 (hex) of each entry, in order. Throws `Failure` naming the first file
  /// whose bytes the store cannot give back exactly.
  public static func sha256(
    _ entries: [Manifest.Entry], store: ObjectReader, chunks check: ChunkCheck = .eachChunk,
    lanes: Int = ProcessInfo.processInfo.activeProcessorCount
  ) throws -> [String] {
    // A store that cannot skip the check reads every chunk checked, which is only slower.
    let read: @Sendable (ObjectID) throws -> [UInt8]
    if check == .trustWholeFileDigest, let fast = store as? UnhashedObjectReader {
      read = { try fast.readUnhashed($0) }
    } else {
      read = { try store.read($0) }
    }
    let errors = ErrorBox()
    let next = WorkCounter()
    let results = SharedSlots(repeating: "", count: entries.count)
    DispatchQueue.concurrentPerform(iterations: max(1, min(lanes, entries.count))) { _ in
      while !errors.isSet, let i = next.take(below: entries.count) {
        do { results[i] = try digest(entries[i], store: store, read: read) } catch {
          errors.set(Failure(path: entries[i].path, underlying: error))
        }
      }
    }
    if let e = errors.error { throw e }
    return results.values
  }

  /// One file's SHA-256.
  static func digest(_ e: Manifest.Entry, store: ObjectReader, read: @escaping @Sendable (ObjectID) throws -> [UInt8]) throws -> String {
    let chunks = try store.chunks(ofFile: e.oid, size: e.size)
    switch chunks.count {
    case 0: return ObjectID.empty.hex
    case 1:
      // The store checks the bytes against the id, which is the file's SHA-256.
      let bytes = try store.read(chunks[0].id)
      guard bytes.count == Int(chunks[0].length) else {
        throw StoreError.corruptObject(chunks[0].id, location: "store", reason: "unexpected length")
      }
      return chunks[0].id.hex
    default:
      return try pipelined(chunks, read: read)
    }
  }

  /// Reads chunks ahead on another thread (a few in flight, bounded memory) while this one
  /// hashes them in order.
  static func pipelined(_ chunks: [FileList.Chunk], read: @escaping @Sendable (ObjectID) throws -> [UInt8]) throws -> String {
    let depth = 4
    let filled = DispatchSemaphore(value: 0)
    // Created at 0 and raised to `depth`: libdispatch traps when a semaphore is freed below
    // its initial value, which is where an error leaves this one (the hasher stops
    // returning slots). From 0, any value it is left at is safe.
    let free = DispatchSemaphore(value: 0)
    for _ in 0..<depth { free.signal() }
    let slots = ResultBytes(count: depth)
    let errors = ErrorBox()
    // The reader stops at its first error; the hasher stops when it meets it. Neither
    // then waits for the other again, so no thread is left blocked. A thread of its own:
    // a block on the global queue could wait behind the lanes that wait for it.
    Thread {
      for (i, c) in chunks.enumerated() {
        free.wait()
        do {
          let bytes = try read(c.id)
          guard bytes.count == Int(c.length) else {
            throw StoreError.corruptObject(c.id, location: "store", reason: "unexpected length")
          }
          slots.put(i % depth, bytes)
          filled.signal()
        } catch {
          errors.set(error)
          filled.signal()
          return
        }
      }
    }.start()
    var hasher = SHA256()
    for i in chunks.indices {
      filled.wait()
      if errors.isSet { break }
      let bytes = slots.take(i % depth)
      bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
      free.signal()
    }
    if let e = errors.error { throw e }
    return hasher.finalize().map { String(format: "%02x", $0) }.joined()
  }
}

private final class ResultBytes: @unchecked Sendable {
  private let lock = NSLock()
  private var values: [[UInt8]]
  init(count: Int) { values = Array(repeating: [], count: count) }
  func put(_ i: Int, _ v: [UInt8]) { lock.withLock { values[i] = v } }
  func take(_ i: Int) -> [UInt8] {
    lock.withLock {
      defer { values[i] = [] }
      return values[i]
    }
  }
}
