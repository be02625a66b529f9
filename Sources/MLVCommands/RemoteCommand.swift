import ArgumentParser
import Foundation
import MLVRemote
import MLVWorkspace

extension MLVMain {
  struct Remote: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "remote",
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
          mlv remote unlock origin   # remove locks a killed push or gc left
        """,
      subcommands: [Add.self, List.self, Remove.self, Default.self, Unlock.self])

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
      static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a remote (s3://bucket/prefix or a directory).")
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
      static let configuration = CommandConfiguration(commandName: "list", abstract: "List remotes; * marks the default.")
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
      static let configuration = CommandConfiguration(commandName: "remove", abstract: "Forget a remote (its data is left alone).")
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
      static let configuration = CommandConfiguration(commandName: "default", abstract: "Set the remote used when none is named.")
      @OptionGroup var global: GlobalOptions
      @Argument var name: String
      func run() throws {
        try Remote.edit(global) { config in
          guard config.remotes[name] != nil else { throw RemoteError.unknownRemote(name: name, known: config.remotes.keys.sorted()) }
          config.defaultRemote = name
        }
      }
    }

    struct Unlock: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "unlock",
        abstract: "Remove locks on a remote left by killed pushes or gcs.",
        discussion: """
          push and gc --remote take locks on the remote (objects under locks/) so gc
          never deletes what a push relies on. A killed process leaves its lock behind,
          and a gc lock blocks every push (a push lock blocks gc) until it is six hours
          old. unlock removes the locks that are stale (older than six hours) or whose
          process is gone: it ran on this machine and no longer exists. A lock taken on
          another machine cannot be checked from here and is kept; --all removes every
          lock — use it only when you know no push or gc is running on that remote.
          Every lock removed or kept is printed.
          """)
      @OptionGroup var global: GlobalOptions
      @Argument(help: "The remote (default: the default remote).") var name: String?
      @Flag(help: "Remove every lock, including those of processes that may still be running.") var all = false

      mutating func run() async throws {
        let ctx = Context(global)
        let (name, all) = (name, all)
        try await ctx.runAsync {
          let ws = try ctx.open()
          let remote = try RemoteAccess.open(ws, name: name)
          let (removed, kept) = try await remote.unlock(all: all)
          func describe(_ e: RemoteLockEntry) -> String {
            var text = e.key
            if let kind = e.kind, let created = e.created {
              text += " (\(kind) since \(ISO8601DateFormatter().string(from: created))"
              if let o = e.owner { text += ", process \(o.pid) on \(o.host)" }
              text += ")"
            }
            return text
          }
          for e in removed {
            ctx.out.line("removed \(describe(e)): \(e.removableBecause ?? "--all")")
          }
          for e in kept { ctx.out.line("kept \(describe(e)): \(e.keptBecause ?? "")") }
          var summary = "removed \(Format.count(removed.count, "lock")) on \(remote.name)"
          if !kept.isEmpty { summary += ", kept \(kept.count) (remove them with --all once nothing runs)" }
          ctx.out.line(summary)
        }
      }
    }
  }
}
