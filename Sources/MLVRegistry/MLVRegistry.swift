// MLVRegistry: model versions and stage assignments as annotated git tags in GTO's naming
// (docs/registry.md), their records, and SSH signatures over them.
//
// Owns: reading the registry from tags (RegistryState, never trusting a tag), writing
// version and stage tags (Registry), the signed in-toto attestation and its checks
// (Attestation, RegistryAttestations; ssh-keygen in Signing), every file's SHA-256 streamed
// out of the packs (FileDigests), and delivering or re-checking a version's bytes through
// the workspace's store (ModelBytes).
// Must never: talk to libgit2 (MLVGit does), import ArgumentParser, or fetch from a remote
// itself (the command layer makes objects local first, as for checkout).
