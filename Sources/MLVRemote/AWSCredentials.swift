import Foundation

/// An access key pair, optionally with a session token (temporary STS credentials).
public struct AWSCredentials: Sendable, Hashable {
  public let accessKeyID: String
  public let secretAccessKey: String
  public let sessionToken: String?

  public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
    self.accessKeyID = accessKeyID
    self.secretAccessKey = secretAccessKey
    self.sessionToken = sessionToken
  }

  /// The profile to use: the explicit one, else AWS_PROFILE, else "default".
  static func profileName(_ profile: String?, environment: [String: String]) -> String {
    if let profile, !profile.isEmpty { return profile }
    if let fromEnvironment = environment["AWS_PROFILE"], !fromEnvironment.isEmpty { return fromEnvironment }
    return "default"
  }

  static func credentialsFilePath(environment: [String: String], homeDirectory: String) -> String {
    environment["AWS_SHARED_CREDENTIALS_FILE"].flatMap { $0.isEmpty ? nil : $0 }
      ?? homeDirectory + "/.aws/credentials"
  }

  static func configFilePath(environment: [String: String], homeDirectory: String) -> String {
    environment["AWS_CONFIG_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? homeDirectory + "/.aws/config"
  }

  /// Resolves credentials the way the AWS CLI does for static keys: the environment first
  /// (unless an explicit profile was asked for), then the profile in the shared credentials
  /// file, then the same profile in the config file.
  public static func resolve(
    profile: String?, environment: [String: String], homeDirectory: String
  ) throws -> AWSCredentials {
    if profile == nil, let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty {
      guard let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
        throw RemoteError.missingCredentials(detail: "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
      }
      let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
      return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token)
    }
    let name = profileName(profile, environment: environment)
    let credentialsPath = credentialsFilePath(environment: environment, homeDirectory: homeDirectory)
    let configPath = configFilePath(environment: environment, homeDirectory: homeDirectory)
    let candidates = [
      (credentialsPath, AWSProfileFile(path: credentialsPath).credentialsSection(name)),
      (configPath, AWSProfileFile(path: configPath).configSection(name)),
    ]
    for (path, section) in candidates {
      guard let section, let id = section["aws_access_key_id"], !id.isEmpty else { continue }
      guard let secret = section["aws_secret_access_key"], !secret.isEmpty else {
        throw RemoteError.missingCredentials(
          detail: "profile \(name) in \(path) has aws_access_key_id but no aws_secret_access_key")
      }
      let token = section["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 }
      return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token)
    }
    throw RemoteError.missingCredentials(
      detail: "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add profile \(name) to \(credentialsPath)")
  }
}

/// Everything needed to talk to S3, resolved from options, environment and ~/.aws files.
public struct AWSSettings: Sendable {
  public let credentials: AWSCredentials
  public let region: String
  /// nil means AWS itself (https://s3.<region>.amazonaws.com).
  public let endpoint: URL?

  public init(credentials: AWSCredentials, region: String, endpoint: URL?) {
    self.credentials = credentials
    self.region = region
    self.endpoint = endpoint
  }

  /// Region: explicit, AWS_REGION, AWS_DEFAULT_REGION, the profile's `region` in the config
  /// file, else us-east-1. Endpoint: explicit, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the
  /// profile's `endpoint_url`, else nil.
  public static func resolve(
    profile: String? = nil, region: String? = nil, endpoint: String? = nil,
    environment: [String: String], homeDirectory: String
  ) throws -> AWSSettings {
    let credentials = try AWSCredentials.resolve(
      profile: profile, environment: environment, homeDirectory: homeDirectory)
    let name = AWSCredentials.profileName(profile, environment: environment)
    let configPath = AWSCredentials.configFilePath(environment: environment, homeDirectory: homeDirectory)
    let config = AWSProfileFile(path: configPath).configSection(name) ?? [:]
    func firstNonEmpty(_ values: String?...) -> String? {
      for case let value? in values where !value.isEmpty { return value }
      return nil
    }
    let resolvedRegion =
      firstNonEmpty(region, environment["AWS_REGION"], environment["AWS_DEFAULT_REGION"], config["region"])
      ?? "us-east-1"
    var endpointURL: URL?
    if let text = firstNonEmpty(
      endpoint, environment["AWS_ENDPOINT_URL_S3"], environment["AWS_ENDPOINT_URL"], config["endpoint_url"])
    {
      guard let url = URL(string: text), let scheme = url.scheme, scheme == "http" || scheme == "https",
        url.host != nil
      else {
        throw RemoteError.invalidLocation(url: text, reason: "endpoint must be an http:// or https:// url")
      }
      endpointURL = url
    }
    return AWSSettings(credentials: credentials, region: resolvedRegion, endpoint: endpointURL)
  }
}
