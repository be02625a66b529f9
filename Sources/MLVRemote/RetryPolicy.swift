import Foundation

/// How often and how patiently S3 requests are retried.
///
/// Retried: 5xx, 429 and failures with no HTTP answer (timeouts, refused or reset
/// connections). Never retried: any other 4xx, because the same request will fail the same
/// way (wrong credentials, missing bucket...).
public struct RetryPolicy: Sendable {
  /// Total tries including the first; 1 disables retrying.
  public let maxAttempts: Int
  /// The delay before the first retry; each further retry doubles it.
  public let baseDelay: TimeInterval
  /// Upper bound for one delay, so long outages do not stretch a delay to minutes.
  public let maxDelay: TimeInterval

  public init(maxAttempts: Int, baseDelay: TimeInterval, maxDelay: TimeInterval = 20) {
    self.maxAttempts = max(1, maxAttempts)
    self.baseDelay = max(0, baseDelay)
    self.maxDelay = max(0, maxDelay)
  }

  /// 5 tries over roughly 0.25 + 0.5 + 1 + 2 s.
  public static let `default` = RetryPolicy(maxAttempts: 5, baseDelay: 0.25)
  public static let none = RetryPolicy(maxAttempts: 1, baseDelay: 0)

  /// Delay before retry number `retry` (1-based): exponential with "full jitter" (a random
  /// fraction of the exponential step), which spreads out clients that failed together.
  func delay(beforeRetry retry: Int) -> TimeInterval {
    let exponential = min(maxDelay, baseDelay * pow(2, Double(retry - 1)))
    return exponential / 2 + Double.random(in: 0...(exponential / 2))
  }

  static func isRetryable(status: Int) -> Bool {
    status >= 500 || status == 429
  }
}
