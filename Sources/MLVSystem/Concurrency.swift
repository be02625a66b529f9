import Foundation

/// A value shared between threads or tasks, every access under one lock.
public final class Locked<T>: @unchecked Sendable {
  private var v: T
  private let lock = NSLock()
  public init(_ v: T) { self.v = v }
  public var value: T { lock.withLock { v } }
  public func update<R>(_ body: (inout T) throws -> R) rethrows -> R { try lock.withLock { try body(&v) } }
}

/// The first error of several workers; later ones are dropped (the first is the cause,
/// the rest are usually its consequences).
public final class ErrorBox: @unchecked Sendable {
  private let lock = NSLock()
  private var first: Error?
  public init() {}
  public var error: Error? { lock.withLock { first } }
  public var isSet: Bool { error != nil }
  public func set(_ e: Error) { lock.withLock { if first == nil { first = e } } }
}

/// Hands out work-item numbers 0, 1, 2, … to parallel workers, each number once.
public final class WorkCounter: @unchecked Sendable {
  private var next = 0
  private let lock = NSLock()
  public init() {}
  public func take(below limit: Int) -> Int? {
    lock.withLock {
      guard next < limit else { return nil }
      next += 1
      return next - 1
    }
  }
}

/// One slot per work item for parallel workers that each write different indices. The
/// buffer is shared without a lock: no index is written by two workers, and the slots are
/// read only after `concurrentPerform` returns, when every worker is done.
public final class SharedSlots<T>: @unchecked Sendable {
  private let buffer: UnsafeMutableBufferPointer<T>
  public init(repeating value: T, count: Int) {
    buffer = .allocate(capacity: count)
    buffer.initialize(repeating: value)
  }
  deinit {
    _ = buffer.deinitialize()
    buffer.deallocate()
  }
  public subscript(i: Int) -> T {
    get { buffer[i] }
    _modify { yield &buffer[i] }
  }
  public var values: [T] { Array(buffer) }
}
