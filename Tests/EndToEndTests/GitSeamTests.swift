import Foundation
import MLVStore
import MLVSystem
import Testing

/// mlv alongside plain git (docs/git.md): after git checkout, pull, merge, stash and revert
/// the data matches the code, or mlv says it does not and never records stale data.
@Suite struct GitSeamTests {
  private func hash(_ bytes: [UInt8]?) -> ObjectID? { bytes.map { ObjectID.hash($0) } }

  /// A repository with data/ (three files) committed on master and changed on `feature`.
  private func twoBranches() throws -> Repo {
    let repo = try Repo()
    for i in 0..<3 { try repo.write("data/f\(i).txt", "base \(i)\n") }
    try repo.write("model.bin", randomBytes(300_000, seed: 1))
    try repo.mlvOK("add", "data", "model.bin")
    try repo.mlvOK("commit", "-m", "base")
    try repo.git("checkout", "-q", "-b", "feature")
    try repo.write("data/f1.txt", "feature 1\n")
    try repo.write("model.bin", randomBytes(300_000, seed: 2))
    try repo.mlvOK("commit", "-m", "feature")
    try repo.git("checkout", "-q", "master")
    return repo
  }

  @Test func plainGitCheckoutIsNotCheckedOutAndCommitRefusesStaleData() throws {
    let repo = try twoBranches()
    // Without hooks the data stays the feature's while the pointers are master's.
    #expect(repo.read("data/f1.txt") == Array("feature 1\n".utf8))
    let status = try repo.mlvOK("status").stdout
    #expect(status.contains("data: not checked out for the current pointers (run `mlv checkout`)"), "\(status)")
    #expect(status.contains("model.bin: not checked out"), "\(status)")
    let commit = try repo.mlv("commit", "-m", "oops")
    #expect(commit.code == 2, "\(commit.stderr)")
    #expect(commit.stderr.contains("not checked out for the current pointers"))
    #expect(try repo.mlv("add", "data").code == 2)
    try repo.mlvOK("checkout")
    #expect(repo.read("data/f1.txt") == Array("base 1\n".utf8))
    #expect(hash(repo.read("model.bin")) == ObjectID.hash(randomBytes(300_000, seed: 1)))
    #expect(try repo.mlvOK("status").stdout.contains("up to date"))
    #expect(try repo.gitOut("status", "--porcelain").isEmpty)
  }

  @Test func dataTheUserChangedIsModifiedAndBothIsDiverged() throws {
    let repo = try twoBranches()
    try repo.mlvOK("checkout")
    try repo.write("data/f2.txt", "mine\n")
    #expect(try repo.mlvOK("status").stdout.contains("data: 1 file changed"))
    try repo.git("checkout", "-q", "feature")
    let s = try repo.mlvOK("status").stdout
    #expect(s.contains("data: changed here, and git changed its pointer too"), "\(s)")
    #expect(try repo.mlv("add", "data").code == 2)
    try repo.mlvOK("add", "--force", "data")
    // The forced add records the workspace as it is: master's files plus the change.
    let entries = try repo.mlvOK("status", "--json").stdout
    #expect(entries.contains("\"state\" : \"clean\""), "\(entries)")
  }

  @Test func hooksMakeGitCheckoutAndMergeRestoreDataAndChainExistingHooks() throws {
    let repo = try twoBranches()
    try repo.mlvOK("checkout")
    let log = repo.path + ".hook.log"
    defer { try? FileManager.default.removeItem(atPath: log) }
    try repo.write(".git/hooks/post-checkout", "#!/bin/sh\necho user \"$@\" >> \(log)\n")
    chmod(repo.path + "/.git/hooks/post-checkout", 0o755)
    let install = try repo.mlvOK("install").stdout
    #expect(install.contains("your existing post-checkout hook will run first"), "\(install)")
    #expect(try repo.mlvOK("install").stdout.contains("already installed"))
    try repo.git("checkout", "-q", "feature")
    #expect(repo.read("data/f1.txt") == Array("feature 1\n".utf8))
    #expect(hash(repo.read("model.bin")) == ObjectID.hash(randomBytes(300_000, seed: 2)))
    #expect(try repo.mlvOK("status").stdout.contains("up to date"))
    let userLog = String(decoding: (try? readFile(log)) ?? [], as: UTF8.self)
    #expect(userLog.hasPrefix("user "), "the chained hook ran: \(userLog)")

    // Two branches change different files of data/: merged by the driver, no conflict.
    try repo.write("data/f0.txt", "feature 0\n")
    try repo.mlvOK("commit", "-m", "f0 on feature")
    try repo.git("checkout", "-q", "master")
    try repo.write("data/f2.txt", "master 2\n")
    try repo.mlvOK("commit", "-m", "f2 on master")
    let merge = try exec("git", ["merge", "-m", "merge feature", "feature"], cwd: repo.path)
    #expect(merge.code == 0, "\(merge.stdout)\(merge.stderr)")
    #expect(repo.read("data/f0.txt") == Array("feature 0\n".utf8))
    #expect(repo.read("data/f1.txt") == Array("feature 1\n".utf8))
    #expect(repo.read("data/f2.txt") == Array("master 2\n".utf8))
    #expect(try repo.mlvOK("status").stdout.contains("up to date"))
    #expect(try repo.gitOut("status", "--porcelain").isEmpty)

    // Uninstall puts the user's hook back.
    try repo.mlvOK("install", "--uninstall")
    let hook = String(decoding: repo.read(".git/hooks/post-checkout") ?? [], as: UTF8.self)
    #expect(hook.contains("echo user") && !hook.contains("mlv-hook"))
  }

  @Test func conflictingChangesAreExplainedAndResolvedFileByFile() throws {
    let repo = try twoBranches()
    try repo.mlvOK("checkout")
    try repo.mlvOK("install")
    try repo.git("checkout", "-q", "-b", "other")
    try repo.write("data/f2.txt", "other 2\n")
    try repo.write("data/f0.txt", "other 0\n")
    try repo.mlvOK("commit", "-m", "other")
    try repo.git("checkout", "-q", "master")
    try repo.write("data/f2.txt", "master 2\n")
    try repo.mlvOK("commit", "-m", "master")
    let merge = try exec("git", ["merge", "-m", "m", "other"], cwd: repo.path)
    #expect(merge.code != 0)
    let status = try repo.mlvOK("status").stdout
    #expect(status.contains("data.mlv: merge conflict") && status.contains("data/f2.txt"), "\(status)")
    let add = try repo.mlv("add", "data")
    #expect(add.code != 0 && add.stderr.contains("both branches changed data/f2.txt"), "\(add.stderr)")
    let diff = try repo.mlv("diff")
    #expect(diff.code != 0 && diff.stderr.contains("unresolved merge"), "\(diff.stderr)")
    try repo.mlvOK("checkout", "--theirs", "data/f2.txt")
    #expect(repo.read("data/f2.txt") == Array("other 2\n".utf8))
    #expect(repo.read("data/f0.txt") == Array("other 0\n".utf8), "the non-conflicting change is merged")
    try repo.git("commit", "-q", "-m", "resolved")
    #expect(try repo.gitOut("status", "--porcelain").isEmpty)
    #expect(try repo.mlvOK("status").stdout.contains("up to date"))
  }

  @Test func withoutTheDriverGitMarkersAreExplainedAndResolved() throws {
    let repo = try twoBranches()
    try repo.mlvOK("checkout")
    try repo.git("checkout", "-q", "-b", "other")
    try repo.write("model.bin", randomBytes(300_000, seed: 3))
    try repo.mlvOK("commit", "-m", "other model")
    try repo.git("checkout", "-q", "master")
    try repo.mlvOK("checkout")
    try repo.write("model.bin", randomBytes(300_000, seed: 4))
    try repo.mlvOK("commit", "-m", "master model")
    #expect(try exec("git", ["merge", "-m", "m", "other"], cwd: repo.path).code != 0)
    #expect(String(decoding: repo.read("model.bin.mlv") ?? [], as: UTF8.self).contains("<<<<<<<"))
    let status = try repo.mlvOK("status").stdout
    #expect(status.contains("model.bin.mlv: merge conflict"), "\(status)")
    try repo.mlvOK("checkout", "--ours", "model.bin")
    #expect(hash(repo.read("model.bin")) == ObjectID.hash(randomBytes(300_000, seed: 4)))
    try repo.git("commit", "-q", "-m", "resolved")
    #expect(try repo.gitOut("status", "--porcelain").isEmpty)
  }

  @Test func stashAndRevertNeverLeadToCommittingStaleData() throws {
    let repo = try twoBranches()
    try repo.mlvOK("checkout")
    // stash: the added pointer goes away, its data stays.
    try repo.write("data/f1.txt", "work in progress\n")
    try repo.mlvOK("add", "data")
    try repo.git("stash", "-q")
    #expect(try repo.mlvOK("status").stdout.contains("data: not checked out"))
    #expect(try repo.mlv("commit", "-m", "x").code == 2)
    try repo.mlvOK("checkout")
    #expect(repo.read("data/f1.txt") == Array("base 1\n".utf8))
    try repo.git("stash", "pop", "-q")
    #expect(try repo.mlvOK("status").stdout.contains("data: not checked out"))
    try repo.mlvOK("checkout")
    #expect(repo.read("data/f1.txt") == Array("work in progress\n".utf8))
    try repo.mlvOK("commit", "-m", "wip")
    // revert: the old pointer comes back; the data must follow before anything is recorded.
    try repo.git("revert", "--no-edit", "HEAD")
    #expect(try repo.mlvOK("status").stdout.contains("data: not checked out"))
    #expect(try repo.mlv("commit", "-m", "x").code == 2)
    try repo.mlvOK("checkout")
    #expect(repo.read("data/f1.txt") == Array("base 1\n".utf8))
  }

  @Test func gitPullWithHooksFetchesAndRestoresAndPartialPullIsNotADeletion() throws {
    let origin = try twoBranches()
    let remote = makeTempDir("mlv-remote")
    defer { try? FileManager.default.removeItem(atPath: remote) }
    try origin.mlvOK("checkout")
    try origin.mlvOK("remote", "add", "origin", remote)
    try origin.git("commit", "-q", "-m", "remote")
    try origin.mlvOK("push")
    let clone = try Repo(mlvInit: false)
    try FileManager.default.removeItem(atPath: clone.path)
    #expect(try exec("git", ["clone", "-q", origin.path, clone.path], cwd: "/").code == 0)
    try clone.git("config", "user.name", "Clone")
    try clone.git("config", "user.email", "clone@example.com")
    // A partial pull, then a commit: the files never restored stay in the pointer.
    try clone.mlvOK("pull", "data/f1.txt")
    #expect(!clone.exists("data/f0.txt"))
    let partial = try clone.mlvOK("status").stdout
    #expect(partial.contains("2 files not checked out"), "\(partial)")
    try clone.write("data/f1.txt", "clone 1\n")
    try clone.mlvOK("commit", "-m", "clone edit")
    let entries = try clone.mlvOK("log", "data/f0.txt").stdout
    #expect(!entries.contains("removed"), "f0 was not deleted: \(entries)")
    try clone.mlvOK("pull")
    #expect(clone.read("data/f0.txt") == Array("base 0\n".utf8))
    #expect(clone.read("data/f1.txt") == Array("clone 1\n".utf8))

    // git pull with hooks: the teammate's new data arrives with the pointers.
    try clone.mlvOK("install")
    try origin.write("data/f2.txt", "teammate 2\n")
    try origin.mlvOK("commit", "-m", "teammate")
    try origin.mlvOK("push")
    let pull = try exec("git", ["pull", "-q", "--no-rebase", "--no-edit"], cwd: clone.path)
    #expect(pull.code == 0, "\(pull.stdout)\(pull.stderr)")
    #expect(clone.read("data/f2.txt") == Array("teammate 2\n".utf8))
    #expect(try clone.mlvOK("status").stdout.contains("up to date"))
  }

  @Test func checkoutOfAPathInsideADirectoryAndAllOrNothingFetch() throws {
    let repo = try twoBranches()
    let remote = makeTempDir("mlv-remote")
    defer { try? FileManager.default.removeItem(atPath: remote) }
    try repo.mlvOK("checkout")
    let one = try repo.mlvOK("checkout", "feature", "--", "data/f1.txt")
    #expect(!one.stdout.contains("at "), "HEAD did not move: \(one.stdout)")
    #expect(repo.read("data/f1.txt") == Array("feature 1\n".utf8))
    #expect(repo.read("data/f0.txt") == Array("base 0\n".utf8))
    #expect(try repo.gitOut("rev-parse", "--abbrev-ref", "HEAD") == "master")
    try repo.mlvOK("checkout", "--", "data/f1.txt")
    #expect(repo.read("data/f1.txt") == Array("base 1\n".utf8))

    // Objects only on the remote are fetched before anything changes.
    try repo.mlvOK("remote", "add", "origin", remote)
    try repo.mlvOK("push", "--all-commits")
    try repo.mlvOK("gc", "--keep", "master", "--tips-only")  // feature's objects are now only on the remote
    let fetched = try repo.mlvOK("checkout", "feature")
    #expect(fetched.stdout.contains("fetched"), "\(fetched.stdout)")
    #expect(hash(repo.read("model.bin")) == ObjectID.hash(randomBytes(300_000, seed: 2)))

    // Objects nowhere: refused before HEAD or data move, naming paths and remotes.
    try repo.mlvOK("checkout", "master")
    try repo.mlvOK("gc", "--keep", "master", "--tips-only")
    try FileManager.default.removeItem(atPath: remote)
    let head = try repo.gitOut("rev-parse", "HEAD")
    let r = try repo.mlv("checkout", "feature")
    #expect(r.code == 4, "\(r.stderr)")
    #expect(r.stderr.contains("model.bin") && r.stderr.contains("origin"), "\(r.stderr)")
    #expect(try repo.gitOut("rev-parse", "HEAD") == head)
    #expect(hash(repo.read("model.bin")) == ObjectID.hash(randomBytes(300_000, seed: 1)))
  }

  /// `push --dry-run` and `status --remote` say what the remote lacks, and change nothing.
  @Test func pushDryRunAndStatusRemoteSayWhatTheRemoteLacks() throws {
    let repo = try twoBranches()
    let remote = makeTempDir("mlv-remote")
    defer { try? FileManager.default.removeItem(atPath: remote) }
    try repo.mlvOK("checkout")
    try repo.mlvOK("remote", "add", "origin", remote)
    let before = try repo.mlvOK("push", "--dry-run").stdout
    #expect(before.contains("would push ") && before.contains(" to origin"), "\(before)")
    let lacking = try repo.mlvOK("status", "--remote", "origin").stdout
    #expect(lacking.contains("origin lacks ") && lacking.contains("run `mlv push origin`"), "\(lacking)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: remote).isEmpty, "a dry run wrote to the remote")
    try repo.mlvOK("push")
    #expect(try repo.mlvOK("push", "--dry-run").stdout.contains("origin has all "))
    #expect(try repo.mlvOK("status", "--remote", "origin").stdout.contains("origin has all the data the workspace needs"))
    // Untracked but not yet committed, HEAD still needs the data; once committed, nothing does.
    try repo.mlvOK("rm", "data", "model.bin")
    #expect(try repo.mlvOK("push", "--dry-run").stdout.contains("origin has all "))
    try repo.git("commit", "-q", "-m", "untrack everything")
    #expect(try repo.mlvOK("push", "--dry-run").stdout.contains("nothing to push: no data is tracked here"))
  }

  @Test func checkoutOfARevisionThatDoesNotTrackAPathRemovesItsData() throws {
    let repo = try Repo()
    try repo.write("a.bin", randomBytes(1000, seed: 5))
    try repo.mlvOK("add", "a.bin")
    try repo.mlvOK("commit", "-m", "a")
    try repo.write("b.bin", randomBytes(1000, seed: 6))
    try repo.mlvOK("add", "b.bin")
    try repo.mlvOK("commit", "-m", "b")
    try repo.git("checkout", "-q", "HEAD~1")
    let r = try repo.mlvOK("checkout")
    #expect(!repo.exists("b.bin"), "\(r.stdout)")
    #expect(r.stdout.contains("no longer tracked here: b.bin"), "\(r.stdout)")
  }

  @Test func rmAndMvLeaveGitStatusClean() throws {
    let repo = try Repo()
    for i in 0..<3 { try repo.write("data/raw/f\(i).txt", "f\(i)\n") }
    try repo.write("old.bin", randomBytes(500, seed: 7))
    try repo.mlvOK("add", "data/raw", "old.bin")
    try repo.mlvOK("commit", "-m", "x")
    try repo.mlvOK("mv", "data/raw", "data/v1")
    #expect(repo.exists("data/v1/f0.txt") && repo.exists("data/v1.mlv") && !repo.exists("data/raw.mlv"))
    try repo.mlvOK("rm", "old.bin")
    #expect(!repo.exists("old.bin.mlv") && repo.exists("old.bin"))
    try repo.git("commit", "-q", "-m", "moved and removed")
    #expect(try repo.gitOut("status", "--porcelain") == "?? old.bin")
    #expect(try repo.mlvOK("status").stdout.contains("up to date"))
    let gitignore = String(decoding: repo.read("data/.gitignore") ?? [], as: UTF8.self)
    #expect(gitignore.contains("/v1") && !gitignore.contains("/raw"))
    try repo.mlvOK("rm", "--purge", "data/v1")
    #expect(!repo.exists("data/v1"))
  }

  @Test func cliPolish() throws {
    let repo = try twoBranches()
    let typo = try repo.mlv("stauts")
    #expect(typo.code == 64 && typo.stderr.contains("Did you mean `mlv status`?"), "\(typo.stderr)")
    let unknown = try repo.mlv("diff", "--", "dta/")
    #expect(unknown.code == 1 && unknown.stderr.contains("dta"), "\(unknown.stderr)")
    // -q before the subcommand (as with git) or after it: nothing but errors is printed.
    for args in [["-q", "status"], ["status", "-q"], ["--quiet", "status"]] {
      let quiet = try repo.mlv(args: args)
      #expect(quiet.code == 0 && quiet.stdout.isEmpty && quiet.stderr.isEmpty, "\(args): \(quiet.code) \(quiet.stderr)")
    }
    let remote = makeTempDir("mlv-remote")
    defer { try? FileManager.default.removeItem(atPath: remote) }
    let nested = try repo.mlv(args: ["-q", "remote", "add", "quiet", remote])
    #expect(nested.code == 0 && nested.stdout.isEmpty && nested.stderr.isEmpty, "\(nested.stderr)")
    #expect(try repo.mlvOK("remote", "list").stdout.contains("quiet"))
    let quietTypo = try repo.mlv("-q", "stauts")
    #expect(quietTypo.code == 64 && quietTypo.stderr.contains("Did you mean `mlv status`?"), "\(quietTypo.stderr)")
    let log = try repo.mlvOK("log", "data/f1.txt").stdout
    #expect(log.contains("Test User") && log.contains("base"), "\(log)")
    let json = try repo.mlvOK("status", "--json").stdout
    #expect(json.contains("\"state\" : \"notCheckedOut\""), "\(json)")
    let config = String(decoding: repo.read(".mlv/config") ?? [], as: UTF8.self)
    #expect(!config.contains("\\/"))
  }

  /// The bash completion script mlv generates, run by bash itself as a shell would on <Tab>:
  /// it completes revisions, tracked paths, and files inside a tracked directory.
  @Test func bashCompletionOffersRevisionsTrackedPathsAndFilesInside() throws {
    let repo = try twoBranches()
    try repo.mlvOK("checkout")
    let script = try repo.mlvOK("--generate-completion-script", "bash").stdout
    try repo.write(".complete.bash", script)
    let driver = """
      source .complete.bash
      complete_line() {
        COMP_WORDS=("$@"); COMP_WORDS[0]="$MLV"; COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
        _mlv mlv "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
        printf '%s\n' "${COMPREPLY[@]}"
      }
      echo "== checkout"; complete_line mlv checkout ""
      echo "== status"; complete_line mlv status da
      echo "== inside"; complete_line mlv checkout feature -- data/f
      """
    let r = try exec("bash", ["-c", driver], cwd: repo.path, env: ["MLV": Binary.mlv])
    #expect(r.code == 0, "\(r.stderr)")
    let sections = r.stdout.components(separatedBy: "== ").dropFirst().map { $0.split(separator: "\n").map(String.init) }
    #expect(sections.count == 3, "\(r.stdout)")
    guard sections.count == 3 else { return }
    #expect(sections[0].contains("checkout") && sections[0].contains("feature") && sections[0].contains("master"), "\(sections[0])")
    #expect(sections[0].contains("HEAD") && !sections[0].contains("data"), "revisions only before --: \(sections[0])")
    #expect(Array(sections[1].dropFirst()) == ["data"], "\(sections[1])")
    #expect(Array(sections[2].dropFirst()) == ["data/f0.txt", "data/f1.txt", "data/f2.txt"], "\(sections[2])")
  }

  /// `mlv log` without a path shows every tracked path's versions, in text and JSON.
  @Test func logWithoutAPathShowsEveryTrackedPath() throws {
    let repo = try Repo()
    #expect(try repo.mlvOK("log").stdout.contains("no tracked data"))
    try repo.write("data/a.txt", "a1")
    try repo.write("model.bin", "m1")
    try repo.mlvOK("add", "data", "model.bin")
    try repo.mlvOK("commit", "-m", "first")
    try repo.write("model.bin", "m2")
    try repo.mlvOK("commit", "-m", "second model")
    let text = try repo.mlvOK("log").stdout
    #expect(text.contains("data:\n") && text.contains("model.bin:\n"), "\(text)")
    #expect(text.components(separatedBy: "second model").count == 2, "only the model changed in the second commit: \(text)")
    #expect(text.components(separatedBy: "first").count == 3, "\(text)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(repo.mlvOK("log", "--json").stdout.utf8)) as? [String: Any])
    let paths = try #require(json["paths"] as? [[String: Any]])
    #expect(paths.map { $0["path"] as? String } == ["data", "model.bin"])
    #expect(paths.map { ($0["versions"] as? [Any])?.count } == [1, 2])
  }
}
