import Foundation
import MLVChunking
import Testing

@testable import MLVWorkspace

@Suite struct RepoConfigTests {
  @Test func roundTripWithStableBytes() throws {
    let dir = makeTempDir()
    defer { removeTree(dir) }
    var config = RepoConfig()
    config.remotes["origin"] = .init(url: "s3://bucket/prefix", region: "eu-west-1")
    config.defaultRemote = "origin"
    try config.save(dir + "/config")
    #expect(try RepoConfig.load(dir + "/config") == config)
    // Sorted keys and a final newline: the same config is always the same bytes.
    let text = String(decoding: try readFile(dir + "/config"), as: UTF8.self)
    #expect(text.hasSuffix("}\n"))
    let keys = ["chunking", "defaultRemote", "format", "remotes"].map { text.range(of: "\"\($0)\"")!.lowerBound }
    #expect(keys == keys.sorted())
    #expect(try config.encoded() == RepoConfig.load(dir + "/config").encoded())
  }

  @Test(arguments: [
    ("future format", #"{"format": 3, "chunking": {"minSize": 16384, "averageSize": 65536, "maxSize": 262144, "seed": 1, "normalization": 2}, "remotes": {}}"#),
    ("bad chunker", #"{"format": 1, "chunking": {"minSize": 16384, "averageSize": 65000, "maxSize": 262144, "seed": 1, "normalization": 2}, "remotes": {}}"#),
    ("missing chunking", #"{"format": 1, "remotes": {}}"#),
    ("not JSON", "format = 1\n"),
  ])
  func rejects(_ name: String, _ text: String) throws {
    let dir = makeTempDir()
    defer { removeTree(dir) }
    try writeFile(dir + "/config", text)
    let e = #expect(throws: WorkspaceError.self, "\(name)") { try RepoConfig.load(dir + "/config") }
    if case .invalidConfig(let file, _) = e { #expect(file == dir + "/config") } else {
      Issue.record("\(name): expected invalidConfig, got \(String(describing: e))")
    }
  }

  @Test func missingFileIsInvalidConfig() {
    #expect(throws: WorkspaceError.self) { try RepoConfig.load("/nonexistent/mlv/config") }
  }
}
