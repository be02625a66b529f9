import Foundation
import MLVStore
import MLVSystem

public struct FetchReport: Sendable {
  public var objectsFetched = 0
  /// Bytes downloaded (ranges of remote packs, including small gaps between wanted objects).
  public var bytesFetched: Int64 = 0
  public var requests = 0
  public var alreadyLocal = 0
  /// Wanted objects the remote does not have.
  public var missing: [ObjectID] = []

  public init() {}
}

extension RemoteRepository {
  /// Gaps smaller than this between wanted objects of one pack are downloaded rather than
  /// split into another request: a request costs more than a MiB on any real link.
  static let coalesceGap: Int64 = 1 << 20
  /// Upper bound of one ranged GET (memory per job).
  static let maxRange: Int64 = 48 << 20
  /// Downloaded objects are made durable (an index written) every this many bytes, so an
  /// interrupted fetch keeps what it got.
  static let flushEvery: Int64 = 256 << 20

  /// Downloads the objects of `ids` the local store lacks, verifying each against its id
  /// before it is stored. Objects are grouped by remote pack and fetched in coalesced byte
  /// ranges, or as whole packs when every object of a pack is wanted. Objects are stored
  /// as the remote holds them (no re-compression); the store's writer verifies each one
  /// (`ObjectWriter.putEncoded`). A remote that serves wrong bytes is reported by name and
  /// key (`RemoteError.corruptObject`) after everything good has been stored.
  public func fetch(
    _ ids: [ObjectID], into store: any PackTransfer, jobs: Int = 8,
    progress: TransferProgress = SilentTransferProgress()
  ) async throws -> FetchReport {
    var report = FetchReport()
    let index = try await self.index()
    // Memory (issue 14): the plan for a million objects is held once — `byPack` is
    // consumed into ranges, and the records of the touched packs are dropped once the
    // ranges know their bonus objects.
    var byPack: [ObjectID: [(ObjectID, ObjectLocation)]] = [:]
    do {
      var seen = Set<ObjectID>()
      for id in ids where id != .empty && seen.insert(id).inserted {
        if store.contains(id) {
          report.alreadyLocal += 1
        } else if let l = index.lookup(id) {
          byPack[l.pack, default: []].append((id, l))
        } else {
          report.missing.append(id)
        }
      }
    }
    guard !byPack.isEmpty else { return report }
    // Every object of the touched packs: objects lying in the gaps a coalesced range
    // downloads anyway are stored too (verified), so the next phase need not fetch them
    // again (the chunks of a file list usually sit right next to it).
    var packObjects = try index.records(inPacks: Set(byPack.keys))
    // Objects newly stored (whole packs and ranges), and bytes downloaded.
    let counts = Counters()
    // Packs wanted whole travel as files; the rest (and packs failing verification) by range.
    let whole = byPack.filter { pack, objects in objects.count == packObjects[pack]?.count }.map(\.key)
    let wholeBytes = whole.reduce(Int64(0)) { total, pack in
      total + (packObjects[pack] ?? []).reduce(Int64(0)) { $0 + Int64($1.location.storedLength) }
    }
    let requests = whole.count
    if !whole.isEmpty {
      progress.begin("fetching from \(name)", totalBytes: wholeBytes)
      let failed = try await fetchWholePacks(
        whole, into: store, jobs: jobs, progress: progress, counts: counts)
      progress.end()
      for pack in whole where !failed.contains(pack) { byPack[pack] = nil }
    }
    var ranges: [FetchRange] = []
    for pack in Array(byPack.keys) {
      guard let objects = byPack.removeValue(forKey: pack) else { continue }
      let sorted = objects.sorted { $0.1.offset < $1.1.offset }
      var current = FetchRange(pack: pack, start: Int64(sorted[0].1.offset), end: Int64(sorted[0].1.offset), objects: [])
      for o in sorted {
        let start = Int64(o.1.offset)
        let end = start + Int64(o.1.storedLength)
        if !current.objects.isEmpty && (start - current.end >= Self.coalesceGap || end - current.start > Self.maxRange) {
          ranges.append(current)
          current = FetchRange(pack: pack, start: start, end: start, objects: [])
        }
        current.objects.append(o)
        current.end = max(current.end, end)
      }
      ranges.append(current)
    }
    for i in ranges.indices {
      let wanted = Set(ranges[i].objects.map(\.0))
      for r in packObjects[ranges[i].pack] ?? [] {
        let start = Int64(r.location.offset)
        if start >= ranges[i].start && start + Int64(r.location.storedLength) <= ranges[i].end && !wanted.contains(r.id)
          && !store.contains(r.id)
        {
          ranges[i].bonus.append((r.id, r.location))
        }
      }
    }
    packObjects = [:]
    let total = ranges.reduce(Int64(0)) { $0 + $1.end - $1.start }
    progress.begin("fetching from \(name)", totalBytes: total)
    defer { progress.end() }
    let writer = store.makeWriter()
    let corrupt = ErrorCollector()
    // Batches bound what an interruption loses: each ends with a flush (packs + index).
    var batches: [[FetchRange]] = [[]]
    var batchBytes: Int64 = 0
    for r in ranges.sorted(by: { ($0.pack, $0.start) < ($1.pack, $1.start) }) {
      if batchBytes >= Self.flushEvery {
        batches.append([])
        batchBytes = 0
      }
      batches[batches.count - 1].append(r)
      batchBytes += r.end - r.start
    }
    for batch in batches {
      try await forEachConcurrently(batch, jobs: jobs) { range in
        let key = RemoteLayout.packKey(range.pack)
        let bytes = try await self.backend.get(key, range: range.start..<range.end)
        counts.add(bytes: Int64(bytes.count))
        try await BlockingIO.run {
          let asked = range.objects.count
          for (k, (id, l)) in (range.objects + range.bonus).enumerated() {
            let from = Int(Int64(l.offset) - range.start)
            let to = min(bytes.count, from + Int(l.storedLength))
            let entry = PackFormat.Entry(
              id: id, type: l.type, codec: l.codec, rawLength: l.rawLength, storedLength: l.storedLength)
            do {
              let stored = from <= to ? Array(bytes[from..<to]) : []
              if try stored.withUnsafeBytes({ try writer.putEncoded(entry, bytes: $0) }) {
                counts.add(objects: 1)
              }
            } catch StoreError.corruptObject(_, _, let reason) {
              // A damaged object nobody asked for is skipped; fsck --remote reports it.
              if k < asked { corrupt.add(RemoteError.corruptObject(remote: self.label, key: key, id: id.hex, reason: reason)) }
            }
          }
        }
        progress.advance(range.end - range.start)
      }
      try await BlockingIO.run { try writer.flush() }
    }
    let (objects, bytes) = counts.value
    report.objectsFetched = objects
    report.bytesFetched = bytes
    report.requests = requests + ranges.count
    if let first = corrupt.first { throw first }
    return report
  }
}

struct FetchRange {
  var pack: ObjectID
  var start: Int64
  var end: Int64
  var objects: [(ObjectID, ObjectLocation)]
  /// Other objects inside the range, not asked for.
  var bonus: [(ObjectID, ObjectLocation)] = []
}

final class Counters: @unchecked Sendable {
  private let lock = NSLock()
  private var objects = 0
  private var bytes: Int64 = 0
  func add(objects n: Int = 0, bytes b: Int64 = 0) { lock.withLock { objects += n; bytes += b } }
  var value: (Int, Int64) { lock.withLock { (objects, bytes) } }
}

final class ErrorCollector: @unchecked Sendable {
  private let lock = NSLock()
  private var errors: [Error] = []
  func add(_ e: Error) { lock.withLock { errors.append(e) } }
  var first: Error? { lock.withLock { errors.first } }
  var all: [Error] { lock.withLock { errors } }
}
