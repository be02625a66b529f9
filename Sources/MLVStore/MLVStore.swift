/// MLVStore: content-addressed objects (docs/design.md). It owns the object store's bytes —
/// packs, indexes and the objects a writer has accepted but not yet published — and the
/// formats of everything in it (`Format/`: packs, indexes, the blob codec; `Model/`: ids,
/// file lists). Callers go through narrow protocols (`Interface/`): `ObjectReader` and
/// `ObjectStore` to read and write objects, `StoreMaintenance` for fsck, gc and repair,
/// `PackTransfer` for remotes. `DiskStore` (`Disk/`) is the real store and `MemoryStore`
/// (`Memory/`) the one the layers above test with; `Files/` turns files into chunks and back.
///
/// A lookup goes: the pending table (objects of this process's writers), then the indexes
/// (memory-mapped, newest first), then a check that the named pack exists. A write goes:
/// `PackWriter.put` reserves the id with the store, appends to a `PackBuilder` in tmp/, and
/// hands each pack to `DiskStore.publish` as soon as it is sealed (the rest at `flush`),
/// which renames it into packs/ and writes an index naming it; the writer merges its own
/// indexes by tiers and into one at `flush`.
///
/// It must never know about pointers, manifests' text, git or remotes, and never print.
enum MLVStoreOverview {}
