/// Bounds the bytes of request bodies one backend holds in memory at once.
///
/// A push uploads several packs concurrently, and each upload holds its body two or three
/// times (the bytes read, the request's copy, the HTTP client's buffer): eight 32 MiB packs
/// in flight took a push of 100,000 files to 452 MB of memory. Uploads therefore take their
/// size from this budget before reading the file and give it back when the request is done;
/// over loopback or a LAN a few bodies in flight already fill the link.
///
/// A body larger than the whole budget is admitted when nothing else is in flight, so no
/// request waits forever. Waiters are served in arrival order.
actor ByteBudget {
  let limit: Int64
  private var inUse: Int64 = 0
  private var waiters: [(bytes: Int64, resume: CheckedContinuation<Void, Never>)] = []

  init(limit: Int64) { self.limit = max(1, limit) }

  private func fits(_ bytes: Int64) -> Bool { inUse == 0 || inUse + bytes <= limit }

  func acquire(_ bytes: Int64) async {
    if waiters.isEmpty && fits(bytes) {
      inUse += bytes
      return
    }
    await withCheckedContinuation { waiters.append((bytes, $0)) }
  }

  func release(_ bytes: Int64) {
    inUse -= bytes
    while let first = waiters.first, fits(first.bytes) {
      waiters.removeFirst()
      inUse += first.bytes
      first.resume.resume()
    }
  }

  /// Runs `body` holding `bytes` of the budget, released however `body` ends.
  nonisolated func holding<T: Sendable>(_ bytes: Int64, _ body: @Sendable () async throws -> T) async throws -> T {
    await acquire(bytes)
    do {
      let result = try await body()
      await release(bytes)
      return result
    } catch {
      await release(bytes)
      throw error
    }
  }
}
