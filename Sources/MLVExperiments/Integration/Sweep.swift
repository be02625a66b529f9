import Foundation
import MLVGit
import MLVWorkspace

/// `mlv run -n NAME -S a=1,2 -S b=x,y --jobs N`: every grid point is run and recorded as
/// its own run `NAME-1`, `NAME-2`... (docs/experiments.md, "Sweeps").
///
/// Each point runs in its own git worktree (detached at HEAD, in a temporary directory)
/// opened as a workspace that shares the one store, so the user's workspace is never
/// touched. The worktree gets what the workspace has that HEAD lacks: the stage file,
/// params files, changed tracked files, and the stage's dependencies (a data dependency
/// mlv tracks comes as its pointer and is restored from the store; anything else is
/// copied).
///
/// What runs one point at a time, under `gate`, is what touches state the points share:
/// adding and removing a worktree (the main repository's `.git/worktrees` and a temporary
/// branch), and recording (outputs into the store, objects and the run ref into git).
/// Restoring data (a read of the store), applying overrides, hashing dependencies and the
/// command itself touch only the point's worktree and run side by side. The environment
/// probe runs once for the sweep, beside the first points.
public enum Sweep {
  public struct PointResult: Sendable {
    public var name: String
    public var overrides: [String]
    /// nil when the point failed; then `error` says why.
    public var run: String?
    public var error: String?
  }

  public struct Progress: Sendable {
    public var total = 0
    public var done = 0
    public var running = 0
    public var failed = 0
  }

  public static func run(
    _ base: RunRequest, points: [SweepGrid.Point], jobs: Int, in ws: Workspace, progress: @escaping @Sendable (Progress) -> Void
  ) throws -> [PointResult] {
    _ = try ws.git.signature()
    let names = points.indices.map { "\(base.name)-\($0 + 1)" }
    for n in names { try RunStore.validate(name: n); _ = try RunStore.claimID(name: n, replace: base.replace, in: ws) }
    _ = try StageGraph.order(base.stages.stages)
    try RunRecorder.checkPaths(base.stage)
    guard let head = try ws.git.head() else { throw RunError.noCommitToSweepFrom }

    _ = try? ws.git.pruneWorktrees()
    // what the workspace changed against HEAD, read once for every point's overlay
    let changed = try ws.git.status().filter { !$0.isUntracked && $0.workdirStatus != nil }.map(\.path)
    let gate = RunGate()
    let dirs = SweepDirectories()
    defer {
      // points that ended in an error before removing their worktree
      for d in dirs.remaining {
        try? ws.git.removeWorktree(at: d)
        try? FileManager.default.removeItem(atPath: d)
      }
    }
    let state = SweepState(total: points.count)
    let results = SweepResults(points.indices.map { PointResult(name: names[$0], overrides: points[$0].map(Self.describe)) })
    let storeRoot = ws.storeRoot
    var shared = base
    shared.gate = gate
    shared.environment = EnvironmentProbe(
      command: [base.stage.cmd], mlvVersion: base.mlvVersion, extraVariables: base.extraVariables,
      directory: ws.absolute(base.stage.resolve(".")))
    let queue = DispatchQueue(label: "mlv.sweep", attributes: .concurrent)
    let group = DispatchGroup()
    let slots = DispatchSemaphore(value: max(1, jobs))
    let main = UncheckedSendable(ws)
    let declared = UncheckedSendable((base.stage, base.stages))
    progress(state.snapshot())
    for i in points.indices {
      slots.wait()
      progress(state.start())
      group.enter()
      var request = shared
      request.name = names[i]
      request.overrides = base.overrides + points[i]
      let sendable = UncheckedSendable(request)
      queue.async {
        defer { slots.signal(); group.leave() }
        do {
          let ws = main.value
          let dir = try gate.inside { () throws -> String in
            let dir = try Reproduction.temporaryDirectory("mlv-sweep-\(names[i])")
            dirs.add(dir)
            let tree = try ws.git.addWorktree(at: dir, commit: head)
            try overlay(from: ws, to: dir, worktree: tree, changed: changed, stage: declared.value.0, stages: declared.value.1)
            return dir
          }
          let point = try Workspace.open(worktree: dir, storeRoot: storeRoot)
          _ = try point.checkout(revision: nil, paths: [], force: true)
          let outcome = try RunRecorder.run(sendable.value, in: point)
          gate.inside {
            try? ws.git.removeWorktree(at: dir)
            try? FileManager.default.removeItem(atPath: dir)
            dirs.remove(dir)
          }
          results.set(i) { $0.run = outcome.id }
          progress(state.finish(failed: false))
        } catch {
          results.set(i) { $0.error = "\(error)" }
          progress(state.finish(failed: true))
        }
      }
    }
    group.wait()
    return results.all
  }

  /// `-S` text of one override: `train.lr=0.1`, `other.yaml:seed=3`.
  public static func describe(_ o: ParamOverride) -> String {
    (o.file.map { $0 + ":" } ?? "") + o.key + "=" + o.value.canonical
  }

  /// Copies into the worktree at `dir` what the workspace has that HEAD lacks.
  /// `changed`: the tracked paths the workspace changed against HEAD.
  static func overlay(
    from ws: Workspace, to dir: String, worktree: GitRepository, changed: [String], stage: Stage, stages: StageFile
  ) throws {
    let fm = FileManager.default
    func copy(_ rel: String) throws {
      let src = ws.absolute(rel), dst = dir + "/" + rel
      guard fm.fileExists(atPath: src) else { return }
      if fm.fileExists(atPath: dst) {
        if fm.contentsEqual(atPath: src, andPath: dst) { return }
        try fm.removeItem(atPath: dst)
      }
      try fm.createDirectory(atPath: (dst as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try fm.copyItem(atPath: src, toPath: dst)
    }
    for rel in [".mlv/config", ".mlv/.gitignore", ".mlvignore"] { try copy(rel) }
    try stages.write(to: dir + "/" + StageFile.fileName)
    for path in changed {
      try RepoPathCheck.validate(path)
      if fm.fileExists(atPath: ws.absolute(path)) { try copy(path) } else { try? fm.removeItem(atPath: dir + "/" + path) }
    }
    for p in stage.paramsRefs.map({ stage.resolve($0.file) }) { try copy(p) }
    for dep in StageInputs.dependencyPaths(for: stage) {
      let pointer = Pointer.pointerPath(forData: dep)
      if fm.fileExists(atPath: ws.absolute(pointer)) {
        try copy(pointer)  // tracked data: its pointer; the data comes from the store
        try worktree.stage([pointer])  // the point's checkout restores what its own index names
      } else {
        try copy(dep)
      }
    }
  }
}

/// Serialises the parts of concurrent runs that touch what they share (the store, the main
/// repository's refs, objects and worktree list): a point holds it only while it adds or
/// removes its worktree and while it records (`RunRecorder`).
public final class RunGate: @unchecked Sendable {
  private let lock = NSLock()
  public init() {}
  func inside<T>(_ body: () throws -> T) rethrows -> T {
    lock.lock()
    defer { lock.unlock() }
    return try body()
  }
}

/// The worktrees of a sweep not yet removed, so the sweep removes them when a point failed.
final class SweepDirectories: @unchecked Sendable {
  private let lock = NSLock()
  private var dirs: [String] = []
  func add(_ d: String) { lock.withLock { dirs.append(d) } }
  func remove(_ d: String) { lock.withLock { dirs.removeAll { $0 == d } } }
  var remaining: [String] { lock.withLock { dirs } }
}

final class SweepState: @unchecked Sendable {
  private let lock = NSLock()
  private var p: Sweep.Progress
  init(total: Int) { p = Sweep.Progress(total: total) }
  func snapshot() -> Sweep.Progress { lock.withLock { p } }
  func start() -> Sweep.Progress { lock.withLock { p.running += 1; return p } }
  func finish(failed: Bool) -> Sweep.Progress {
    lock.withLock {
      p.running -= 1
      if failed { p.failed += 1 } else { p.done += 1 }
      return p
    }
  }
}

final class SweepResults: @unchecked Sendable {
  private let lock = NSLock()
  private var items: [Sweep.PointResult]
  init(_ items: [Sweep.PointResult]) { self.items = items }
  func set(_ i: Int, _ f: (inout Sweep.PointResult) -> Void) { lock.withLock { f(&items[i]) } }
  var all: [Sweep.PointResult] { lock.withLock { items } }
}

struct UncheckedSendable<T>: @unchecked Sendable {
  let value: T
  init(_ value: T) { self.value = value }
}
