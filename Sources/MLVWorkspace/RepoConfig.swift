import Foundation
import MLVChunking
import MLVStore
import MLVSystem

/// `.mlv/config`: committed with the repository, so every clone chunks the same way and
/// knows the same remotes (docs/design.md, "Config"). JSON with sorted keys: stable bytes,
/// readable, and editable by hand in a pinch. Credentials never go here.
public struct RepoConfig: Codable, Equatable, Sendable {
  /// 2: directories are trees (`mlv-pointer: 2`) and packs may hold zstd objects (pack
  /// version 2). An mlv that reads only format 1 refuses such a repository whole, instead
  /// of taking zstd packs for damage (its `fsck --repair` would drop them). Format 1
  /// repositories are read as they are and upgraded by the first `mlv add`.
  public static let currentFormat = 2
  public static let readableFormats = 1...2
  public var format: Int
  public var chunking: ChunkerParameters
  public var remotes: [String: Remote]
  public var defaultRemote: String?

  public struct Remote: Codable, Equatable, Sendable {
    public var url: String
    public var endpoint: String?
    public var region: String?
    public var profile: String?
    public init(url: String, endpoint: String? = nil, region: String? = nil, profile: String? = nil) {
      self.url = url
      self.endpoint = endpoint
      self.region = region
      self.profile = profile
    }
  }

  public init(chunking: ChunkerParameters = .default) {
    format = Self.currentFormat
    self.chunking = chunking
    remotes = [:]
    defaultRemote = nil
  }

  public static func load(_ path: String) throws -> RepoConfig {
    let bytes: [UInt8]
    do { bytes = try FS.readAll(path) } catch { throw WorkspaceError.invalidConfig(file: path, reason: "cannot read it") }
    let config: RepoConfig
    do { config = try JSONDecoder().decode(RepoConfig.self, from: Data(bytes)) } catch {
      throw WorkspaceError.invalidConfig(file: path, reason: "\(error)")
    }
    guard readableFormats.contains(config.format) else {
      throw WorkspaceError.invalidConfig(
        file: path,
        reason: "format \(config.format) is not supported by this mlv (reads \(readableFormats.lowerBound)–\(readableFormats.upperBound)); upgrade mlv")
    }
    do { try config.chunking.validate() } catch { throw WorkspaceError.invalidConfig(file: path, reason: "\(error)") }
    // Remote names become directory names (.mlv/remotes/<name>/): a teammate's config must
    // not be able to name a path outside them.
    for name in config.remotes.keys where !isValidRemoteName(name) {
      throw WorkspaceError.invalidConfig(file: path, reason: "remote name '\(name)' is not allowed (\(remoteNameRule))")
    }
    return config
  }

  public static let remoteNameRule = "letters, digits, '.', '_' and '-', not starting with '.', at most 64"

  public static func isValidRemoteName(_ name: String) -> Bool {
    !name.isEmpty && name.utf8.count <= 64 && !name.hasPrefix(".")
      && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
  }

  public func encoded() -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return Array((try? encoder.encode(self)) ?? Data()) + [10]
  }

  public func save(_ path: String) throws { try FS.atomicWrite(encoded(), to: path) }
}
