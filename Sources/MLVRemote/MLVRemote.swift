/// MLVRemote: where a repository's objects are shared (docs/remotes.md). It owns the
/// remote layout (packs and indexes under a prefix), the backends behind one protocol
/// (`RemoteBackend`: a local path, S3 with SigV4, and an in-memory one for tests), the
/// remote's locks, and the transfers: push (verified packs up, then one index), fetch
/// (ranged or whole-pack downloads, verified before the store takes them), remote gc and
/// remote verification.
///
/// It sees the local store only through `PackTransfer` and knows nothing of pointers,
/// manifests or git: which objects to move is decided above it (MLVCommands/RemoteSync).
/// It must never upload an object whose bytes do not match its id, nor leave an index on
/// a remote that names a pack the remote lacks.
enum MLVRemoteOverview {}
