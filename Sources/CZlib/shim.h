#ifndef MLV_CZLIB_SHIM_H
#define MLV_CZLIB_SHIM_H
// _GNU_SOURCE exposes sync_file_range; it must come before the first system header.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

// deflateInit/inflateInit are function-like macros and do not import into Swift.
static inline int mlv_deflateInit(z_streamp strm, int level) {
  return deflateInit(strm, level);
}
static inline int mlv_inflateInit(z_streamp strm) {
  return inflateInit(strm);
}
// Copies `len` bytes between files inside the kernel (no user-space buffer), looping over
// short copies; returns 0 or -1 with errno set.
static inline int mlv_copy_range(int in_fd, long long in_off, int out_fd, long long out_off, long long len) {
  while (len > 0) {
    loff_t i = in_off, o = out_off;
    ssize_t n = copy_file_range(in_fd, &i, out_fd, &o, (size_t)len, 0);
    if (n < 0) return -1;
    if (n == 0) { errno = EIO; return -1; }
    in_off += n; out_off += n; len -= n;
  }
  return 0;
}

// Starts write-back of a file's dirty pages without waiting (Linux only), so the final
// fsync of a pack finds most of it on disk already. CZlib is mlv's only C shim besides
// libgit2's, so this one non-zlib helper lives here.
static inline int mlv_start_writeback(int fd) {
#ifdef SYNC_FILE_RANGE_WRITE
  return sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
  (void)fd;
  return 0;
#endif
}
#endif
