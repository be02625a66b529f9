import Foundation

/// The pid of a process that has exited and been reaped, so `kill(pid, 0)` fails with
/// ESRCH: what a killed mlv leaves in its markers. (The kernel may reuse it later; tests
/// use it at once.)
public func exitedProcessID() throws -> Int32 {
  let p = Process()
  p.executableURL = URL(fileURLWithPath: "/bin/true")
  try p.run()
  p.waitUntilExit()
  return p.processIdentifier
}
