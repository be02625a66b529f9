import Foundation
import MLVWorkspace

/// Progress on stderr — bytes, rate and ETA — redrawn at most ten times a second, and only
/// when stderr is a terminal (so logs and pipes stay clean) and `--quiet` is not given.
final class TerminalProgress: ProgressSink, @unchecked Sendable {
  let enabled: Bool
  private let lock = NSLock()
  private var label = ""
  private var total: Int64 = 0
  private var done: Int64 = 0
  private var started = Date()
  private var lastDraw = Date.distantPast
  private var drawn = false
  let quiet: Bool

  init(enabled: Bool) {
    self.quiet = !enabled
    self.enabled = enabled && isatty(2) != 0
  }

  func begin(_ label: String, totalBytes: Int64) {
    lock.withLock {
      self.label = label
      total = totalBytes
      done = 0
      started = Date()
      lastDraw = .distantPast
    }
  }

  func advance(_ bytes: Int64) {
    guard enabled else { return }
    lock.withLock {
      done += bytes
      let now = Date()
      // Short operations never draw: the first frame waits 0.3 s.
      guard now.timeIntervalSince(lastDraw) >= 0.1, now.timeIntervalSince(started) > 0.3 else { return }
      lastDraw = now
      draw(now)
    }
  }

  private func draw(_ now: Date) {
    let elapsed = max(now.timeIntervalSince(started), 0.001)
    let rate = Double(done) / elapsed
    var text = "\(label)  \(Format.bytes(done))"
    if total > 0 {
      let pct = min(100, Int(Double(done) * 100 / Double(total)))
      text += " / \(Format.bytes(total))  \(pct)%"
    }
    text += "  \(Format.bytes(Int64(rate)))/s"
    if total > 0 && rate > 0 && done < total {
      text += "  ETA \(Format.duration(Double(total - done) / rate))"
    }
    FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
    drawn = true
  }

  func end() {
    guard enabled else { return }
    lock.withLock {
      if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
      drawn = false
    }
  }

  func warn(_ message: String) {
    guard !quiet else { return }
    lock.withLock {
      if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
      drawn = false
      FileHandle.standardError.write(Data("mlv: warning: \(message)\n".utf8))
    }
  }
}
