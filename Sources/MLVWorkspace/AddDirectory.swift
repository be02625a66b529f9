import Foundation
import MLVStore
import MLVSystem

#if canImport(Glibc)
  import Glibc
#endif

/// A directory `mlv add` records whole: its files in tree order and the tree built from
/// them.
struct AddedDirectory {
  var pointer: Pointer
  var leaves: [TreeChild]
  var listing: TreeListing
  var skippedLinks: [String]
  var skippedOther: [String]
}

extension Workspace {
  /// Lists, hashes and stores the directory `dataPath` in tree order, building its tree as
  /// it goes; nil when `dataPath` is not a directory. Nothing here holds a String, an id or
  /// a dictionary entry per file: a million-file add held ~850 MB in them (a listing of
  /// Strings, the scanned table, the manifest entries, their sorted copy), against the
  /// ~75 MB of one sorted `TreeListing` now (issue 14).
  ///
  /// Files go through in batches of `hashBatch`: the cache hits are taken (each checked
  /// against the store, below), the misses hashed and stored on both cores, then the
  /// batch's entries go to the tree builder, which emits each leaf as it closes.
  func addDirectory(_ dataPath: String, writer: ObjectWriter) throws -> AddedDirectory? {
    try RepoPath.checkNoSymlinks(dataPath, root: root, includingLeaf: false)
    var st = stat()
    guard lstat(absolute(dataPath), &st) == 0, st.st_mode & S_IFMT == S_IFDIR else { return nil }
    var (listing, links, other) = try sortedListing(dataPath)
    let builder = TreeBuilder(writer: writer)
    let ingester = Ingester(chunker: chunker, writer: writer, store: true)
    progress.begin("adding \(dataPath)", totalBytes: try Sizes.sum(listing.stats.lazy.map(\.size), dataPath))
    defer { progress.end() }
    var ids: [ObjectID] = []
    for start in stride(from: 0, to: listing.count, by: Self.hashBatch) {
      let batch = start..<min(start + Self.hashBatch, listing.count)
      var misses: [Int] = []
      ids.removeAll(keepingCapacity: true)
      for i in batch {
        let size = listing.stats[i].size
        if size == 0 {
          ids.append(.empty)
        } else if let id = try cachedID(dataPath, listing, i) {
          progress.advance(size)
          ids.append(id)
        } else {
          misses.append(i)
          ids.append(.empty)  // filled in once hashed
        }
      }
      let results = try hashFiles(dataPath, misses.map { (listing.path($0), listing.stats[$0]) }, ingester: ingester)
      for (k, i) in misses.enumerated() { (ids[i - start], listing.stats[i]) = results[k] }
      for i in batch {
        let s = listing.stats[i]
        try builder.add(Manifest.Entry(path: listing.path(i), size: s.size, oid: ids[i - start], executable: s.executable))
      }
    }
    let rootID = try builder.finish()
    let pointer = Pointer(kind: .dir, oid: rootID, size: builder.bytes, files: builder.files)
    return AddedDirectory(pointer: pointer, leaves: builder.leaves, listing: listing, skippedLinks: links, skippedOther: other)
  }

  /// The walker's listing of `dataPath`, sorted; the unsorted one is gone on return.
  private func sortedListing(_ dataPath: String) throws -> (TreeListing, links: [String], other: [String]) {
    let walked = try DirectoryWalker(root: root, ignore: ignoreRules()).list(dataPath)
    return (TreeListing(walked), walked.skippedLinks, walked.skippedOther)
  }

  /// The stat cache's id for file `i` of `listing`, if the store holds it with the file's
  /// size: the last defence against a lying cache (docs/design.md, "Stat cache"), checked
  /// here for each hit as it is taken (the ids of hashed files are the bytes' own). A hit
  /// whose object has another size is dropped from the cache and refused by name.
  private func cachedID(_ dataPath: String, _ listing: TreeListing, _ i: Int) throws -> ObjectID? {
    let st = listing.stats[i]
    let hit = listing.pathBytes(i).withUnsafeBytes { statCache.lookup(dataPath, innerBytes: $0, st) }
    // One index lookup serves both questions: is it stored, and with which size.
    guard let hit, let info = store.info(hit) else { return nil }
    try checkRecordedSize(dataPath, { listing.path(i) }, size: st.size, oid: hit, info: info)
    return hit
  }

  static let hashBatch = 4096
}
