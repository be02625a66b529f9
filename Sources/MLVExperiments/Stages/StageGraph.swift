/// Orders stages so each runs after the stages that produce its inputs: when an output of
/// stage A is a dependency of stage B (the same path, or one inside a directory output, or
/// a directory holding the output), A comes before B.
public enum StageGraph {
  /// All `stages` in dependency order; among stages that are ready at the same time the
  /// name decides, so the order is deterministic. A cycle is an error naming it.
  public static func order(_ stages: [Stage]) throws -> [Stage] {
    let byName = Dictionary(stages.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    let preds = try predecessors(stages)
    var remaining = Set(byName.keys)
    var done = Set<String>()
    var result: [Stage] = []
    while !remaining.isEmpty {
      let ready = remaining.filter { preds[$0, default: []].isSubset(of: done) }.sorted()
      guard let next = ready.first else { throw ExperimentError.dependencyCycle(cycle: cycle(in: remaining, preds)) }
      remaining.remove(next)
      done.insert(next)
      if let s = byName[next] { result.append(s) }
    }
    return result
  }

  /// The named stages plus every stage they depend on, transitively, in dependency order.
  public static func upstream(of names: [String], in stages: [Stage]) throws -> [Stage] {
    let preds = try predecessors(stages)
    var wanted = Set<String>()
    var stack = names
    while let n = stack.popLast() {
      guard stages.contains(where: { $0.name == n }) else { throw ExperimentError.unknownStage(name: n) }
      if wanted.insert(n).inserted { stack += preds[n, default: []] }
    }
    return try order(stages).filter { wanted.contains($0.name) }
  }

  /// For each stage, the stages whose outputs it depends on.
  static func predecessors(_ stages: [Stage]) throws -> [String: Set<String>] {
    var producers: [(path: String, stage: String)] = []
    for s in stages {
      for out in s.outs.map(s.resolve) {
        if let other = producers.first(where: { StagePath.overlaps($0.path, out) && $0.stage != s.name }) {
          throw ExperimentError.duplicateOutput(path: out, stages: [other.stage, s.name].sorted())
        }
        producers.append((out, s.name))
      }
    }
    var preds: [String: Set<String>] = [:]
    for s in stages {
      for dep in s.deps.map(s.resolve) {
        for p in producers where StagePath.overlaps(p.path, dep) { preds[s.name, default: []].insert(p.stage) }
      }
    }
    return preds
  }

  /// A cycle among `nodes`, each of which has a predecessor among them: walk predecessors
  /// from the smallest name until one repeats, then report it in run order (`a -> b -> a`).
  static func cycle(in nodes: Set<String>, _ preds: [String: Set<String>]) -> [String] {
    guard var current = nodes.min() else { return [] }
    var path: [String] = []
    while !path.contains(current) {
      path.append(current)
      guard let p = preds[current, default: []].intersection(nodes).min() else { return path }
      current = p
    }
    guard let from = path.firstIndex(of: current) else { return path }
    let loop = Array(path[from...].reversed())
    // rotate so the smallest name comes first, for a stable message
    guard let smallest = loop.min(), let start = loop.firstIndex(of: smallest) else { return loop }
    let rotated = Array(loop[start...] + loop[..<start])
    return rotated + [smallest]
  }
}
