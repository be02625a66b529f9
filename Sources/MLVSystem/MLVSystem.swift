/// MLVSystem: the bottom of mlv. It owns every direct call into the operating system that
/// the other modules share — file descriptors and whole-buffer reads and writes
/// (`POSIXFile`), the publish-by-rename helpers whose ordering gives crash safety (`FS`),
/// and the small concurrency primitives the parallel pipelines use (`Locked`, `ErrorBox`,
/// `WorkCounter`, `SharedSlots`).
///
/// Its one error type, `IOError`, says what the system refused ("no space left on device
/// while writing …"); the command layer maps it to exit code 1, never to 4, which is kept
/// for missing or corrupt objects.
///
/// It must never know about objects, packs, pointers or git: everything above depends on
/// it, and it depends on nothing of mlv's.
enum MLVSystemOverview {}
