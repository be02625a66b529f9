import Foundation
import MLVGit
import MLVSystem

#if canImport(Glibc)
  import Glibc
#endif

/// `mlv install`: the git hooks and the merge driver that keep data in step with plain git
/// commands (docs/git.md). Hooks chain with the ones a user already has — the previous
/// hook is kept as `<hook>.mlv-chained` and run first — and installing twice changes
/// nothing; `uninstall` puts the previous hooks back.
public enum GitIntegration {
  /// The hooks mlv installs, and what each runs.
  public static let hooks = ["post-checkout", "post-merge", "post-rewrite", "pre-push"]
  /// Marks a hook file as mlv's, so it is recognised on re-install and uninstall.
  static let marker = "# mlv-hook: installed by `mlv install`"
  static let chainedSuffix = ".mlv-chained"
  /// The attributes rule that sends pointer files to the merge driver.
  public static let attributesRule = "*.mlv merge=mlv"

  public struct Report: Sendable {
    public var hooksWritten: [String] = []
    /// Hooks the user had, now run first by mlv's.
    public var hooksChained: [String] = []
    public var attributesChanged = false
    public var driverConfigured = false
  }

  /// Where git runs hooks from: `core.hooksPath` when set (relative to the work tree),
  /// else the common `.git/hooks` (shared by every worktree).
  static func hooksDirectory(_ git: GitRepository) throws -> String {
    if let custom = try git.configValue("core.hooksPath"), !custom.isEmpty {
      return custom.hasPrefix("/") ? custom : git.workdir + "/" + custom
    }
    return git.commonDirectory + "/hooks"
  }

  /// The text of mlv's hook `name`, running `mlv` at `binary` (or the one on PATH when that
  /// file is gone, e.g. after an upgrade moved it).
  static func script(_ name: String, binary: String) -> String {
    let quoted = "'" + binary.replacingOccurrences(of: "'", with: "'\\''") + "'"
    // pre-push and post-rewrite read their input on stdin: both hooks get a copy.
    let feed = name == "pre-push" || name == "post-rewrite" ? "printf '%s\\n' \"$input\" | " : ""
    var lines = [
      "#!/bin/sh",
      marker,
      "# Keeps mlv-tracked data in step with git (remove with `mlv install --uninstall`).",
      "# The hook that was here before runs first, as \(name)\(chainedSuffix).",
      "MLV=\(quoted)",
      "[ -x \"$MLV\" ] || MLV=mlv",
    ]
    if !feed.isEmpty { lines.append("input=$(cat)") }
    lines += [
      "chained=\"$(dirname \"$0\")/\(name)\(chainedSuffix)\"",
      "status=0",
      "if [ -x \"$chained\" ]; then",
      "  \(feed)\"$chained\" \"$@\" || status=$?",
    ]
    // A failing pre-push hook of the user's stops the push before any data moves.
    if name == "pre-push" { lines.append("  [ $status -eq 0 ] || exit $status") }
    lines.append("fi")
    // A branch switch between commits whose pointer files are the same leaves nothing to
    // restore, and git tells that from the two trees in a few milliseconds, where starting
    // mlv costs tens (the hook must add at most 50 ms to such a checkout). A null or
    // unreadable commit (a clone's first checkout) fails the diff, so mlv runs.
    if name == "post-checkout" {
      lines.append("[ \"$3\" = 1 ] && git diff --quiet --no-ext-diff \"$1\" \"$2\" -- '*.mlv' 2>/dev/null && exit $status")
    }
    lines += [
      "\(feed)\"$MLV\" hook \(name) \"$@\" || { [ $status -ne 0 ] || status=$?; }",
      "exit $status",
    ]
    return lines.joined(separator: "\n") + "\n"
  }

  static func isOurs(_ path: String) -> Bool {
    guard let bytes = try? FS.readAll(path) else { return false }
    return String(decoding: bytes.prefix(4096), as: UTF8.self).contains(marker)
  }

  public static func install(_ git: GitRepository, binary: String) throws -> Report {
    var report = Report()
    let dir = try hooksDirectory(git)
    try FS.makeDirectories(dir)
    for name in hooks {
      let path = dir + "/" + name
      if FS.exists(path), !isOurs(path) {
        let chained = path + chainedSuffix
        guard !FS.exists(chained) else {
          throw WorkspaceError.forbiddenPath(
            path, reason: "both it and \(name)\(chainedSuffix) exist; merge them into one hook, then run `mlv install` again")
        }
        try FS.rename(path, chained)
        report.hooksChained.append(name)
      }
      let text = Array(script(name, binary: binary).utf8)
      if (try? FS.readAll(path)) != text {
        try FS.atomicWrite(text, to: path, mode: 0o755)
        report.hooksWritten.append(name)
      }
    }
    let driver = "\(shellQuote(binary)) merge-driver %O %A %B %P"
    if try git.configValue("merge.mlv.driver") != driver {
      try git.setConfig("merge.mlv.name", "mlv pointer merge (three-way merge of directory manifests)")
      try git.setConfig("merge.mlv.driver", driver)
      report.driverConfigured = true
    }
    report.attributesChanged = try ensureAttribute(git)
    return report
  }

  public static func uninstall(_ git: GitRepository) throws -> Report {
    var report = Report()
    let dir = try hooksDirectory(git)
    for name in hooks {
      let path = dir + "/" + name
      guard FS.exists(path), isOurs(path) else { continue }
      FS.remove(path)
      report.hooksWritten.append(name)
      if FS.exists(path + chainedSuffix) {
        try FS.rename(path + chainedSuffix, path)
        report.hooksChained.append(name)
      }
    }
    if try git.configValue("merge.mlv.driver") != nil {
      try git.unsetConfig("merge.mlv.driver")
      try git.unsetConfig("merge.mlv.name")
      report.driverConfigured = true
    }
    report.attributesChanged = try removeAttribute(git)
    return report
  }

  /// Whether mlv's hooks are in place (so `pull` need not suggest `mlv install`).
  public static func isInstalled(_ git: GitRepository) -> Bool {
    guard let dir = try? hooksDirectory(git) else { return false }
    return hooks.allSatisfy { isOurs(dir + "/" + $0) }
  }

  /// The clone's own attributes file (`.git/info/attributes`): the merge rule is local,
  /// like the driver it names — nothing to commit, and nothing staged that would stop a
  /// `git merge` (which wants a clean index).
  static func attributesPath(_ git: GitRepository) -> String { git.commonDirectory + "/info/attributes" }

  /// Adds the merge rule to the clone's attributes when missing.
  static func ensureAttribute(_ git: GitRepository) throws -> Bool {
    let path = attributesPath(git)
    var text = (try? FS.readAll(path)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    if text.split(separator: "\n").contains(where: { $0.trimmingCharacters(in: .whitespaces) == attributesRule }) {
      return false
    }
    if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
    text += attributesComment + "\n" + attributesRule + "\n"
    try FS.makeDirectories((path as NSString).deletingLastPathComponent)
    try FS.atomicWrite(Array(text.utf8), to: path)
    return true
  }

  static let attributesComment = "# mlv pointer files merge through `mlv merge-driver` (set up by `mlv install`)."

  /// Removes the merge rule (and its comment) from the clone's attributes.
  static func removeAttribute(_ git: GitRepository) throws -> Bool {
    let path = attributesPath(git)
    guard let bytes = try? FS.readAll(path) else { return false }
    let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    let kept = lines.filter { $0 != Substring(attributesRule) && $0 != Substring(attributesComment) }
    guard kept.count != lines.count else { return false }
    try FS.atomicWrite(Array(kept.joined(separator: "\n").utf8), to: path)
    return true
  }

  static func shellQuote(_ s: String) -> String {
    s.allSatisfy { $0.isLetter || $0.isNumber || "/._-+".contains($0) } ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}
