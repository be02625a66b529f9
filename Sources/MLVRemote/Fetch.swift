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
  /// Upper bound of one ranged GET: the bytes of a range are held while its objects are
  /// stored, so `jobs` of them are in memory at once (4 MiB x 8 jobs; 48 MiB ranges held up
  /// to 384 MB). A request still carries thousands of small objects.
  static let maxRange: Int64 = 4 << 20
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
    _ ids: consuming [ObjectID], into store: any PackTransfer, jobs: Int = 8,
    progress: TransferProgress = SilentTransferProgress()
  ) async throws -> FetchReport {
    var report = FetchReport()
    let index = try await self.index()
    // Memory (issue 14): a million wanted objects are planned in one compact table
    // (`PlannedObject`, pack by number, sorted by pack and offset) that the ranges point
    // into; the ids asked for are let go once planned (the caller hands them over), and
    // the remote's records are read one index file at a time, only to count each touched
    // pack's objects and find the ones lying inside a range.
    var sorted = ids
    if !zip(sorted, sorted.dropFirst()).allSatisfy({ $0 < $1 }) { sorted = Array(Set(sorted)).sorted() }
    var packs: [ObjectID] = []
    var packNumber: [ObjectID: Int] = [:]
    var planned: [PlannedObject] = []
    planned.reserveCapacity(sorted.count)  // callers pass what they found missing: most are planned
    for id in sorted where id != .empty {
      if store.contains(id) {
        report.alreadyLocal += 1
      } else if let l = index.lookup(id) {
        let n: Int
        if let known = packNumber[l.pack] {
          n = known
        } else {
          n = packs.count
          packNumber[l.pack] = n
          packs.append(l.pack)
        }
        planned.append(PlannedObject(id: id, pack: n, location: l))
      } else {
        report.missing.append(id)
      }
    }
    sorted = []
    guard !planned.isEmpty else { return report }
    planned.sort { ($0.pack, $0.offset) < ($1.pack, $1.offset) }
    let wantedIn = Self.countsByPack(planned, packs: packs.count)
    // Ranges, by pack and start; each pack's run of them in `rangesOf`.
    var ranges: [FetchRange] = []
    var rangesOf = [Range<Int>](repeating: 0..<0, count: packs.count)
    var k = 0
    while k < planned.count {
      let pack = planned[k].pack
      let first = ranges.count
      var current = FetchRange(pack: pack, start: planned[k].start, end: planned[k].start, objects: k..<k)
      while k < planned.count && planned[k].pack == pack {
        let o = planned[k]
        if !current.objects.isEmpty && (o.start - current.end >= Self.coalesceGap || o.end - current.start > Self.maxRange) {
          ranges.append(current)
          current = FetchRange(pack: pack, start: o.start, end: o.start, objects: k..<k)
        }
        current.objects = current.objects.lowerBound..<(k + 1)
        current.end = max(current.end, o.end)
        k += 1
      }
      ranges.append(current)
      rangesOf[pack] = first..<ranges.count
    }
    // Every object of the touched packs, one index file at a time: how many each pack
    // holds (a pack whose every object is wanted travels whole), and the objects lying in
    // the gaps a coalesced range downloads anyway, which are stored too (verified), so the
    // next round need not fetch them again (the chunks of a file list usually sit right
    // next to it).
    var inPack = [Int](repeating: 0, count: packs.count)
    var seenRecord = Set<ObjectID>()  // bonus objects only: an id in two remote indexes is stored once
    for f in index.files where f.packIDs.contains(where: { packNumber[$0] != nil }) {
      for r in try f.allRecords() {
        guard let p = packNumber[r.location.pack] else { continue }
        inPack[p] += 1
        let start = Int64(r.location.offset)
        let end = start + Int64(r.location.storedLength)
        guard let i = Self.range(containing: start..<end, in: ranges, rangesOf[p]), !Self.plans(planned, ranges[i].objects, r),
          !store.contains(r.id), seenRecord.insert(r.id).inserted
        else { continue }
        ranges[i].bonus.append((r.id, r.location))
      }
    }
    seenRecord = []
    // Objects newly stored (whole packs and ranges), and bytes downloaded.
    let counts = Counters()
    // Packs wanted whole travel as files; the rest (and packs failing verification) by range.
    let whole = (0..<packs.count).filter { wantedIn[$0] == inPack[$0] }
    let wholeBytes = whole.reduce(Int64(0)) { total, p in
      rangesOf[p].reduce(total) { $0 + ranges[$1].end - ranges[$1].start }
    }
    let requests = whole.count
    var wholeDone = Set<Int>()
    if !whole.isEmpty {
      progress.begin("fetching from \(name)", totalBytes: wholeBytes)
      let failed = Set(try await fetchWholePacks(
        whole.map { packs[$0] }, into: store, jobs: jobs, progress: progress, counts: counts))
      progress.end()
      for p in whole where !failed.contains(packs[p]) { wholeDone.insert(p) }
    }
    if !wholeDone.isEmpty { ranges.removeAll { wholeDone.contains($0.pack) } }
    let plan = planned
    planned = []
    let packIDs = packs
    let total = ranges.reduce(Int64(0)) { $0 + $1.end - $1.start }
    progress.begin("fetching from \(name)", totalBytes: total)
    defer { progress.end() }
    let writer = store.makeWriter()
    let corrupt = ErrorCollector()
    // Batches bound what an interruption loses: each ends with a flush (packs + index).
    var batches: [[FetchRange]] = [[]]
    var batchBytes: Int64 = 0
    for r in ranges {  // by pack and start already
      if batchBytes >= Self.flushEvery {
        batches.append([])
        batchBytes = 0
      }
      batches[batches.count - 1].append(r)
      batchBytes += r.end - r.start
    }
    for batch in batches {
      try await forEachConcurrently(batch, jobs: jobs) { range in
        let key = RemoteLayout.packKey(packIDs[range.pack])
        let bytes = try await self.backend.get(key, range: range.start..<range.end)
        counts.add(bytes: Int64(bytes.count))
        try await BlockingIO.run {
          let asked = range.objects.count
          let objects = range.objects.lazy.map { (plan[$0].id, plan[$0].location(packIDs)) }
          for (k, (id, l)) in (Array(objects) + range.bonus).enumerated() {
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
  /// The pack's number in the fetch's table of packs.
  var pack: Int
  var start: Int64
  var end: Int64
  /// The objects asked for, as positions in the fetch's plan (sorted by pack and offset).
  var objects: Range<Int>
  /// Other objects inside the range, not asked for.
  var bonus: [(ObjectID, ObjectLocation)] = []
}

/// One wanted object of a fetch's plan: its location with the pack as a number (56 bytes
/// rather than 80 with the pack's id, for a million objects).
struct PlannedObject {
  var id: ObjectID
  var pack: Int
  var offset: UInt32
  var storedLength: UInt32
  var rawLength: UInt32
  var type: ObjectType
  var codec: Codec

  init(id: ObjectID, pack: Int, location l: ObjectLocation) {
    (self.id, self.pack, offset, storedLength, rawLength, type, codec) = (id, pack, l.offset, l.storedLength, l.rawLength, l.type, l.codec)
  }

  var start: Int64 { Int64(offset) }
  var end: Int64 { Int64(offset) + Int64(storedLength) }

  func location(_ packs: [ObjectID]) -> ObjectLocation {
    ObjectLocation(pack: packs[pack], offset: offset, storedLength: storedLength, rawLength: rawLength, type: type, codec: codec)
  }
}

extension RemoteRepository {
  /// How many objects of `planned` (sorted by pack) each pack holds.
  static func countsByPack(_ planned: [PlannedObject], packs: Int) -> [Int] {
    var out = [Int](repeating: 0, count: packs)
    for o in planned { out[o.pack] += 1 }
    return out
  }

  /// The range among `ranges[candidates]` (sorted by start, not overlapping) that holds
  /// all of `span`, if any.
  static func range(containing span: Range<Int64>, in ranges: [FetchRange], _ candidates: Range<Int>) -> Int? {
    var lo = candidates.lowerBound
    var hi = candidates.upperBound
    while lo < hi {  // the last range starting at or before span's start
      let mid = (lo + hi) / 2
      if ranges[mid].start <= span.lowerBound { lo = mid + 1 } else { hi = mid }
    }
    guard lo > candidates.lowerBound else { return nil }
    let r = ranges[lo - 1]
    return span.upperBound <= r.end ? lo - 1 : nil
  }

  /// Whether `planned[objects]` (one pack's, sorted by offset) asks for the record `r`.
  static func plans(_ planned: [PlannedObject], _ objects: Range<Int>, _ r: IndexFormat.Record) -> Bool {
    var lo = objects.lowerBound
    var hi = objects.upperBound
    while lo < hi {
      let mid = (lo + hi) / 2
      if planned[mid].offset < r.location.offset { lo = mid + 1 } else { hi = mid }
    }
    while lo < objects.upperBound && planned[lo].offset == r.location.offset {
      if planned[lo].id == r.id { return true }
      lo += 1
    }
    return false
  }
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
