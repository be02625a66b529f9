#ifndef MLV_CLZ4_SHIM_H
#define MLV_CLZ4_SHIM_H
// Debian's liblz4-dev: Parquet's LZ4_RAW pages and the Hadoop LZ4 framing.
#include <lz4.h>
#endif
