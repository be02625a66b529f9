#ifndef MLV_CZLIB_SHIM_H
#define MLV_CZLIB_SHIM_H
#include <zlib.h>

// deflateInit/inflateInit are function-like macros and do not import into Swift.
static inline int mlv_deflateInit(z_streamp strm, int level) {
  return deflateInit(strm, level);
}
static inline int mlv_inflateInit(z_streamp strm) {
  return inflateInit(strm);
}
// windowBits as for inflateInit2 (16 + MAX_WBITS: a gzip member, as Parquet's GZIP codec writes).
static inline int mlv_inflateInit2(z_streamp strm, int windowBits) {
  return inflateInit2(strm, windowBits);
}
#endif
