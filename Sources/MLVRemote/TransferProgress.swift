/// Receives progress of transfers. MLVRemote does not know the workspace's ProgressSink
/// (dependencies point one way), so the command layer bridges the two. Implementations
/// must be thread-safe: `advance` is called from concurrent transfers.
public protocol TransferProgress: AnyObject, Sendable {
  func begin(_ label: String, totalBytes: Int64)
  func advance(_ bytes: Int64)
  func end()
  func warn(_ message: String)
}

public final class SilentTransferProgress: TransferProgress, @unchecked Sendable {
  public init() {}
  public func begin(_ label: String, totalBytes: Int64) {}
  public func advance(_ bytes: Int64) {}
  public func end() {}
  public func warn(_ message: String) {}
}

/// Runs `body` for every item with at most `jobs` in flight; the first error cancels the rest.
func forEachConcurrently<T: Sendable>(_ items: [T], jobs: Int, _ body: @escaping @Sendable (T) async throws -> Void) async throws {
  try await withThrowingTaskGroup(of: Void.self) { group in
    var running = 0
    for item in items {
      if running >= max(1, jobs) {
        try await group.next()
        running -= 1
      }
      group.addTask { try await body(item) }
      running += 1
    }
    try await group.waitForAll()
  }
}
