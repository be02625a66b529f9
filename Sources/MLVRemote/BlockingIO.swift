import Dispatch

/// Runs blocking file-system work (read, write, fsync, rename) on a Dispatch queue instead
/// of Swift's cooperative pool, which has one thread per core: an fsync there would stall
/// every other task of the process (network transfers included) on a 2-core machine.
enum BlockingIO {
  private static let queue = DispatchQueue(label: "mlv.remote.blocking-io", attributes: .concurrent)

  static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      queue.async { continuation.resume(with: Result { try body() }) }
    }
  }
}
