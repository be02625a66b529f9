import MLVGit

/// One version of a tracked path in history.
public struct DataVersion: Sendable {
  public var commit: GitCommitInfo
  /// nil when the commit removed the pointer.
  public var pointer: Pointer?
}

extension Workspace {
  /// The commits (first-parent history of `from`, default HEAD) that changed the pointer
  /// of `dataPath`, newest first.
  public func log(_ dataPath: String, from rev: String? = nil, limit: Int? = nil) throws -> [DataVersion] {
    guard let start = try rev.map({ try git.resolveCommit($0) }) ?? git.head() else { return [] }
    let pointerPath = Pointer.pointerPath(forData: dataPath)
    return try git.log(from: start, touching: pointerPath, limit: limit).map { info in
      DataVersion(commit: info, pointer: try readPointer(dataPath, at: info.oid))
    }
  }
}
