import CCurl
import Foundation
import MLVSystem

/// Up to `maxWorkers` threads, each owning one curl easy handle that it reuses, so its
/// connection stays open between requests (keep-alive). curl_easy_perform blocks, so it
/// runs here and not on Swift's cooperative pool (one thread per core: a waiting transfer
/// would stall every other task). Requests beyond `maxWorkers` wait their turn, as they
/// did behind URLSession's 8 connections per host.
final class CurlPool: @unchecked Sendable {
  // @unchecked: the mutable state (pending, idle, workers, closed) is read and written
  // only under `condition`'s lock.
  private let maxWorkers: Int
  private let condition = NSCondition()
  private var pending: [Job] = []
  private var idle = 0
  private var workers = 0
  private var closed = false

  private struct Job {
    let request: CurlRequest
    let cancelled: Locked<Bool>
    let library: CurlLibrary
    let finish: @Sendable (Result<S3Response, Error>) -> Void
  }

  init(maxWorkers: Int = 8) {
    self.maxWorkers = max(1, maxWorkers)
  }

  /// Sends `request`; throws TransportFailure when no HTTP answer came, CancellationError
  /// when the task was cancelled (checked before the transfer and about every second in it).
  func send(_ request: CurlRequest, with library: CurlLibrary) async throws -> S3Response {
    let cancelled = Locked(false)
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<S3Response, Error>) in
        submit(Job(request: request, cancelled: cancelled, library: library) { continuation.resume(with: $0) })
      }
    } onCancel: {
      cancelled.update { $0 = true }
    }
  }

  /// Lets the workers end once the requests already given are done (the transport's deinit).
  func close() {
    condition.lock()
    closed = true
    condition.broadcast()
    condition.unlock()
  }

  private func submit(_ job: Job) {
    condition.lock()
    pending.append(job)
    // Waiting workers take pending jobs in turn; start another only if they are too few.
    let start = pending.count > idle && workers < maxWorkers
    if start { workers += 1 }
    condition.signal()
    condition.unlock()
    if start {
      let thread = Thread { [self] in work(library: job.library) }
      thread.name = "mlv.s3.curl"
      thread.start()
    }
  }

  /// The next job, or nil when the pool is closed and drained (the worker then ends).
  private func next() -> Job? {
    condition.lock()
    defer { condition.unlock() }
    idle += 1
    while pending.isEmpty && !closed { condition.wait() }
    idle -= 1
    if pending.isEmpty {
      workers -= 1
      return nil
    }
    return pending.removeFirst()
  }

  private func work(library: CurlLibrary) {
    let handle = library.makeHandle()
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(MLV_CURL_ERROR_SIZE))
    defer {
      if let handle { library.cleanup(handle) }
      errorBuffer.deallocate()
    }
    while let job = next() {
      guard let handle else {
        job.finish(.failure(TransportFailure(underlying: CurlFailure(code: -1, message: "curl_easy_init failed"))))
        continue
      }
      job.finish(
        CurlExchange.perform(
          job.request, cancelled: job.cancelled, handle: handle, library: library, errorBuffer: errorBuffer))
    }
  }
}
