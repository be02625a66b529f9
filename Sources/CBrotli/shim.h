#ifndef MLV_CBROTLI_SHIM_H
#define MLV_CBROTLI_SHIM_H
// Debian's libbrotli-dev: Parquet's BROTLI pages (decoding only).
#include <brotli/decode.h>
#endif
