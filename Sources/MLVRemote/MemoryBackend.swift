import Foundation

/// A remote held in memory, for tests of the layers above (push/pull) that should not touch
/// disk or network. Same key rules and semantics as the other backends.
public final class MemoryBackend: RemoteBackend, @unchecked Sendable {
  // @unchecked: `objects` is only touched under `lock`.
  private let lock = NSLock()
  private var objects: [String: [UInt8]] = [:]
  public let displayName: String

  public init(name: String = "memory") {
    displayName = name
  }

  private func withLock<T>(_ body: () throws -> T) rethrows -> T {
    lock.lock()
    defer { lock.unlock() }
    return try body()
  }

  public func put(_ key: String, data: [UInt8]) async throws {
    try RemoteKey.validate(key)
    withLock { objects[key] = data }
  }

  public func putFile(_ key: String, from path: String) async throws {
    try RemoteKey.validate(key)
    guard let data = FileManager.default.contents(atPath: path) else {
      throw RemoteError.io(path: path, detail: "cannot read file")
    }
    withLock { objects[key] = [UInt8](data) }
  }

  public func get(_ key: String) async throws -> [UInt8] {
    try RemoteKey.validate(key)
    guard let data = withLock({ objects[key] }) else { throw RemoteError.notFound(key: key) }
    return data
  }

  public func get(_ key: String, range: Range<Int64>) async throws -> [UInt8] {
    let data = try await get(key)
    if range.isEmpty { return [] }
    if range.lowerBound < 0 || range.lowerBound >= Int64(data.count) {
      throw RemoteError.invalidRange(key: key, range: range)
    }
    return Array(data[Int(range.lowerBound)..<Int(min(range.upperBound, Int64(data.count)))])
  }

  public func getFile(_ key: String, to path: String) async throws {
    let data = try await get(key)
    let writer = try FileIO.AtomicWriter(finalPath: path)
    try writer.write(data)
    try writer.commit()
  }

  public func exists(_ key: String) async throws -> Bool {
    try RemoteKey.validate(key)
    return withLock { objects[key] != nil }
  }

  public func list(prefix: String) async throws -> [RemoteObjectInfo] {
    try RemoteKey.validatePrefix(prefix)
    let matching = withLock { objects.filter { $0.key.hasPrefix(prefix) } }
    return matching.map { RemoteObjectInfo(key: $0.key, size: Int64($0.value.count)) }
      .sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
  }

  public func delete(_ key: String) async throws {
    try RemoteKey.validate(key)
    _ = withLock { objects.removeValue(forKey: key) }
  }
}
