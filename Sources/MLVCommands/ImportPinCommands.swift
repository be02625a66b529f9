import ArgumentParser
import Foundation
import MLVGit
import MLVSystem
import MLVWorkspace

/// The pin of an imported path, committed next to its pointer as `OUT.mlv-import`
/// (docs/registry.md, "Imports"): the pointer itself stays an ordinary pointer, so status,
/// checkout, push and gc treat imported data like any other; this file says where it came
/// from, for `mlv update`.
///
///     mlv-import: 1
///     url: ../datasets
///     path: data/images
///     rev: v3                 the revision asked for; empty: the source's HEAD
///     commit: <40 hex>        what it resolved to
struct ImportPin: Equatable {
  static let suffix = ".mlv-import"
  static let version = 1
  static let maxBytes = 8192
  var url: String
  var path: String
  var rev: String
  var commit: String

  func encode() -> [UInt8] {
    Array("mlv-import: \(Self.version)\nurl: \(url)\npath: \(path)\nrev: \(rev)\ncommit: \(commit)\n".utf8)
  }

  static func decode(_ bytes: [UInt8], file: String) throws -> ImportPin {
    guard bytes.count <= maxBytes else { throw SourceError("\(file): larger than \(maxBytes) bytes") }
    let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    let keys = ["mlv-import", "url", "path", "rev", "commit"]
    guard lines.count == keys.count + 1, lines.last == "" else { throw SourceError("\(file): not an import pin") }
    var values: [String] = []
    for (line, key) in zip(lines, keys) {
      guard line.hasPrefix(key + ": ") || line == key + ":" else { throw SourceError("\(file): expected '\(key): ...'") }
      values.append(String(line.dropFirst(key.count + 1)).trimmingCharacters(in: .whitespaces))
    }
    guard values[0] == "\(version)" else { throw SourceError("\(file): unsupported mlv-import: \(values[0])") }
    guard GitOID(hex: values[4]) != nil else { throw SourceError("\(file): bad commit") }
    return ImportPin(url: values[1], path: values[2], rev: values[3], commit: values[4])
  }
}

extension MLVMain {
  struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "import",
      abstract: "Track data from another repository here, pinned to a revision.",
      discussion: """
        Fetches PATH of the source at REV from the source's default remote into this
        repository's store (deduplicated against what is here), writes OUT (default:
        PATH's last component) with its pointer OUT.mlv and the pin OUT.mlv-import
        (source URL, revision, resolved commit), and stages both. `mlv update OUT`
        moves the pin.

        Examples:
          mlv import git@host:team/datasets data/images --rev v3
          mlv import ../datasets data/labels.csv -o labels.csv
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The source repository.") var url: String
    @Argument(help: "A tracked path of the source (a whole pointer).") var path: String
    @Option(name: [.short, .customLong("out")], help: "Where to put it here.") var out: String?
    @Option(help: "Branch, tag or commit of the source.") var rev: String?

    func run() async throws {
      let ctx = Context(global)
      try await ctx.runAsync(locking: "mlv import") { ws in
        let rel = try ws.relative(out ?? String(path.split(separator: "/").last ?? "data"), cwd: ctx.cwd)
        guard !FS.exists(ws.absolute(rel)), !FS.exists(ws.absolute(rel + Pointer.suffix)) else {
          throw SourceError("\(rel) already exists here: remove it or give -o")
        }
        // A local path is recorded absolute: the pin must not depend on where import ran.
        let local = url.hasPrefix("/") ? url : ctx.cwd + "/" + url
        let recorded = !url.contains("://") && FS.exists(local) ? URL(fileURLWithPath: local).standardized.path : url
        let line = try await Self.pin(ws, rel: rel, url: recorded, path: path, rev: rev, cwd: ctx.cwd)
        ctx.out.line(line)
      }
    }

    /// Fetches, writes pointer and pin, stages them and restores the data.
    static func pin(_ ws: Workspace, rel: String, url: String, path: String, rev: String?, cwd: String) async throws -> String {
      let src = try DataSource.open(url, rev: rev, cwd: cwd, storeRoot: ws.storeRoot)
      defer { src.close() }
      let sourcePath = path.hasSuffix("/") ? String(path.dropLast()) : path
      try RepoPath.validate(sourcePath, context: path)
      guard let pointer = try src.ws.readPointer(sourcePath, at: src.commit) else {
        let tracked = try src.ws.trackedPaths(at: src.commit)
        if let outer = tracked.first(where: { sourcePath.hasPrefix($0 + "/") }) {
          throw SourceError("\(sourcePath) lies inside \(outer), which \(url) tracks as one directory: import \(outer) (`mlv get` takes parts)")
        }
        throw SourceError("\(url) does not track \(sourcePath) at \(src.commit.short) (see `mlv ls \(url)`)")
      }
      let selection = DataSelection(dataPath: sourcePath, pointer: pointer)
      let fetched = try await DataTransfer.ensureLocal(src.ws.graph(of: [selection]), ws: src.ws)
      // The source's workspace wrote the packs into our store's directory: let ours see them.
      try ws.store.refresh()
      try RepoPath.prepareParents(of: rel + Pointer.suffix, root: ws.root)
      try FS.atomicWrite(pointer.encode(), to: ws.absolute(rel + Pointer.suffix))
      let pin = ImportPin(url: url, path: sourcePath, rev: rev ?? "", commit: src.commit.hex)
      try FS.atomicWrite(pin.encode(), to: ws.absolute(rel + ImportPin.suffix))
      try ws.git.stage([rel + Pointer.suffix, rel + ImportPin.suffix])
      let s = try ws.checkout(revision: nil, paths: [rel], force: false)
      let f = fetched.map { ", fetched \(Format.count($0.objectsFetched, "object")) (\(Format.bytes($0.bytesFetched)))" } ?? ""
      return "\(rel): \(sourcePath) of \(url) at \(src.commit.short)\(rev.map { " (\($0))" } ?? ""); "
        + "\(Format.count(s.filesWritten, "file")) written\(f)"
    }
  }

  struct Update: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "update",
      abstract: "Move the pin of an imported path (to the source's latest, or --rev).",
      discussion: """
        Re-reads the source at the pinned revision (a branch moves; a tag or commit
        does not) or at --rev, and when its pointer changed, fetches the new data,
        rewrites the pointer and pin, stages them and restores the data.
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The imported path here.") var name: String
    @Option(help: "Pin this revision of the source instead.") var rev: String?

    func run() async throws {
      let ctx = Context(global)
      try await ctx.runAsync(locking: "mlv update") { ws in
        let rel = try ws.relative(name, cwd: ctx.cwd)
        let pinFile = rel + ImportPin.suffix
        try RepoPath.checkNoSymlinks(pinFile, root: ws.root, includingLeaf: true)
        guard FS.exists(ws.absolute(pinFile)) else { throw SourceError("\(rel) was not imported (no \(pinFile))") }
        let file = try POSIXFile.openForReading(ws.absolute(pinFile))
        let bytes = try file.read(count: Int(min(try file.size(), Int64(ImportPin.maxBytes + 1))), at: 0)
        let pin = try ImportPin.decode(bytes, file: pinFile)
        let wanted = rev ?? (pin.rev.isEmpty ? nil : pin.rev)
        let before = try ws.readPointer(rel)
        let src = try DataSource.open(pin.url, rev: wanted, cwd: ws.root, storeRoot: ws.storeRoot)
        let now = try src.ws.readPointer(pin.path, at: src.commit)
        src.close()
        if now == before && src.commit.hex == pin.commit && rev == nil {
          ctx.out.line("\(rel): up to date (\(pin.path) of \(pin.url) at \(src.commit.short))")
          return
        }
        ctx.out.line(try await Import.pin(ws, rel: rel, url: pin.url, path: pin.path, rev: wanted, cwd: ws.root))
      }
    }
  }
}
