import Dispatch
import Foundation
import MLVChunking
import MLVSystem

#if canImport(Glibc)
  import Glibc
#endif

/// The result of storing one file.
public struct IngestedFile: Sendable {
  public var id: ObjectID
  public var size: Int64
  public var chunks: [FileList.Chunk]
}

/// Turns files into stored objects: content-defined chunks, SHA-256 ids, optional zlib,
/// and a file list for multi-chunk files.
///
/// Large files run as a pipeline so both cores work (docs/design.md, "Add pipeline"): the
/// calling thread reads 8 MiB blocks and finds cut points (~2 GB/s), and each block's chunks
/// are hashed, compressed and appended by workers (SHA-256 ~1.4 GB/s per core). At most
/// `maxBlocksInFlight` blocks exist at once, so memory stays ~40 MB for any file size.
public final class Ingester: @unchecked Sendable {
  public let chunker: Chunker
  public let writer: ObjectWriter
  /// When false, chunks are hashed but nothing is stored (diff of unadded changes).
  public let store: Bool
  static let blockSize = 8 * 1024 * 1024
  static let maxBlocksInFlight = 4
  /// Files up to this size are read whole and processed on the calling thread; callers
  /// spread many such files over cores themselves.
  public static let smallFileLimit = 4 * 1024 * 1024

  public init(chunker: Chunker, writer: ObjectWriter, store: Bool = true) {
    self.chunker = chunker
    self.writer = writer
    self.store = store
  }

  /// Chunks, hashes and stores the file at `path`. `progress` receives byte counts as they
  /// are processed (possibly from several threads).
  public func ingest(path: String, progress: (@Sendable (Int64) -> Void)? = nil) throws -> IngestedFile {
    let file = try POSIXFile.openForReading(path)
    let size = try file.size()
    if size <= Int64(Self.smallFileLimit) {
      var bytes = try file.read(count: Int(size), at: 0)
      if bytes.count != Int(size) { bytes = try file.read(count: Int(try file.size()), at: 0) }
      let result = try bytes.withUnsafeBytes { try ingest(bytes: $0) }
      progress?(Int64(bytes.count))
      return result
    }
    return try ingestLarge(file, progress: progress)
  }

  /// Stores an in-memory buffer as file content.
  public func ingest(bytes: UnsafeRawBufferPointer) throws -> IngestedFile {
    let compress = Entropy.worthCompressing(bytes)
    var chunks: [FileList.Chunk] = []
    var offset = 0
    while offset < bytes.count {
      let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
      let n = chunker.cut(rest, isFinal: true)
      let piece = UnsafeRawBufferPointer(rebasing: rest[..<n])
      let id = ObjectID.hash(piece)
      if store { try writer.put(id, type: .chunk, bytes: piece, compress: compress) }
      chunks.append(.init(id: id, length: UInt32(n)))
      offset += n
    }
    return try finish(chunks)
  }

  func finish(_ chunks: [FileList.Chunk]) throws -> IngestedFile {
    let list = FileList(chunks: chunks)
    if chunks.count > 1, store {
      try writer.put(list.fileID, type: .fileList, bytes: list.encode(), compress: false)
    }
    return IngestedFile(id: list.fileID, size: list.size, chunks: chunks)
  }

  /// One block of a large file and the chunks cut from it. Lanes write disjoint slots
  /// of `ids`, so no lock is needed for them; `lanesLeft` is guarded by `lock`.
  final class Block: @unchecked Sendable {
    var buffer: [UInt8]
    var cuts: [Range<Int>] = []
    var ids: UnsafeMutableBufferPointer<ObjectID> = .init(start: nil, count: 0)
    var error: Error?
    var lanesLeft = Ingester.lanes
    let lock = NSLock()
    init(buffer: [UInt8]) { self.buffer = buffer }
    deinit { ids.deallocate() }

    /// Returns true for the last lane to finish.
    func laneDone(_ e: Error?) -> Bool {
      lock.lock()
      defer { lock.unlock() }
      if let e, error == nil { error = e }
      lanesLeft -= 1
      return lanesLeft == 0
    }
  }

  static let lanes = 2

  func ingestLarge(_ file: POSIXFile, progress: (@Sendable (Int64) -> Void)?) throws -> IngestedFile {
    let maxChunk = chunker.parameters.maxSize
    let capacity = Self.blockSize + maxChunk
    let slots = DispatchSemaphore(value: Self.maxBlocksInFlight)
    let group = DispatchGroup()
    let queue = DispatchQueue.global(qos: .userInitiated)
    var blocks: [Block] = []
    var carry: [UInt8] = []
    var fileOffset: Int64 = 0
    var compress: Bool?
    var eof = false
    // Blocks reuse a few buffers: a fresh 8 MiB allocation per block is a fresh mmap whose
    // pages are faulted in and zeroed again, which cost ~0.5 s of system time per GiB.
    let pool = BufferPool(capacity: capacity)

    func firstError() -> Error? {
      blocks.lazy.compactMap { b in b.lock.withLock { b.error } }.first
    }

    // Every exit from this loop leaves the semaphore as balanced as it found it and every
    // lane finished: a `slots.wait()` is matched by the signal of the block's last lane, or
    // by an explicit signal when no block is dispatched (an error, a failed read). A
    // semaphore freed below its initial value is a libdispatch trap, not an error.
    var readError: Error?
    while !eof {
      slots.wait()
      if firstError() != nil {
        slots.signal()
        break
      }
      let block = Block(buffer: pool.take())
      var filled = carry.count
      block.buffer.withUnsafeMutableBytes { b in
        carry.withUnsafeBytes { c in
          if c.count > 0 { b.baseAddress!.copyMemory(from: c.baseAddress!, byteCount: c.count) }
        }
      }
      let want = capacity - filled
      let got: Int
      do {
        got = try block.buffer.withUnsafeMutableBytes {
          try file.read(into: $0.baseAddress! + filled, count: want, at: fileOffset)
        }
      } catch {
        readError = error
        slots.signal()
        break
      }
      fileOffset += Int64(got)
      filled += got
      eof = got < want
      let doCompress = compress ?? block.buffer.withUnsafeBytes {
        Entropy.worthCompressing(UnsafeRawBufferPointer(rebasing: $0[..<filled]))
      }
      compress = doCompress
      // Cut while a full max-size window remains; the tail moves on to the next block.
      var pos = 0
      block.buffer.withUnsafeBytes { b in
        while pos < filled && (eof || filled - pos >= maxChunk) {
          let n = chunker.cut(UnsafeRawBufferPointer(rebasing: b[pos..<filled]), isFinal: eof)
          block.cuts.append(pos..<(pos + n))
          pos += n
        }
      }
      carry = Array(block.buffer[pos..<filled])
      block.ids = .allocate(capacity: block.cuts.count)
      block.ids.initialize(repeating: .empty)
      blocks.append(block)
      for lane in 0..<Self.lanes {
        group.enter()
        queue.async {
          var failure: Error?
          do { try self.process(block, lane: lane, compress: doCompress, progress: progress) } catch {
            failure = error
          }
          if block.laneDone(failure) {
            pool.give(block.buffer)  // the block's bytes are in the pack now
            block.buffer = []
            slots.signal()
          }
          group.leave()
        }
      }
    }
    group.wait()
    if let e = readError ?? firstError() { throw e }
    var chunks: [FileList.Chunk] = []
    for block in blocks {
      for (i, r) in block.cuts.enumerated() { chunks.append(.init(id: block.ids[i], length: UInt32(r.count))) }
    }
    return try finish(chunks)
  }

  /// Hashes (and stores) every `lanes`-th chunk of the block, starting at `lane`.
  func process(_ block: Block, lane: Int, compress: Bool, progress: (@Sendable (Int64) -> Void)?) throws {
    try block.buffer.withUnsafeBytes { b in
      var i = lane
      var done: Int64 = 0
      while i < block.cuts.count {
        let piece = UnsafeRawBufferPointer(rebasing: b[block.cuts[i]])
        let id = ObjectID.hash(piece)
        if store { try writer.put(id, type: .chunk, bytes: piece, compress: compress) }
        block.ids[i] = id
        done += Int64(piece.count)
        i += Self.lanes
      }
      progress?(done)
    }
  }
}

/// A few equally sized buffers handed out and returned by the ingest pipeline.
final class BufferPool: @unchecked Sendable {
  let capacity: Int
  private var free: [[UInt8]] = []
  private let lock = NSLock()
  init(capacity: Int) { self.capacity = capacity }

  func take() -> [UInt8] {
    lock.withLock { free.popLast() } ?? [UInt8](repeating: 0, count: capacity)
  }

  func give(_ buffer: [UInt8]) {
    guard buffer.count == capacity else { return }
    lock.withLock { free.append(buffer) }
  }
}
