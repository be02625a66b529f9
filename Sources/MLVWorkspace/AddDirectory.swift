import Foundation
import MLVStore
import MLVSystem

#if canImport(Glibc)
  import Glibc
#endif

/// A directory `mlv add` records whole: its files in tree order with their ids, and the
/// tree built from them.
struct AddedDirectory {
  var pointer: Pointer
  var leaves: [TreeChild]
  var listing: TreeListing
  /// The content id of each file of `listing`, by index.
  var ids: [ObjectID]
  var skippedLinks: [String]
  var skippedOther: [String]
}

extension Workspace {
  /// Lists, hashes and stores the directory `dataPath` in tree order, building its tree as
  /// it goes; nil when `dataPath` is not a directory. Nothing here holds a String or a
  /// dictionary entry per file: a million-file add held ~850 MB in them (a listing of
  /// Strings, the scanned table, the manifest entries, their sorted copy), against the
  /// ~75 MB of one sorted `TreeListing` and 32 MB of ids (issue 14).
  func addDirectory(_ dataPath: String, writer: ObjectWriter) throws -> AddedDirectory? {
    try RepoPath.checkNoSymlinks(dataPath, root: root, includingLeaf: false)
    var st = stat()
    guard lstat(absolute(dataPath), &st) == 0, st.st_mode & S_IFMT == S_IFDIR else { return nil }
    var (listing, links, other) = try sortedListing(dataPath)
    let ids = try contentIDs(dataPath, &listing, writer: writer, label: "adding \(dataPath)")
    let builder = TreeBuilder(writer: writer)
    for i in 0..<listing.count {
      let s = listing.stats[i]
      try builder.add(Manifest.Entry(path: listing.path(i), size: s.size, oid: ids[i], executable: s.executable))
    }
    let rootID = try builder.finish()
    let pointer = Pointer(kind: .dir, oid: rootID, size: builder.bytes, files: builder.files)
    return AddedDirectory(
      pointer: pointer, leaves: builder.leaves, listing: listing, ids: ids, skippedLinks: links, skippedOther: other)
  }

  /// The walker's listing of `dataPath`, sorted; the unsorted one is gone on return.
  private func sortedListing(_ dataPath: String) throws -> (TreeListing, links: [String], other: [String]) {
    let walked = try DirectoryWalker(root: root, ignore: ignoreRules()).list(dataPath)
    return (TreeListing(walked), walked.skippedLinks, walked.skippedOther)
  }

  /// Content ids for every file of `listing`, storing what is not stored yet: cache hits
  /// first (each named object must be in the store), then the misses hashed in batches of
  /// `hashBatch` files, so only one batch of paths is ever made into Strings. A stat in
  /// `listing` is updated when its file was re-read because it changed.
  func contentIDs(_ dataPath: String, _ listing: inout TreeListing, writer: ObjectWriter, label: String) throws -> [ObjectID] {
    var ids = [ObjectID](repeating: .empty, count: listing.count)
    var misses: [Int] = []
    var total: Int64 = 0
    let ends = listing.ends
    listing.bytes.withUnsafeBytes { all in
      for i in 0..<ends.count {
        let st = listing.stats[i]
        guard st.size > 0 else { continue }
        let inner = UnsafeRawBufferPointer(rebasing: all[(i == 0 ? 0 : ends[i - 1])..<ends[i]])
        if let id = statCache.lookup(dataPath, innerBytes: inner, st), store.contains(id) {
          ids[i] = id
        } else {
          misses.append(i)
          total = Sizes.saturating(total, st.size)
        }
      }
    }
    guard !misses.isEmpty else { return ids }
    let ingester = Ingester(chunker: chunker, writer: writer, store: true)
    progress.begin(label, totalBytes: total)
    defer { progress.end() }
    for start in stride(from: 0, to: misses.count, by: Self.hashBatch) {
      let batch = misses[start..<min(start + Self.hashBatch, misses.count)]
      let results = try hashFiles(dataPath, batch.map { (listing.path($0), listing.stats[$0]) }, ingester: ingester)
      for (k, i) in batch.enumerated() { (ids[i], listing.stats[i]) = results[k] }
    }
    return ids
  }

  static let hashBatch = 4096
}
