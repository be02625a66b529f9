import ArgumentParser
import Foundation
import MLVRemote
import MLVWorkspace

extension MLVMain {
  struct Remote: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Manage the remotes data is pushed to and pulled from.",
      discussion: """
        Remotes are stored in .mlv/config, which is committed: a clone knows its
        remotes. Credentials never go there: S3 credentials come from AWS_ACCESS_KEY_ID
        / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, or the profile (AWS_PROFILE or
        --profile) in ~/.aws/credentials and ~/.aws/config. AWS_ENDPOINT_URL selects an
        S3-compatible server when --endpoint is not given.

        Examples:
          mlv remote add origin s3://ml-bucket/team/project \\
              --endpoint http://127.0.0.1:9000
          mlv remote add backup /mnt/nfs/mlv-store
          mlv remote list
          mlv remote default backup
          mlv remote remove backup
        """,
      subcommands: [Add.self, List.self, Remove.self, Default.self])

    /// Loads, edits, saves and stages `.mlv/config`.
    static func edit(_ global: GlobalOptions, _ change: (inout RepoConfig) throws -> Void) throws {
      let ctx = Context(global)
      try ctx.run(locking: "mlv remote") { ws in
        var config = try RepoConfig.load(ws.configPath)
        try change(&config)
        try config.save(ws.configPath)
        try ws.git.stage([".mlv/config"])
      }
    }

    struct Add: ParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Add a remote (s3://bucket/prefix or a directory).")
      @OptionGroup var global: GlobalOptions
      @Argument(help: "A name such as origin.") var name: String
      @Argument(help: "s3://bucket/prefix, or a local directory (relative paths are relative to the repository root).")
      var url: String
      @Option(help: "S3-compatible endpoint URL, e.g. http://127.0.0.1:9000.") var endpoint: String?
      @Option(help: "S3 region (default: AWS_REGION, the profile's region, or us-east-1).") var region: String?
      @Option(help: "AWS profile in ~/.aws/credentials.") var profile: String?
      @Flag(name: .customLong("default"), help: "Make it the default remote.") var makeDefault = false

      func validate() throws {
        guard RepoConfig.isValidRemoteName(name) else {
          throw ValidationError("remote names use \(RepoConfig.remoteNameRule)")
        }
        if url.hasPrefix("s3://") {
          _ = try S3Location.parse(url)
        } else if url.contains("://") && !url.hasPrefix("file://") {
          throw ValidationError("only s3:// URLs and local paths are supported")
        }
        if endpoint != nil && !url.hasPrefix("s3://") { throw ValidationError("--endpoint applies to s3:// remotes only") }
      }

      func run() throws {
        try Remote.edit(global) { config in
          if config.remotes[name] != nil { throw ValidationError("remote \(name) already exists; remove it first") }
          config.remotes[name] = RepoConfig.Remote(url: url, endpoint: endpoint, region: region, profile: profile)
          if makeDefault || config.remotes.count == 1 { config.defaultRemote = name }
        }
        Context(global).out.line("added remote \(name) \(url) (commit .mlv/config to share it)")
      }
    }

    struct List: ParsableCommand {
      static let configuration = CommandConfiguration(abstract: "List remotes; * marks the default.")
      @OptionGroup var global: GlobalOptions
      func run() throws {
        let ctx = Context(global)
        try ctx.run {
          let ws = try ctx.open()
          for (name, r) in ws.config.remotes.sorted(by: { $0.key < $1.key }) {
            var line = (ws.config.defaultRemote == name ? "* " : "  ") + name + "\t" + r.url
            if let e = r.endpoint { line += "  endpoint=\(e)" }
            if let g = r.region { line += "  region=\(g)" }
            if let p = r.profile { line += "  profile=\(p)" }
            ctx.out.line(line)
          }
        }
      }
    }

    struct Remove: ParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Forget a remote (its data is left alone).")
      @OptionGroup var global: GlobalOptions
      @Argument var name: String
      func run() throws {
        try Remote.edit(global) { config in
          guard config.remotes.removeValue(forKey: name) != nil else {
            throw RemoteError.unknownRemote(name: name, known: config.remotes.keys.sorted())
          }
          if config.defaultRemote == name { config.defaultRemote = nil }
        }
        let ctx = Context(global)
        if let ws = try? ctx.open() {
          try? FileManager.default.removeItem(atPath: ws.mlvDir + "/remotes/" + name)
          ws.forgetRemote(name)
        }
      }
    }

    struct Default: ParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Set the remote used when none is named.")
      @OptionGroup var global: GlobalOptions
      @Argument var name: String
      func run() throws {
        try Remote.edit(global) { config in
          guard config.remotes[name] != nil else { throw RemoteError.unknownRemote(name: name, known: config.remotes.keys.sorted()) }
          config.defaultRemote = name
        }
      }
    }
  }
}
