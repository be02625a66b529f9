import Foundation
import MLVGit
import MLVWorkspace

/// What a run changes before its command finishes, kept on disk so that a run that fails,
/// is interrupted or is killed (SIGKILL) leaves nothing behind (docs/experiments.md,
/// "Failure and the journal"):
///
///     .mlv/state/run-journal/journal.json   {"pid": N, "files": [{"path": P, "backup": "0"|null}], "index": true|false}
///     .mlv/state/run-journal/0, 1, ...      the files' bytes before the run
///     .mlv/state/run-journal/index          the git index before the run
///
/// A file is saved *before* mlv first writes it (params, stage file, the record); `null`
/// means it did not exist and is removed on rollback. The journal is written atomically
/// after each new entry, so after a crash it never names a backup that is not on disk.
/// `RunJournal.recover` (called by the next mlv command that takes the lock) puts the
/// files and the index back and removes the journal.
public final class RunJournal {
  struct Entry: Codable {
    var path: String
    var backup: String?
  }
  struct State: Codable {
    var pid: Int32
    var files: [Entry]
    var index: Bool
  }

  let directory: String
  let git: GitRepository
  let root: String
  private var state: State

  public static func directory(in ws: Workspace) -> String { ws.stateDir + "/run-journal" }

  /// Starts a journal, saving the index first. Refuses when a journal is already there
  /// (recover it first).
  public init(in ws: Workspace) throws {
    directory = Self.directory(in: ws)
    git = ws.git
    root = ws.root
    let fm = FileManager.default
    if fm.fileExists(atPath: directory + "/journal.json") { try Self.recover(in: ws) }
    try? fm.removeItem(atPath: directory)
    try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
    state = State(pid: getpid(), files: [], index: false)
    if let index = try git.indexSnapshot() {
      try Data(index).write(to: URL(fileURLWithPath: directory + "/index"), options: .atomic)
      state.index = true
    }
    try persist()
  }

  /// Saves `path` (absolute, inside the workspace) before it is first changed.
  public func save(_ path: String) throws {
    let rel = path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    guard !state.files.contains(where: { $0.path == rel }) else { return }
    var entry = Entry(path: rel, backup: nil)
    if let data = FileManager.default.contents(atPath: root + "/" + rel) {
      let name = String(state.files.count)
      try data.write(to: URL(fileURLWithPath: directory + "/" + name), options: .atomic)
      entry.backup = name
    }
    state.files.append(entry)
    try persist()
  }

  /// Puts every saved file and the index back, and ends the journal.
  public func rollback() {
    Self.restore(state, directory: directory, root: root, git: git)
    finish()
  }

  /// Puts back the index and every saved file except `keep` (repository-relative paths),
  /// and ends the journal: what an off-branch run does once its commit is made.
  public func putBack(except keep: Set<String>) throws {
    var partial = state
    partial.files = state.files.filter { !keep.contains($0.path) }
    Self.restore(partial, directory: directory, root: root, git: git)
    finish()
  }

  /// The run succeeded: forget the backups.
  public func finish() {
    try? FileManager.default.removeItem(atPath: directory)
  }

  private func persist() throws {
    let data = try JSONEncoder().encode(state)
    try data.write(to: URL(fileURLWithPath: directory + "/journal.json"), options: .atomic)
  }

  /// If a run was killed, puts back what it changed. Returns the paths restored (empty
  /// when there was nothing to do). Call holding the repository lock.
  @discardableResult
  public static func recover(in ws: Workspace) throws -> [String] {
    let dir = directory(in: ws)
    guard let data = FileManager.default.contents(atPath: dir + "/journal.json") else {
      try? FileManager.default.removeItem(atPath: dir)  // a journal killed before its first write
      return []
    }
    let state: State
    do { state = try JSONDecoder().decode(State.self, from: data) } catch {
      throw ExperimentError.malformedRecord(path: dir + "/journal.json", reason: "not a run journal: \(error)")
    }
    for e in state.files {
      // the journal is ours, but its paths are still checked before anything is written
      guard StagePath.problem(e.path) == nil else {
        throw ExperimentError.malformedRecord(path: dir + "/journal.json", reason: "path '\(e.path)' outside the repository")
      }
    }
    restore(state, directory: dir, root: ws.root, git: ws.git)
    try? FileManager.default.removeItem(atPath: dir)
    return state.files.map(\.path) + (state.index ? ["git index"] : [])
  }

  static func restore(_ state: State, directory: String, root: String, git: GitRepository) {
    for e in state.files.reversed() {
      let target = root + "/" + e.path
      if let b = e.backup, let data = FileManager.default.contents(atPath: directory + "/" + b) {
        try? data.write(to: URL(fileURLWithPath: target), options: .atomic)
      } else if e.backup == nil {
        try? FileManager.default.removeItem(atPath: target)
      }
    }
    if state.index, let bytes = FileManager.default.contents(atPath: directory + "/index") {
      try? git.restoreIndex(Array(bytes))
    }
  }
}
