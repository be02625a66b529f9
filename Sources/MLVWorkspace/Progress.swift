/// Receives progress of long operations. The command layer draws it on a terminal; the
/// library never prints. Implementations must be thread-safe (`advance` is called from
/// worker threads).
public protocol ProgressSink: AnyObject, Sendable {
  func begin(_ label: String, totalBytes: Int64)
  func advance(_ bytes: Int64)
  func end()
  /// A non-fatal notice (a skipped symlink, ...), shown even without a terminal.
  func warn(_ message: String)
}

public final class SilentProgress: ProgressSink, @unchecked Sendable {
  public init() {}
  public func begin(_ label: String, totalBytes: Int64) {}
  public func advance(_ bytes: Int64) {}
  public func end() {}
  public func warn(_ message: String) {}
}
