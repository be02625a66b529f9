import Foundation

// The transport interface of mlv remotes: a flat key/value object space.
//
// Everything above this layer (which packs to push, which index files to fetch) speaks only
// in keys such as `packs/ab/<64hex>.pack` and `index/<64hex>.idx`; a backend knows how to
// move bytes for a key and nothing about what the bytes mean.

/// One object as reported by `RemoteBackend.list(prefix:)`.
public struct RemoteObjectInfo: Sendable, Hashable {
  /// The key relative to the remote's root (never includes an S3 location prefix).
  public let key: String
  public let size: Int64

  public init(key: String, size: Int64) {
    self.key = key
    self.size = size
  }
}

/// A place that stores objects under slash-separated keys.
///
/// Keys are validated by `RemoteKey.validate` before any I/O: no empty components, no `.` or
/// `..`, not absolute. Writes are atomic: a reader sees either no object or the whole object.
public protocol RemoteBackend: Sendable {
  /// A human-readable location for messages, e.g. `s3://bucket/prefix` or `/mnt/store`.
  var displayName: String { get }

  func put(_ key: String, data: [UInt8]) async throws
  /// Uploads the file at `path` without holding more than a bounded slice of it in memory.
  func putFile(_ key: String, from path: String) async throws
  /// Throws `RemoteError.notFound(key:)` when the object is absent.
  func get(_ key: String) async throws -> [UInt8]
  /// The bytes in `range` (byte offsets). A range reaching past the end is cut at the end; a
  /// range starting at or past the end throws `RemoteError.invalidRange`.
  func get(_ key: String, range: Range<Int64>) async throws -> [UInt8]
  /// Downloads to a temporary file next to `path`, then renames it into place.
  func getFile(_ key: String, to path: String) async throws
  func exists(_ key: String) async throws -> Bool
  /// All objects whose key starts with `prefix`, sorted by key (bytewise, as S3 does).
  func list(prefix: String) async throws -> [RemoteObjectInfo]
  /// Deleting an absent key is not an error (S3 semantics).
  func delete(_ key: String) async throws
  /// Multipart uploads under `prefix` begun and never completed or aborted.
  func incompleteUploads(prefix: String) async throws -> [IncompleteUpload]
  /// Aborts one, so the server drops its parts. An upload already gone is not an error.
  func abortUpload(_ upload: IncompleteUpload) async throws
}

/// A multipart upload that was started and never completed nor aborted (a killed push).
/// Its parts cost storage until it is aborted; `gc --remote` does that.
public struct IncompleteUpload: Sendable, Hashable {
  /// The key relative to the remote's root.
  public let key: String
  public let uploadID: String
  /// When the server says the upload began (nil if it did not say).
  public let initiated: Date?

  public init(key: String, uploadID: String, initiated: Date?) {
    self.key = key
    self.uploadID = uploadID
    self.initiated = initiated
  }
}

/// Backends without multipart uploads (a directory, memory) have none to clean up.
extension RemoteBackend {
  public func incompleteUploads(prefix: String) async throws -> [IncompleteUpload] { [] }
  public func abortUpload(_ upload: IncompleteUpload) async throws {}
}
