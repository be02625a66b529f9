import Foundation
import Testing

@testable import MLVRemote

struct AWSCredentialsTests {
  func home(credentials: String? = nil, config: String? = nil) throws -> TemporaryDirectory {
    let dir = try TemporaryDirectory()
    try FileManager.default.createDirectory(atPath: dir.path + "/.aws", withIntermediateDirectories: true)
    if let credentials { _ = try dir.write(".aws/credentials", Array(credentials.utf8)) }
    if let config { _ = try dir.write(".aws/config", Array(config.utf8)) }
    return dir
  }

  static let credentialsFile = """
    # comment
    [default]
    aws_access_key_id = DEFAULTKEY
    aws_secret_access_key = defaultsecret

    [work]
    aws_access_key_id=WORKKEY
    aws_secret_access_key=worksecret
    aws_session_token = worktoken
    """

  static let configFile = """
    [default]
    region = eu-west-3
    [profile work]
    region = ap-south-1
    endpoint_url = http://127.0.0.1:9000
    s3 =
      addressing_style = path
    [profile onlyconfig]
    aws_access_key_id = CFGKEY
    aws_secret_access_key = cfgsecret
    """

  @Test func environmentComesFirst() throws {
    let dir = try home(credentials: Self.credentialsFile)
    defer { dir.cleanup() }
    let env = ["AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_SESSION_TOKEN": "t"]
    let creds = try AWSCredentials.resolve(profile: nil, environment: env, homeDirectory: dir.path)
    #expect(creds == AWSCredentials(accessKeyID: "ENVKEY", secretAccessKey: "envsecret", sessionToken: "t"))
    // An explicitly requested profile wins over the environment.
    let work = try AWSCredentials.resolve(profile: "work", environment: env, homeDirectory: dir.path)
    #expect(work.accessKeyID == "WORKKEY")
  }

  @Test func profilesFromSharedFiles() throws {
    let dir = try home(credentials: Self.credentialsFile, config: Self.configFile)
    defer { dir.cleanup() }
    let plain = try AWSCredentials.resolve(profile: nil, environment: [:], homeDirectory: dir.path)
    #expect(plain == AWSCredentials(accessKeyID: "DEFAULTKEY", secretAccessKey: "defaultsecret"))
    let viaEnv = try AWSCredentials.resolve(profile: nil, environment: ["AWS_PROFILE": "work"], homeDirectory: dir.path)
    #expect(viaEnv == AWSCredentials(accessKeyID: "WORKKEY", secretAccessKey: "worksecret", sessionToken: "worktoken"))
    let fromConfig = try AWSCredentials.resolve(profile: "onlyconfig", environment: [:], homeDirectory: dir.path)
    #expect(fromConfig.accessKeyID == "CFGKEY")
    #expect(throws: RemoteError.self) {
      try AWSCredentials.resolve(profile: "nosuch", environment: [:], homeDirectory: dir.path)
    }
  }

  @Test func fileLocationsCanBeOverridden() throws {
    let dir = try home()
    defer { dir.cleanup() }
    let credentials = try dir.write("creds", Array("[default]\naws_access_key_id=A\naws_secret_access_key=B\n".utf8))
    let config = try dir.write("conf", Array("[default]\nregion=sa-east-1\n".utf8))
    let env = ["AWS_SHARED_CREDENTIALS_FILE": credentials, "AWS_CONFIG_FILE": config]
    let settings = try AWSSettings.resolve(environment: env, homeDirectory: dir.path)
    #expect(settings.credentials == AWSCredentials(accessKeyID: "A", secretAccessKey: "B"))
    #expect(settings.region == "sa-east-1")
    #expect(settings.endpoint == nil)
  }

  @Test func regionAndEndpointPrecedence() throws {
    let dir = try home(credentials: Self.credentialsFile, config: Self.configFile)
    defer { dir.cleanup() }
    let fromConfig = try AWSSettings.resolve(profile: "work", environment: [:], homeDirectory: dir.path)
    #expect(fromConfig.region == "ap-south-1")
    #expect(fromConfig.endpoint?.absoluteString == "http://127.0.0.1:9000")
    let env = ["AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "us-east-2", "AWS_ENDPOINT_URL": "http://e:1"]
    let fromEnv = try AWSSettings.resolve(profile: "work", environment: env, homeDirectory: dir.path)
    #expect(fromEnv.region == "us-west-2")
    #expect(fromEnv.endpoint?.absoluteString == "http://e:1")
    let explicit = try AWSSettings.resolve(
      profile: "work", region: "ca-central-1", endpoint: "https://s3.example", environment: env,
      homeDirectory: dir.path)
    #expect(explicit.region == "ca-central-1")
    #expect(explicit.endpoint?.absoluteString == "https://s3.example")
    let fallback = try AWSSettings.resolve(
      environment: ["AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"], homeDirectory: dir.path + "/none")
    #expect(fallback.region == "us-east-1")
    #expect(throws: RemoteError.self) {
      try AWSSettings.resolve(endpoint: "ftp://x", environment: env, homeDirectory: dir.path)
    }
  }

  @Test func missingCredentialsSayWhatToDo() throws {
    let dir = try home()
    defer { dir.cleanup() }
    do {
      _ = try AWSCredentials.resolve(profile: nil, environment: [:], homeDirectory: dir.path)
      Issue.record("expected missingCredentials")
    } catch let error as RemoteError {
      #expect(error.description.contains("AWS_ACCESS_KEY_ID"))
    }
    #expect(throws: RemoteError.self) {
      try AWSCredentials.resolve(profile: nil, environment: ["AWS_ACCESS_KEY_ID": "x"], homeDirectory: dir.path)
    }
  }

  @Test func s3LocationParsing() throws {
    let location = try S3Location.parse("s3://my-bucket/some/prefix/")
    #expect(location.bucket == "my-bucket")
    #expect(location.prefix == "some/prefix")
    #expect(location.objectKey("packs/x") == "some/prefix/packs/x")
    #expect(location.remoteKey("some/prefix/packs/x") == "packs/x")
    #expect(location.description == "s3://my-bucket/some/prefix")
    #expect(try S3Location.parse("s3://bucket").prefix == "")
    for bad in ["http://bucket/x", "s3://", "s3://Upper/x", "s3://ab", "s3://b_b/x", "s3://bucket/a/../b"] {
      #expect(throws: RemoteError.self, "\(bad)") { try S3Location.parse(bad) }
    }
  }
}
