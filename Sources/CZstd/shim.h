#ifndef MLV_CZSTD_SHIM_H
#define MLV_CZSTD_SHIM_H
// Debian's libzstd-dev: the store's zstd codec and Parquet's ZSTD pages.
#include <zstd.h>
#endif
