import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Whole-store operations for `fsck` and `gc`. They run under the repository lock.
extension DiskStore {
  /// Paths of every pack file, sorted.
  public func packFiles() -> [String] {
    var out: [String] = []
    for dir in (try? FileManager.default.contentsOfDirectory(atPath: packsDir)) ?? [] {
      let sub = packsDir + "/" + dir
      for name in (try? FileManager.default.contentsOfDirectory(atPath: sub)) ?? [] where name.hasSuffix(".pack") {
        out.append(sub + "/" + name)
      }
    }
    return out.sorted()
  }

  public static func packID(fromPath path: String) -> ObjectID? {
    let name = (path as NSString).lastPathComponent
    return ObjectID(hex: name.dropLast(".pack".count))
  }

  public struct PackCheck {
    public var path: String
    public var objects = 0
    public var bytes: Int64 = 0
    public var corrupt: [(ObjectID, String)] = []
    /// The pack itself is unreadable (bad header, wrong name).
    public var damaged: String?
  }

  /// Re-reads every blob of the pack at `path` and verifies it against its id, and the pack
  /// name against its header.
  public func verifyPack(_ path: String, progress: (@Sendable (Int64) -> Void)? = nil) -> PackCheck {
    var check = PackCheck(path: path)
    do {
      let file = try POSIXFile.openForReading(path)
      let entries = try PackFormat.readHeader(file)
      let header = PackFormat.encodeHeader(entries.map(\.entry))
      if let named = Self.packID(fromPath: path), named != ObjectID.hash(header) {
        check.damaged = "its name does not match its header"
      }
      for (e, offset) in entries {
        let l = ObjectLocation(
          pack: .empty, offset: UInt32(offset), storedLength: e.storedLength, rawLength: e.rawLength,
          type: e.type, codec: e.codec)
        do { _ = try Self.readVerified(e.id, location: l, file: file) } catch {
          check.corrupt.append((e.id, "\(error)"))
        }
        check.objects += 1
        check.bytes += Int64(e.storedLength)
        progress?(Int64(e.storedLength))
      }
    } catch {
      check.damaged = "\(error)"
    }
    return check
  }

  /// Index records whose pack file is missing or lacks the recorded entry.
  public func danglingIndexRecords() throws -> [IndexFormat.Record] {
    var headers: [ObjectID: Set<ObjectID>] = [:]
    var dangling: [IndexFormat.Record] = []
    for r in try allRecords() {
      if headers[r.location.pack] == nil {
        let path = packPath(r.location.pack)
        let ids = (try? POSIXFile.openForReading(path)).flatMap { try? PackFormat.readHeader($0) }
        headers[r.location.pack] = Set(ids?.map(\.entry.id) ?? [])
      }
      if !headers[r.location.pack]!.contains(r.id) { dangling.append(r) }
    }
    return dangling
  }

  /// Replaces every index by one holding exactly `records`. The new index is durable before
  /// the old ones are removed, so a crash in between leaves duplicates, never a gap.
  public func replaceIndexes(with records: [IndexFormat.Record]) throws {
    try supersede(indexPaths(), with: records)
  }

  /// Removes temporary files left by processes that are gone (a killed `add` can leave
  /// gigabytes of unsealed packs). Temporary names embed the creator's pid
  /// (`FS.temporaryPath`), so files of a live process — a `diff` restoring a file, which
  /// takes no lock — are kept; a name without a pid is removed once it is a day old.
  /// Returns the number of files and bytes removed.
  @discardableResult
  public func removeOrphanedTemporaryFiles(olderThan unknownAge: Double = 86_400) -> (files: Int, bytes: Int64) {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: tmpDir)) ?? []
    var removed = (files: 0, bytes: Int64(0))
    let now = Date().timeIntervalSince1970
    for name in names {
      let path = tmpDir + "/" + name
      var st = stat()
      guard lstat(path, &st) == 0 else { continue }
      let orphaned: Bool
      if let pid = FS.creatorPID(ofTemporaryName: name) {
        orphaned = pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH
      } else {
        orphaned = now - Double(st.st_mtim.tv_sec) > unknownAge
      }
      guard orphaned else { continue }
      FS.remove(path)
      removed.files += 1
      removed.bytes += Int64(st.st_size)
    }
    return removed
  }

  public func fileSize(_ path: String) -> Int64 {
    var st = stat()
    return lstat(path, &st) == 0 ? Int64(st.st_size) : 0
  }
}
