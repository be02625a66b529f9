import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// While commands run, SIGINT, SIGTERM and SIGHUP sent to mlv are passed on to each running
/// command's process group. The handler only reads a fixed table of process-group ids
/// (plain aligned 32-bit stores, allocated once) and calls kill(2), both safe in a signal
/// handler; the table and the handler's installation are managed under a lock.
enum SignalForwarding {
  static let slots = 64
  // Shared with the signal handler, which cannot take a lock (see above).
  nonisolated(unsafe) static let table: UnsafeMutablePointer<pid_t> = {
    let p = UnsafeMutablePointer<pid_t>.allocate(capacity: slots)
    p.initialize(repeating: 0, count: slots)
    return p
  }()
  static let forwarded: [Int32] = [SIGINT, SIGTERM, SIGHUP]
  private static let lock = NSLock()
  // Both only under `lock`.
  nonisolated(unsafe) private static var active = 0
  nonisolated(unsafe) private static var previous: [Int32: sighandler_t?] = [:]

  private static let handler: @convention(c) (Int32) -> Void = { sig in
    for i in 0..<SignalForwarding.slots {
      let pgid = SignalForwarding.table[i]
      if pgid > 0 { kill(-pgid, sig) }
    }
  }

  /// Registers a process group; returns its slot for `unregister`.
  static func register(_ pgid: pid_t) -> Int? {
    lock.lock()
    defer { lock.unlock() }
    _ = table  // allocate before the handler can run
    guard let slot = (0..<slots).first(where: { table[$0] == 0 }) else { return nil }
    table[slot] = pgid
    return slot
  }

  static func unregister(_ slot: Int) {
    lock.lock()
    defer { lock.unlock() }
    table[slot] = 0
  }

  /// Installs the forwarding handler (counted, so nested runs share it).
  static func install() {
    lock.lock()
    defer { lock.unlock() }
    _ = table
    if active == 0 {
      for sig in forwarded { previous[sig] = signal(sig, handler) }
    }
    active += 1
    // A parent may have started mlv with these signals blocked (a test harness, some
    // supervisors); blocked, they would wait pending and never reach the command. The
    // thread that waits for the command takes them.
    var set = sigset_t()
    sigemptyset(&set)
    for sig in forwarded { sigaddset(&set, sig) }
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
  }

  /// Restores the previous handlers once the last running command is done.
  static func uninstall() {
    lock.lock()
    defer { lock.unlock() }
    active -= 1
    if active == 0 {
      for sig in forwarded { signal(sig, previous[sig] ?? SIG_DFL) }
      previous = [:]
    }
  }
}
