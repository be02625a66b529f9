// MLVGit: the only module that talks to libgit2 (1.5, SHA-1 object ids).
//
// It exposes what mlv needs from git through Swift types only (`GitRepository`, `GitOID`,
// `GitCommitInfo`, `GitStatusEntry`, `GitError`); no libgit2 type crosses the module
// boundary. Everything it writes (commits, index, refs, tags, worktrees) is checked in the
// tests against the git command line, so users can mix `mlv` and `git` freely.
//
// Conventions:
// - Paths are relative to the working directory and use '/', as in git trees and the
//   index; absolute paths inside the working directory are accepted as input.
// - Every libgit2 object is freed before the call that created it returns (`defer`).
// - libgit2 failures keep libgit2's return code and `git_error_last()` message
//   (`GitError.libgit2`); the outcomes callers branch on have their own cases.
// - One `GitRepository` per thread: libgit2 handles are not safe for concurrent use.
//
// Files: GitRepository (open, HEAD, paths), +Objects (revisions, commits, blobs, trees,
// log), +Index (stage, commit), +Signature (identity), +Checkout, +Status, +References
// (refs, tags), +Worktree (linked worktrees for `mlv repro`), +Transport (push and fetch
// through the `git` command line, for the user's ssh and credential setup).
