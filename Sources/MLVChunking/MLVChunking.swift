/// MLVChunking: content-defined chunking (FastCDC with normalized chunking, docs/design.md
/// "Chunking"). It owns the cut-point algorithm and its parameters, which are part of a
/// repository's format: the same bytes must always cut at the same places.
///
/// It depends on nothing, allocates nothing per byte, and must never change where a cut
/// falls for given parameters (golden vectors pin them).
enum MLVChunkingOverview {}
