import Foundation
import MLVSystem
import MLVWorkspace

/// `mlv status --check-imports`: for every imported path (a pointer with an
/// `.mlv-import` pin next to it), re-reads the source at the pinned revision and says
/// whether it has moved (a branch that moved on; a tag that was re-pointed), and whether
/// the data there differs from ours. Read-only: `mlv update` moves a pin.
enum ImportCheck {
  struct Finding {
    var path: String
    var pin: ImportPin
    /// What the pinned revision resolves to now; nil when the source could not be read.
    var now: String?
    var dataChanged = false
    var error: String?

    var moved: Bool { now != nil && now != pin.commit }
  }

  /// Pins of the tracked paths under `filter` (all when empty), each source cloned
  /// without a checkout (as `mlv import` does), never fetched from.
  static func check(_ ws: Workspace, filter: [String]) throws -> [Finding] {
    var out: [Finding] = []
    for path in try ws.trackedPaths()
    where filter.isEmpty || filter.contains(where: { $0.isEmpty || path == $0 || path.hasPrefix($0 + "/") }) {
      let pinFile = path + ImportPin.suffix
      guard (try? RepoPath.checkNoSymlinks(pinFile, root: ws.root, includingLeaf: true)) != nil,
        FS.exists(ws.absolute(pinFile))
      else { continue }
      let file = try POSIXFile.openForReading(ws.absolute(pinFile))
      let bytes = try file.read(count: Int(min(try file.size(), Int64(ImportPin.maxBytes + 1))), at: 0)
      let pin = try ImportPin.decode(bytes, file: pinFile)
      var f = Finding(path: path, pin: pin)
      do {
        let src = try DataSource.open(pin.url, rev: pin.rev.isEmpty ? nil : pin.rev, cwd: ws.root, storeRoot: ws.storeRoot)
        defer { src.close() }
        f.now = src.commit.hex
        f.dataChanged = try src.ws.readPointer(pin.path, at: src.commit) != (try ws.readPointer(path))
      } catch {
        f.error = "\(error)"
      }
      out.append(f)
    }
    return out
  }

  static func lines(_ findings: [Finding]) -> [String] {
    if findings.isEmpty { return ["no imports to check"] }
    return findings.map { f in
      let rev = f.pin.rev.isEmpty ? "HEAD" : f.pin.rev
      let source = "\(f.pin.path) of \(f.pin.url)"
      if let e = f.error { return "\(f.path): cannot check its import (\(source)): \(e)" }
      guard f.moved, let now = f.now else {
        return "\(f.path): import up to date (\(source) at \(rev) is still \(f.pin.commit.prefix(7)))"
      }
      return "\(f.path): source moved: \(rev) of \(f.pin.url) is now \(now.prefix(7)), pinned \(f.pin.commit.prefix(7)); "
        + (f.dataChanged ? "\(f.pin.path) changed there" : "\(f.pin.path) is the same there")
        + " (run `mlv update \(f.path)`)"
    }
  }

  static func json(_ findings: [Finding]) -> [[String: Any]] {
    findings.map { f in
      var d: [String: Any] = [
        "path": f.path, "url": f.pin.url, "sourcePath": f.pin.path, "rev": f.pin.rev, "pinned": f.pin.commit,
        "moved": f.moved, "dataChanged": f.dataChanged,
      ]
      d["now"] = f.now ?? NSNull()
      d["error"] = f.error ?? NSNull()
      return d
    }
  }
}

/// Sources that could not be read: `status --check-imports` reports every import first,
/// then fails with this (exit 1), so a script notices.
struct UnreachableImports: Error, CustomStringConvertible {
  var findings: [ImportCheck.Finding]
  var description: String {
    "cannot reach the source of " + findings.map { "\($0.path) (\($0.pin.url))" }.joined(separator: ", ")
  }
}
