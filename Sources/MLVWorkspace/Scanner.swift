import Dispatch
import Foundation
import MLVStore
import MLVSystem

/// The workspace state of one tracked path: every file with its stat data and content id.
public struct ScannedData {
  public var kind: Pointer.Kind
  /// Keyed by path inside the tracked directory ("" for a tracked file).
  public var files: [String: (stat: FileStat, id: ObjectID)]
  public var skippedLinks: [String] = []
  /// Special files and names mlv cannot track (not UTF-8, control characters).
  public var skippedOther: [String] = []

  public var manifestEntries: [Manifest.Entry] {
    files.map { Manifest.Entry(path: $0.key, size: $0.value.stat.size, oid: $0.value.id, executable: $0.value.stat.executable) }
  }
}

extension Workspace {
  /// Lists `dataPath` (a file or directory) and finds each file's content id: from the stat
  /// cache when the file is unchanged, otherwise by chunking and hashing it — storing the
  /// chunks too when `storeObjects` is set (that is `mlv add`). Returns nil when the path
  /// does not exist. `listing` is one just made of the directory `dataPath` (by
  /// `summaryCheck`), used instead of walking it again.
  public func scan(
    _ dataPath: String, storeObjects: Bool, writer: ObjectWriter? = nil, listing made: DirectoryWalker.Listing? = nil,
    label: String = "hashing"
  ) throws -> ScannedData? {
    try RepoPath.checkNoSymlinks(dataPath, root: root, includingLeaf: false)
    let abs = absolute(dataPath)
    var st = stat()
    guard lstat(abs, &st) == 0 else { return nil }
    let kind: Pointer.Kind
    var listing: [(path: String, stat: FileStat)]
    var links: [String] = []
    var other: [String] = []
    switch st.st_mode & S_IFMT {
    case S_IFREG:
      kind = .file
      listing = [("", FileStat(st))]
    case S_IFDIR:
      kind = .dir
      let l = try made ?? DirectoryWalker(root: root, ignore: ignoreRules()).list(dataPath)
      listing = l.files()
      links = l.skippedLinks
      other = l.skippedOther
    case S_IFLNK:
      throw WorkspaceError.symlinkInPath(dataPath, link: abs)
    default:
      throw WorkspaceError.forbiddenPath(dataPath, reason: "not a regular file or directory")
    }
    let ids = try contentIDs(dataPath, &listing, storeObjects: storeObjects, writer: writer, label: label)
    // Built with ScannedData's own element type: a dictionary of unlabeled tuples would be
    // copied whole to convert it (two more copies of a million entries at add's peak).
    var files: [String: (stat: FileStat, id: ObjectID)] = [:]
    files.reserveCapacity(listing.count)
    for k in listing.indices { files[listing[k].path] = (listing[k].stat, ids[k]) }
    listing = []
    return ScannedData(kind: kind, files: files, skippedLinks: links, skippedOther: other)
  }

  func cacheKey(_ dataPath: String, _ inner: String) -> String { inner.isEmpty ? dataPath : dataPath + "/" + inner }

  /// Content ids for `listing`, in order. Cache hits cost a dictionary lookup (plus, when
  /// storing, an index lookup to be sure the object is really in the store); misses are
  /// hashed — big files one at a time with the pipelined ingester, small files two at a time.
  /// A stat in `listing` is updated when its file was re-read because it changed.
  func contentIDs(
    _ dataPath: String, _ listing: inout [(path: String, stat: FileStat)], storeObjects: Bool, writer: ObjectWriter?,
    label: String
  ) throws -> [ObjectID] {
    var ids = [ObjectID?](repeating: nil, count: listing.count)
    var misses: [Int] = []
    for (i, f) in listing.enumerated() {
      if f.stat.size == 0 {
        ids[i] = .empty
      } else if let id = statCache.lookup(dataPath, f.path, f.stat), !storeObjects || store.contains(id) {
        ids[i] = id
      } else {
        misses.append(i)
      }
    }
    guard !misses.isEmpty else { return ids.map { $0! } }
    let w = writer ?? store.makeWriter()
    let ingester = Ingester(chunker: chunker, writer: w, store: storeObjects)
    let total = misses.reduce(Int64(0)) { $0 + listing[$1].stat.size }
    progress.begin(label, totalBytes: total)
    defer { progress.end() }
    let results = try hashFiles(dataPath, misses.map { listing[$0] }, ingester: ingester)
    for (k, i) in misses.enumerated() { (ids[i], listing[i].stat) = results[k] }
    return ids.map { $0! }
  }

  /// Hashes `files` (of `dataPath`, each with the stat it was listed with), storing them
  /// when the ingester stores: big files one at a time with the pipelined ingester, small
  /// files two at a time. Returns each file's id with the stat it had while read.
  func hashFiles(_ dataPath: String, _ files: [(path: String, stat: FileStat)], ingester: Ingester) throws -> [(ObjectID, FileStat)] {
    let sink = progress
    let none = (ObjectID.empty, FileStat(size: 0, mtimeNs: 0, ctimeNs: 0, inode: 0, executable: false))
    var results = [(ObjectID, FileStat)](repeating: none, count: files.count)
    let small = files.indices.filter { files[$0].stat.size <= Int64(Ingester.smallFileLimit) }
    for i in files.indices where files[i].stat.size > Int64(Ingester.smallFileLimit) {
      results[i] = try ingestSettled(ingester, dataPath, files[i], progress: sink)
    }
    let errors = ErrorBox()
    let next = Counter()
    let slots = SharedSlots(repeating: none, count: small.count)
    DispatchQueue.concurrentPerform(iterations: min(2, small.count)) { _ in
      while !errors.isSet, let k = next.take(below: small.count) {
        do {
          slots[k] = try ingestSettled(ingester, dataPath, files[small[k]], progress: sink)
        } catch { errors.set(error) }
      }
    }
    if let e = errors.error { throw e }
    for (k, i) in small.enumerated() { results[i] = slots[k] }
    return results
  }

  /// Reads one file and returns its id with the stat it had while read, caching the id.
  /// A file whose stat changed during the read (another process writing it) may have
  /// been read half old, half new. `mlv add` must not record content that never existed,
  /// so it reads such a file again, and reports one that keeps changing; hashing for
  /// status or diff just leaves the result uncached, so the next look reads it again.
  func ingestSettled(
    _ ingester: Ingester, _ dataPath: String, _ f: (path: String, stat: FileStat), progress: ProgressSink
  ) throws -> (ObjectID, FileStat) {
    let key = cacheKey(dataPath, f.path)
    var before = f.stat
    for attempt in 0..<Self.readAttempts {
      // Only the first read counts towards progress, so a re-read cannot pass 100%.
      let id = try ingester.ingest(path: absolute(key)) { if attempt == 0 { progress.advance($0) } }.id
      let after = FileStat.of(absolute(key))
      if after == before {
        statCache.record(key, before, id)
        return (id, before)
      }
      guard ingester.store else { return (id, before) }
      before = after ?? before  // gone: the next attempt reports it missing
    }
    throw WorkspaceError.changedWhileReading(key)
  }

  static let readAttempts = 3
}

final class Counter: @unchecked Sendable {
  private var value = 0
  private let lock = NSLock()
  func take(below limit: Int) -> Int? {
    lock.lock()
    defer { lock.unlock() }
    guard value < limit else { return nil }
    value += 1
    return value - 1
  }
}
