import Foundation
import MLVGit
import MLVWorkspace

/// Register, promote and roll back: each writes one annotated tag and nothing else, so
/// the registry is git's tags and travels with `git push --tags` (docs/registry.md).
public struct Registry {
  public let ws: Workspace
  public init(_ ws: Workspace) { self.ws = ws }

  public func state() throws -> RegistryState { try RegistryState.load(ws.git) }

  /// Registers the committed pointer of `path` at `ref` (HEAD by default) as `name@version`.
  /// The workspace pointer must equal the committed one, so the version names the bytes
  /// the user has. With `signingKey`, an in-toto attestation of every file's SHA-256 and
  /// of `lineage` is signed with `ssh-keygen -Y sign` and tagged (Attestation.swift); its
  /// objects must then be local.
  @discardableResult
  public func register(
    name: String, path: String, version: String, ref: String = "HEAD", signingKey: String? = nil, run: String? = nil,
    lineage: [String: Any]? = nil
  ) throws -> ModelVersion {
    guard RegistryNames.isValidName(name) else { throw RegistryError.invalidName(name) }
    guard RegistryNames.parseVersion(version) != nil else { throw RegistryError.invalidVersion(version) }
    let tagName = "\(name)@\(version)"
    guard GitRepository.isValidTagName(tagName) else { throw RegistryError.invalidName(name) }
    let commit = try ws.git.resolveCommit(ref)
    guard let pointer = try ws.readPointer(path, at: commit) else {
      throw RegistryError.notTrackedAt(path: path, commit: commit.short)
    }
    if ref == "HEAD", try ws.readPointer(path) != pointer { throw RegistryError.uncommittedPointer(path: path) }
    let state = try state()
    // Also a malformed or lightweight tag of that name: git would refuse to overwrite it.
    let taken = try ws.git.tag(tagName) != nil
    if taken || state.models[name]?.versions.contains(where: { $0.version == version }) == true {
      throw RegistryError.versionExists(name: name, version: version)
    }
    if let other = state.models[name]?.versions.first(where: { $0.commit == commit && !$0.deregistered }) {
      throw RegistryError.commitHasVersion(name: name, version: other.version, commit: commit.short)
    }
    var record = VersionRecord(
      path: path, kind: pointer.kindToken, oid: pointer.oid.hex, size: pointer.size, files: pointer.files, run: run,
      signature: nil)
    var attestationTag: String?
    if let signingKey {
      let a = try attest(
        name: name, version: version, commit: commit, pointer: pointer, record: record,
        lineage: lineage ?? ["path": path, "oid": pointer.oid.hex], key: signingKey)
      record.attestation = a.tree.hex
      attestationTag = a.tag
    }
    do {
      try ws.git.createTag(tagName, target: commit, message: record.message(name: name, version: version))
    } catch {
      // No attestation without its version: a retry must not meet a stale one.
      if let attestationTag { _ = try? ws.git.deleteReference("refs/tags/" + attestationTag) }
      throw error
    }
    guard let created = try self.state().models[name]?.version(version) else {
      throw RegistryError.unknownVersion(name: name, version: version)
    }
    return created
  }

  /// Assigns `stage` to `name@version` with a new `NAME#STAGE#N` tag on the version's commit.
  @discardableResult
  public func promote(name: String, version: String, stage: String) throws -> StageEvent {
    guard RegistryNames.isValidStage(stage) else { throw RegistryError.invalidStage(stage) }
    let state = try state()
    guard let model = state.models[name] else { throw RegistryError.unknownModel(name) }
    guard let v = model.version(version) else { throw RegistryError.unknownVersion(name: name, version: version) }
    if model.stage(stage)?.version == version {
      throw RegistryError.alreadyInStage(name: name, version: version, stage: stage)
    }
    return try assign(model, v, stage)
  }

  /// Assigns `stage` the version it had before its current one again (GTO's semantics:
  /// the latest assignment wins, so rolling back is one more assignment).
  @discardableResult
  public func rollback(name: String, stage: String) throws -> (from: String, to: StageEvent) {
    let state = try state()
    guard let model = state.models[name] else { throw RegistryError.unknownModel(name) }
    guard let current = model.stage(stage), let currentVersion = current.version else {
      throw RegistryError.unknownStage(name: name, stage: stage)
    }
    let history = model.events.filter { $0.stage == stage && !$0.unassigned }
    guard
      let previous = history.reversed().first(where: { $0.version != currentVersion && $0.version.flatMap(model.version) != nil }),
      let v = model.version(previous.version ?? "")
    else { throw RegistryError.nothingToRollBack(name: name, stage: stage) }
    return (currentVersion, try assign(model, v, stage))
  }

  private func assign(_ model: RegistryState.Model, _ v: ModelVersion, _ stage: String) throws -> StageEvent {
    var n = model.nextNumber
    // A teammate's tag may already hold the number (fetched after we read): take the next.
    while try ws.git.tag("\(model.name)#\(stage)#\(n)") != nil { n += 1 }
    let tagName = "\(model.name)#\(stage)#\(n)"
    guard GitRepository.isValidTagName(tagName) else { throw RegistryError.invalidStage(stage) }
    try ws.git.createTag(
      tagName, target: v.commit, message: "Assigning stage \(stage) to artifact \(model.name) version \(v.version)\n")
    guard let event = try state().models[model.name]?.events.first(where: { $0.stage == stage && $0.number == n }) else {
      throw RegistryError.unknownStage(name: model.name, stage: stage)
    }
    return event
  }

  /// The version `name` has in `stage`, or `name@version`.
  public func resolve(name: String, stage: String?, version: String?) throws -> ModelVersion {
    let state = try state()
    guard let model = state.models[name] else { throw RegistryError.unknownModel(name) }
    if let version {
      guard let v = model.version(version) else { throw RegistryError.unknownVersion(name: name, version: version) }
      return v
    }
    guard let stage, let event = model.stage(stage), let version = event.version, let v = model.version(version) else {
      throw RegistryError.unknownStage(name: name, stage: stage ?? "")
    }
    return v
  }

  /// The pointer a version names, re-read from its commit: the record must agree with it
  /// (a rewritten tag that moved to another commit, or a doctored message, is refused).
  public func pointer(of v: ModelVersion) throws -> (path: String, pointer: Pointer, record: VersionRecord) {
    let tag = "\(v.name)@\(v.version)"
    guard let record = v.record else { throw RegistryError.noRecord(tag: tag) }
    let path = record.path
    guard let pointer = try ws.readPointer(path, at: v.commit) else {
      throw RegistryError.recordMismatch(tag: tag, reason: "\(path) is not tracked at \(v.commit.short)")
    }
    guard pointer.oid.hex == record.oid, pointer.size == record.size, pointer.kindToken == record.kind,
      pointer.files == record.files
    else {
      throw RegistryError.recordMismatch(tag: tag, reason: "the pointer of \(path) at \(v.commit.short) is \(pointer.oid.hex.prefix(12)), the record says \(record.oid.prefix(12))")
    }
    return (path, pointer, record)
  }
}
