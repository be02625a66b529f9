/// MLVWorkspace: an mlv repository as a user sees it — a git work tree whose data is
/// tracked by pointer files (docs/design.md). It owns the pointer and manifest formats,
/// the object graph (what a revision's data needs, `ObjectGraph`), the stat cache, the
/// `.mlvignore` rules, the repository lock, the checkout journal and the known-remotes
/// file, and the operations built from them: add, status, commit, checkout, diff, log, gc,
/// fsck and repair.
///
/// It reaches the object store only through the store's protocols (`LocalStore`) and git
/// only through MLVGit. It must never print (progress goes to a `ProgressSink`), never
/// follow a symbolic link out of tracked data, and never write a path a pointer or a
/// manifest names before validating it.
enum MLVWorkspaceOverview {}
