import Foundation
import MLVGit

/// One registered version of a model, read from its `NAME@vX.Y.Z` tag.
public struct ModelVersion: Sendable, Equatable {
  public var name: String
  public var version: String
  public var commit: GitOID
  public var tagger: String
  public var time: Date?
  /// From mlv's tag message; nil for a version GTO (or a person) registered without one.
  public var record: VersionRecord?
  public var deregistered: Bool
}

/// One stage assignment (or unassignment), read from its `NAME#STAGE#N` tag.
public struct StageEvent: Sendable, Equatable {
  public var name: String
  public var stage: String
  public var number: Int
  public var commit: GitOID
  /// The version registered on `commit`; nil when none is (GTO shows such an assignment
  /// as pointing at no version).
  public var version: String?
  public var unassigned: Bool
  public var tagger: String
  public var time: Date?
}

/// The registry as the tags of one repository describe it.
public struct RegistryState: Sendable {
  public struct Model: Sendable {
    public var name: String
    /// Sorted by semantic version, oldest first.
    public var versions: [ModelVersion] = []
    /// Every assignment, in the order they happened (the latest last).
    public var events: [StageEvent] = []

    /// The latest event of each stage decides it (GTO's "latest assignment wins"); a stage
    /// whose latest event is an unassignment has no version.
    public var currentStages: [(stage: String, event: StageEvent)] {
      var latest: [String: StageEvent] = [:]
      for e in events { latest[e.stage] = e }
      return latest.filter { !$0.value.unassigned && $0.value.version != nil }
        .map { ($0.key, $0.value) }.sorted { $0.stage < $1.stage }
    }

    public func version(_ v: String) -> ModelVersion? { versions.first { $0.version == v && !$0.deregistered } }
    public func stage(_ s: String) -> StageEvent? { currentStages.first { $0.stage == s }?.event }
    public var nextNumber: Int { (events.map(\.number).max() ?? 0) + 1 }
  }

  public var models: [String: Model] = [:]
  /// Tags that look like registry tags but are not valid ones: "tag: reason".
  public var warnings: [String] = []

  public var sortedModels: [Model] { models.values.sorted { $0.name < $1.name } }

  /// Reads every tag of `git`. Nothing in a tag is trusted: a malformed name, a tag of no
  /// commit, a lightweight tag or an unreadable message becomes a warning or a version
  /// without a record, never a failure.
  public static func load(_ git: GitRepository) throws -> RegistryState {
    var state = RegistryState()
    var stageTags: [(GitTag, String, String, Int, Bool)] = []
    for tag in try git.tags() {
      guard let parsed = RegistryNames.parse(tag.name) else { continue }
      guard let commit = tag.commit else {
        if case .malformed = parsed {} else { state.warnings.append("\(tag.name): does not lead to a commit") }
        continue
      }
      switch parsed {
      case .malformed(let reason):
        state.warnings.append("\(tag.name): \(reason)")
      case .deprecated:
        continue
      case .version(let name, let version, let deregistered):
        var record: VersionRecord?
        if tag.annotated {
          do { record = try VersionRecord.parse(message: tag.message, tag: tag.name) } catch {
            state.warnings.append("\(error)")
          }
        }
        state.models[name, default: Model(name: name)].versions.append(
          ModelVersion(
            name: name, version: version, commit: commit, tagger: Self.who(tag), time: tag.time, record: record,
            deregistered: deregistered))
      case .stage(let name, let stage, let n, let unassigned):
        stageTags.append((tag, name, stage, n, unassigned))
      }
    }
    // A `v1.0.0!` tag deregisters v1.0.0.
    for (name, var model) in state.models {
      let gone = Set(model.versions.filter(\.deregistered).map(\.version))
      model.versions = model.versions.filter { !$0.deregistered }
      for i in model.versions.indices where gone.contains(model.versions[i].version) { model.versions[i].deregistered = true }
      let zero = SemVer(major: 0, minor: 0, patch: 0)
      model.versions.sort {
        (RegistryNames.parseVersion($0.version) ?? zero) < (RegistryNames.parseVersion($1.version) ?? zero)
      }
      state.models[name] = model
    }
    for (tag, name, stage, n, unassigned) in stageTags {
      guard let commit = tag.commit else { continue }
      let version = state.models[name]?.versions.first { $0.commit == commit && !$0.deregistered }?.version
      state.models[name, default: Model(name: name)].events.append(
        StageEvent(
          name: name, stage: stage, number: n, commit: commit, version: version, unassigned: unassigned,
          tagger: Self.who(tag), time: tag.time))
    }
    // Order of events: tagger time, then the assignment number (two in one second).
    for (name, var model) in state.models {
      model.events.sort { ($0.time ?? .distantPast, $0.number) < ($1.time ?? .distantPast, $1.number) }
      state.models[name] = model
    }
    return state
  }

  static func who(_ tag: GitTag) -> String {
    tag.annotated ? "\(tag.taggerName) <\(tag.taggerEmail)>" : ""
  }
}
