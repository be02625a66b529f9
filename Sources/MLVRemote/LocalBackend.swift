#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Foundation

/// A remote in a local directory (a mounted disk, an NFS share...). Each key is a file under
/// `root`; writes go through a temporary file, fsync and rename so readers never see a
/// partial object.
public struct LocalBackend: RemoteBackend {
  public let root: String
  /// Whether writes are fsynced before the rename. On by default, unlike the local store:
  /// a remote is the durable copy others rely on, and nothing else holds its data
  /// (docs/design.md, "Durability"). MLV_FSYNC=0 turns it off; the rename still keeps
  /// readers from partial objects.
  public let fsync: Bool

  public init(root: String, fsync: Bool = ProcessInfo.processInfo.environment["MLV_FSYNC"] != "0") {
    self.fsync = fsync
    // Trailing slashes would double up when keys are appended.
    var trimmed = root
    while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
    self.root = trimmed
  }

  public var displayName: String { root }

  public func put(_ key: String, data: [UInt8]) async throws {
    try await BlockingIO.run { try self.putSync(key, data: data) }
  }

  public func putFile(_ key: String, from source: String) async throws {
    try await BlockingIO.run { try self.putFileSync(key, from: source) }
  }

  public func get(_ key: String) async throws -> [UInt8] {
    try await BlockingIO.run { try self.getSync(key) }
  }

  public func get(_ key: String, range: Range<Int64>) async throws -> [UInt8] {
    try await BlockingIO.run { try self.getSync(key, range: range) }
  }

  public func getFile(_ key: String, to target: String) async throws {
    try await BlockingIO.run { try self.getFileSync(key, to: target) }
  }

  public func exists(_ key: String) async throws -> Bool {
    try await BlockingIO.run { try self.existsSync(key) }
  }

  public func list(prefix: String) async throws -> [RemoteObjectInfo] {
    try await BlockingIO.run { try self.listSync(prefix: prefix) }
  }

  public func delete(_ key: String) async throws {
    try await BlockingIO.run { try self.deleteSync(key) }
  }

  private func path(for key: String) throws -> String {
    try RemoteKey.validate(key)
    return root + "/" + key
  }

  private func putSync(_ key: String, data: [UInt8]) throws {
    let writer = try FileIO.AtomicWriter(finalPath: try path(for: key), fsync: fsync)
    try writer.write(data)
    try writer.commit()
  }

  private func putFileSync(_ key: String, from source: String) throws {
    let target = try path(for: key)
    let fd = try FileIO.openRead(source)
    defer { close(fd) }
    let writer = try FileIO.AtomicWriter(finalPath: target, fsync: fsync)
    var offset: Int64 = 0
    let chunk = 4 << 20
    while true {
      let bytes = try FileIO.pread(fd: fd, path: source, offset: offset, count: chunk)
      if bytes.isEmpty { break }
      try writer.write(bytes)
      offset += Int64(bytes.count)
    }
    try writer.commit()
  }

  private func openObject(_ key: String) throws -> Int32 {
    let file = try path(for: key)
    let fd = open(file, O_RDONLY | O_CLOEXEC)
    if fd < 0 {
      if errno == ENOENT || errno == ENOTDIR { throw RemoteError.notFound(key: key) }
      throw RemoteError.io(path: file, detail: FileIO.errorText())
    }
    var st = stat()
    if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
      close(fd)
      throw RemoteError.notFound(key: key)
    }
    return fd
  }

  private func getSync(_ key: String) throws -> [UInt8] {
    let fd = try openObject(key)
    defer { close(fd) }
    let file = root + "/" + key
    let size = try FileIO.size(fd: fd, path: file)
    return try FileIO.pread(fd: fd, path: file, offset: 0, count: Int(size))
  }

  private func getSync(_ key: String, range: Range<Int64>) throws -> [UInt8] {
    let fd = try openObject(key)
    defer { close(fd) }
    if range.isEmpty { return [] }
    let file = root + "/" + key
    let size = try FileIO.size(fd: fd, path: file)
    if range.lowerBound < 0 || range.lowerBound >= size {
      throw RemoteError.invalidRange(key: key, range: range)
    }
    let end = min(range.upperBound, size)
    return try FileIO.pread(fd: fd, path: file, offset: range.lowerBound, count: Int(end - range.lowerBound))
  }

  private func getFileSync(_ key: String, to target: String) throws {
    let fd = try openObject(key)
    defer { close(fd) }
    let file = root + "/" + key
    let writer = try FileIO.AtomicWriter(finalPath: target, fsync: fsync)
    var offset: Int64 = 0
    while true {
      let bytes = try FileIO.pread(fd: fd, path: file, offset: offset, count: 4 << 20)
      if bytes.isEmpty { break }
      try writer.write(bytes)
      offset += Int64(bytes.count)
    }
    try writer.commit()
  }

  private func existsSync(_ key: String) throws -> Bool {
    var st = stat()
    if stat(try path(for: key), &st) != 0 { return false }
    return (st.st_mode & S_IFMT) == S_IFREG
  }

  private func listSync(prefix: String) throws -> [RemoteObjectInfo] {
    try RemoteKey.validatePrefix(prefix)
    // Walk only the deepest directory the prefix names, not the whole tree.
    var directoryPart = ""
    if let slash = prefix.lastIndex(of: "/") { directoryPart = String(prefix[..<slash]) }
    var results: [RemoteObjectInfo] = []
    try walk(relative: directoryPart, prefix: prefix, into: &results)
    return results.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
  }

  private func walk(relative: String, prefix: String, into results: inout [RemoteObjectInfo]) throws {
    let directory = relative.isEmpty ? root : root + "/" + relative
    guard let dir = opendir(directory) else {
      if errno == ENOENT || errno == ENOTDIR { return }
      throw RemoteError.io(path: directory, detail: FileIO.errorText())
    }
    defer { closedir(dir) }
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
      }
      if name == "." || name == ".." || name.hasPrefix(RemoteKey.temporaryPrefix) { continue }
      let key = relative.isEmpty ? name : relative + "/" + name
      var st = stat()
      if lstat(root + "/" + key, &st) != 0 { continue }
      let isDirectory = (st.st_mode & S_IFMT) == S_IFDIR
      if isDirectory {
        // Descend only where keys below could still match the prefix.
        let asDirectory = key + "/"
        if asDirectory.hasPrefix(prefix) || prefix.hasPrefix(asDirectory) {
          try walk(relative: key, prefix: prefix, into: &results)
        }
      } else if (st.st_mode & S_IFMT) == S_IFREG && key.hasPrefix(prefix) {
        results.append(RemoteObjectInfo(key: key, size: Int64(st.st_size)))
      }
    }
  }

  private func deleteSync(_ key: String) throws {
    let file = try path(for: key)
    if unlink(file) != 0 && errno != ENOENT && errno != ENOTDIR {
      throw RemoteError.io(path: file, detail: FileIO.errorText())
    }
  }
}
