import Testing

@testable import MLVRemote
@testable import MLVStore

/// The fetch plan's lookups (Fetch.swift): which range holds an object lying in a gap, and
/// whether a record is one of those asked for.
@Suite struct FetchPlanTests {
  func id(_ n: UInt64) -> ObjectID { ObjectID(w0: n, w1: 0, w2: 0, w3: 0) }

  @Test func aRecordIsMatchedToTheRangeThatHoldsItWhole() {
    let ranges = [
      FetchRange(pack: 0, start: 0, end: 100, objects: 0..<1),
      FetchRange(pack: 0, start: 5_000_000, end: 5_000_300, objects: 1..<2),
      FetchRange(pack: 1, start: 0, end: 50, objects: 2..<3),
    ]
    #expect(RemoteRepository.range(containing: 10..<20, in: ranges, 0..<2) == 0)
    #expect(RemoteRepository.range(containing: 90..<110, in: ranges, 0..<2) == nil)  // runs past the range
    #expect(RemoteRepository.range(containing: 200..<300, in: ranges, 0..<2) == nil)  // in no range
    #expect(RemoteRepository.range(containing: 5_000_100..<5_000_200, in: ranges, 0..<2) == 1)
    #expect(RemoteRepository.range(containing: 10..<20, in: ranges, 2..<3) == 2)  // the other pack's
    #expect(RemoteRepository.range(containing: 10..<20, in: ranges, 0..<0) == nil)
  }

  @Test func aRecordAskedForIsKnownByItsOffsetAndId() {
    func loc(_ offset: UInt32) -> ObjectLocation {
      ObjectLocation(pack: id(99), offset: offset, storedLength: 10, rawLength: 10, type: .chunk, codec: .raw)
    }
    let planned = [10, 20, 30].map { PlannedObject(id: id(UInt64($0)), pack: 0, location: loc(UInt32($0))) }
    #expect(RemoteRepository.plans(planned, 0..<3, IndexFormat.Record(id: id(20), location: loc(20))))
    #expect(!RemoteRepository.plans(planned, 0..<3, IndexFormat.Record(id: id(21), location: loc(20))))
    #expect(!RemoteRepository.plans(planned, 0..<3, IndexFormat.Record(id: id(25), location: loc(25))))
    #expect(!RemoteRepository.plans(planned, 0..<1, IndexFormat.Record(id: id(30), location: loc(30))))
  }
}
