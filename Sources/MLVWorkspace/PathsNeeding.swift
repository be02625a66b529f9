import MLVStore

extension Workspace {
  /// The tracked paths (with revision) that need any of `ids`: how remote fsck and repair
  /// name what a damaged object breaks.
  public func paths(needing ids: Set<ObjectID>, _ policy: KeepPolicy) throws -> [ObjectID: [String]] {
    try pathsNeeding(ids, policy)
  }
}
