import Foundation
import MLVStore

public struct FsckReport: Sendable {
  public var packsChecked = 0
  public var objectsChecked = 0
  public var bytesChecked: Int64 = 0
  /// Corrupt object → where it is and the tracked paths that need it.
  public var corrupt: [(id: ObjectID, detail: String, neededBy: [String])] = []
  public var missing: [(id: ObjectID, neededBy: [String])] = []
  public var damagedPacks: [(path: String, reason: String)] = []
  public var damagedIndexes: [(path: String, reason: String)] = []
  public var danglingIndexEntries = 0
  public var pointersChecked = 0

  public var isHealthy: Bool {
    corrupt.isEmpty && missing.isEmpty && damagedPacks.isEmpty && damagedIndexes.isEmpty && danglingIndexEntries == 0
  }
}

extension Workspace {
  /// Re-hashes every object in the local store and checks that every pointer of the kept
  /// revisions is complete.
  public func fsck(_ policy: KeepPolicy) throws -> FsckReport {
    var report = FsckReport()
    for path in store.indexPaths() {
      do { _ = try IndexFile(path: path, verifyChecksum: true) } catch {
        report.damagedIndexes.append((path, "\(error)"))
      }
    }
    let packs = store.packFiles()
    let total = packs.reduce(Int64(0)) { $0 + store.fileSize($1) }
    progress.begin("verifying", totalBytes: total)
    var corruptIDs: [ObjectID: String] = [:]
    for path in packs {
      let check = store.verifyPack(path) { [progress] in progress.advance($0) }
      report.packsChecked += 1
      report.objectsChecked += check.objects
      report.bytesChecked += check.bytes
      if let d = check.damaged { report.damagedPacks.append((path, d)) }
      for (id, why) in check.corrupt { corruptIDs[id] = why }
    }
    progress.end()
    report.danglingIndexEntries = try store.danglingIndexRecords().count
    let live = try liveObjects(policy)
    report.pointersChecked = live.pointers
    report.missing = live.missing.map { ($0.key, $0.value.sorted()) }.sorted { $0.id < $1.id }
    if !corruptIDs.isEmpty {
      let users = try pathsNeeding(Set(corruptIDs.keys), policy)
      report.corrupt = corruptIDs.map { ($0.key, $0.value, users[$0.key] ?? []) }.sorted { $0.id < $1.id }
    }
    return report
  }

  /// The tracked paths (with revision) that need any of `ids`: a second, targeted walk so
  /// the common healthy case keeps no reverse map of millions of objects.
  func pathsNeeding(_ ids: Set<ObjectID>, _ policy: KeepPolicy) throws -> [ObjectID: [String]] {
    var out: [ObjectID: Set<String>] = [:]
    var tips = try policy.revisions.map { try $0.map { try git.resolveCommit($0) } } ?? git.references().map(\.target)
    if policy.revisions == nil, let head = try git.head() { tips.append(head) }
    let commits = policy.history ? try git.reachableCommits(from: tips) : tips
    var seen = Set<String>()
    func visit(_ ptr: Pointer, _ label: String) {
      if ids.contains(ptr.oid) { out[ptr.oid, default: []].insert(label) }
      guard let entries = try? entries(of: ptr) else { return }
      for e in entries {
        let name = e.path.isEmpty ? label : "\(label): \(e.path)"
        if ids.contains(e.oid) { out[e.oid, default: []].insert(name) }
        if e.size > 0, let chunks = try? store.chunks(ofFile: e.oid, size: e.size) {
          for c in chunks where ids.contains(c.id) { out[c.id, default: []].insert(name) }
        }
      }
    }
    for commit in commits {
      for pointerPath in try git.listFiles(at: commit, withSuffix: Pointer.suffix) {
        guard let data = Pointer.dataPath(forPointer: pointerPath),
          let blob = try git.blobID(pointerPath, at: commit), seen.insert(blob.hex + data).inserted,
          let ptr = try? readPointer(data, at: commit)
        else { continue }
        visit(ptr, "\(data) (\(commit.short))")
      }
    }
    if policy.workspace {
      for data in try trackedPaths() { if let ptr = try? readPointer(data) { visit(ptr, "\(data) (workspace)") } }
    }
    return out.mapValues { $0.sorted() }
  }
}
