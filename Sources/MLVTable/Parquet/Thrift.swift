/// A decoded Thrift compact-protocol value. Parquet metadata is small (the footer and
/// one page header at a time), so a generic tree is simpler and safer than generated
/// per-struct code; accessors below check types so hostile input becomes an error.
indirect enum ThriftValue {
  case int(Int64)
  case bool(Bool)
  case double(Double)
  case binary([UInt8])
  case list([ThriftValue])
  case structure(ThriftStruct)
  /// Maps are not used by the parts of Parquet metadata mlv reads; they are skipped.
  case map
}

struct ThriftStruct {
  var fields: [Int16: ThriftValue] = [:]

  func int(_ id: Int16) -> Int64? {
    if case .int(let v)? = fields[id] { return v }
    return nil
  }
  func bool(_ id: Int16) -> Bool? {
    if case .bool(let v)? = fields[id] { return v }
    return nil
  }
  func binary(_ id: Int16) -> [UInt8]? {
    if case .binary(let v)? = fields[id] { return v }
    return nil
  }
  func string(_ id: Int16) -> String? {
    return binary(id).map { String(decoding: $0, as: UTF8.self) }
  }
  func list(_ id: Int16) -> [ThriftValue]? {
    if case .list(let v)? = fields[id] { return v }
    return nil
  }
  func structure(_ id: Int16) -> ThriftStruct? {
    if case .structure(let v)? = fields[id] { return v }
    return nil
  }
  /// Union members are structs; the one set is the union's value.
  var unionMember: (Int16, ThriftStruct)? {
    for (k, v) in fields { if case .structure(let s) = v { return (k, s) } }
    return nil
  }
}

struct ThriftError: Error { let reason: String }

/// Compact-protocol decoder over a byte buffer. Every length and count is checked
/// against the bytes left, and nesting is bounded, so no input can allocate more than
/// its own size or recurse without limit.
struct ThriftReader {
  let bytes: UnsafeBufferPointer<UInt8>
  var pos = 0
  static let maxDepth = 32

  init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

  var remaining: Int { bytes.count - pos }

  mutating func byte() throws -> UInt8 {
    guard pos < bytes.count else { throw ThriftError(reason: "metadata ends early") }
    defer { pos += 1 }
    return bytes[pos]
  }

  mutating func varint() throws -> UInt64 {
    guard let v = Varint.read(bytes, at: &pos) else {
      throw ThriftError(reason: pos >= bytes.count ? "metadata ends early" : "varint too long")
    }
    return v
  }

  static func zigzag(_ v: UInt64) -> Int64 {
    return Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)
  }

  mutating func zigzagVarint() throws -> Int64 { ThriftReader.zigzag(try varint()) }

  mutating func readStruct(depth: Int = 0) throws -> ThriftStruct {
    guard depth < ThriftReader.maxDepth else { throw ThriftError(reason: "metadata nested too deeply") }
    var s = ThriftStruct()
    var last: Int16 = 0
    while true {
      let h = try byte()
      let type = h & 0x0f
      if type == 0 { return s }
      let delta = h >> 4
      let id: Int16
      if delta != 0 {
        id = last &+ Int16(delta)
      } else {
        let raw = try zigzagVarint()
        guard raw >= Int64(Int16.min) && raw <= Int64(Int16.max) else { throw ThriftError(reason: "bad field id") }
        id = Int16(raw)
      }
      last = id
      s.fields[id] = try value(type: type, depth: depth)
    }
  }

  mutating func value(type: UInt8, depth: Int, inCollection: Bool = false) throws -> ThriftValue {
    switch type {
    case 1, 2:
      // In a struct the type nibble holds the bool; in a list each bool is one byte.
      if inCollection { return .bool(try byte() == 1) }
      return .bool(type == 1)
    case 3: return .int(Int64(Int8(bitPattern: try byte())))
    case 4, 5, 6: return .int(try zigzagVarint())
    case 7:
      guard remaining >= 8 else { throw ThriftError(reason: "metadata ends early") }
      var bits: UInt64 = 0
      for i in 0..<8 { bits |= UInt64(bytes[pos + i]) << (8 * UInt64(i)) }
      pos += 8
      return .double(Double(bitPattern: bits))
    case 8:
      let n = try varint()
      guard n <= UInt64(remaining) else { throw ThriftError(reason: "string length \(n) past the end") }
      let out = Array(bytes[pos..<(pos + Int(n))])
      pos += Int(n)
      return .binary(out)
    case 9, 10:
      let h = try byte()
      var n = UInt64(h >> 4)
      if n == 15 { n = try varint() }
      // Every element takes at least one byte, so a count beyond the bytes left is a lie.
      guard n <= UInt64(remaining) else { throw ThriftError(reason: "list count \(n) past the end") }
      var out: [ThriftValue] = []
      out.reserveCapacity(Int(n))
      for _ in 0..<Int(n) { out.append(try value(type: h & 0x0f, depth: depth + 1, inCollection: true)) }
      return .list(out)
    case 11:
      let n = try varint()
      guard n <= UInt64(remaining) else { throw ThriftError(reason: "map count \(n) past the end") }
      if n > 0 {
        let kv = try byte()
        for _ in 0..<Int(n) {
          _ = try value(type: kv >> 4, depth: depth + 1, inCollection: true)
          _ = try value(type: kv & 0x0f, depth: depth + 1, inCollection: true)
        }
      }
      return .map
    case 12: return .structure(try readStruct(depth: depth + 1))
    default: throw ThriftError(reason: "unknown Thrift type \(type)")
    }
  }
}
