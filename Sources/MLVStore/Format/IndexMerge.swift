import Crypto
import MLVSystem

/// Merges mapped index files into one index file, streamed (docs/design.md, "Indexes").
///
/// Merging a million entries through `Record` arrays held ~90 bytes per entry two or three
/// times over (the records, a set of seen ids, a sorted copy) plus the encoded bytes. The
/// inputs are already sorted, so a k-way merge over the mappings needs only a cursor per
/// input: a first pass counts the surviving entries and numbers the packs they name (the
/// header comes first, and the checksum covers it), a second writes them through a 1 MiB
/// buffer while hashing. Memory is the buffer and the pack tables, whatever the entry count.
/// The bytes equal what `IndexFormat.encode` makes of the inputs' records in input order
/// (the first input's entry wins a duplicate id).
enum IndexMerge {
  /// Writes the merge of `inputs` to a new file at `path`; returns its checksum. Throws
  /// `corruptIndex` for an input entry that is invalid or out of order, as `allRecords`
  /// does, so damage is reported rather than copied.
  static func merge(_ inputs: [IndexFile], to path: String) throws -> ObjectID {
    // Pass 1: count, and number packs in the order the merged entries first name them.
    var packs: [ObjectID] = []
    var numbers = inputs.map { [UInt32?](repeating: nil, count: $0.packs.count) }
    var counts = [UInt32](repeating: 0, count: 256)
    var n = 0
    try forEachWinner(inputs) { k, i in
      let local = inputs[k].packNumber(at: i)
      if numbers[k][local] == nil {
        numbers[k][local] = UInt32(truncatingIfNeeded: packs.count)
        packs.append(inputs[k].packs[local])
        // The same pack may be named by several inputs: one number for it.
        for (j, other) in inputs.enumerated() where j != k {
          if let at = other.packs.firstIndex(of: inputs[k].packs[local]) { numbers[j][at] = numbers[k][local] }
        }
      }
      counts[Int(inputs[k].id(at: i).firstByte)] &+= 1
      n += 1
    }
    guard n <= Int(UInt32.max) else { throw StoreError.corruptIndex(path: path, reason: "more than 2^32 entries") }

    // Pass 2: stream header and entries.
    let file = try POSIXFile.create(path)
    var hasher = SHA256()
    var buffer: [UInt8] = []
    buffer.reserveCapacity(1 << 20)
    func emit() throws {
      buffer.withUnsafeBytes { hasher.update(bufferPointer: $0) }
      try file.write(buffer)
      buffer.removeAll(keepingCapacity: true)
    }
    let headerSize = IndexFormat.fanoutOffsetBase + packs.count * 32 + 256 * 4
    buffer = [UInt8](repeating: 0, count: headerSize)
    buffer.withUnsafeMutableBytes { IndexFormat.writeHeader($0.baseAddress!, packs: packs, entryCount: n, counts: counts) }
    try emit()
    var entry = [UInt8](repeating: 0, count: IndexFormat.entrySize)
    try forEachWinner(inputs) { k, i in
      let src = inputs[k].base + inputs[k].entriesOffset + i * IndexFormat.entrySize
      entry.withUnsafeMutableBytes { e in
        e.baseAddress!.copyMemory(from: src, byteCount: IndexFormat.entrySize)
        let global = numbers[k][inputs[k].packNumber(at: i)] ?? 0
        e.storeBytes(of: global.littleEndian, toByteOffset: 32, as: UInt32.self)
      }
      buffer.append(contentsOf: entry)
      if buffer.count >= 1 << 20 { try emit() }
    }
    try emit()
    let checksum = hasher.finalize().withUnsafeBytes { ObjectID(bytes: $0.baseAddress!) }
    try file.write(checksum.bytes)
    try file.sync()
    return checksum
  }

  /// Calls `body(input, entry)` for each entry of the merge in id order: of equal ids,
  /// the earliest input's. Every winning entry is validated and every input's order
  /// checked as its cursor moves.
  static func forEachWinner(_ inputs: [IndexFile], _ body: (Int, Int) throws -> Void) throws {
    var cursors = [Int](repeating: 0, count: inputs.count)
    while true {
      var best: (k: Int, id: ObjectID)?
      for (k, input) in inputs.enumerated() where cursors[k] < input.count {
        let id = input.id(at: cursors[k])
        if let b = best, !(id < b.id) { continue }
        best = (k, id)
      }
      guard let (winner, id) = best else { return }
      guard inputs[winner].record(at: cursors[winner]) != nil else {
        throw StoreError.corruptIndex(path: inputs[winner].path, reason: "entry \(cursors[winner]) is invalid")
      }
      try body(winner, cursors[winner])
      for (k, input) in inputs.enumerated() where cursors[k] < input.count && input.id(at: cursors[k]) == id {
        let i = cursors[k]
        if i + 1 < input.count, !(input.id(at: i) < input.id(at: i + 1)) {
          throw StoreError.corruptIndex(path: input.path, reason: "entries \(i) and \(i + 1) are out of order")
        }
        cursors[k] = i + 1
      }
    }
  }
}

extension IndexFile {
  /// The pack number of entry `i`, valid because `record(at:)` checked it.
  func packNumber(at i: Int) -> Int {
    Int(UInt32(littleEndian: (base + entriesOffset + i * IndexFormat.entrySize).loadUnaligned(fromByteOffset: 32, as: UInt32.self)))
  }
}
