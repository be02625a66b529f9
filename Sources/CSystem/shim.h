#ifndef MLV_CSYSTEM_SHIM_H
#define MLV_CSYSTEM_SHIM_H
#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <sys/types.h>

// Two Linux calls that glibc declares only under _GNU_SOURCE. Defining that macro here
// would change system structs (fd_set, ...) relative to Swift's Glibc module and break
// clean builds, so they are declared directly (glibc 2.27+ exports both).
extern ssize_t copy_file_range(int fd_in, long long *off_in, int fd_out, long long *off_out, size_t len,
                               unsigned int flags);
extern int sync_file_range(int fd, long long offset, long long nbytes, unsigned int flags);
#define MLV_SYNC_FILE_RANGE_WRITE 2

// Copies `len` bytes between files inside the kernel (no user-space buffer), looping over
// short copies; returns 0 or -1 with errno set.
static inline int mlv_copy_range(int in_fd, long long in_off, int out_fd, long long out_off, long long len) {
  while (len > 0) {
    long long i = in_off, o = out_off;
    ssize_t n = copy_file_range(in_fd, &i, out_fd, &o, (size_t)len, 0);
    if (n < 0) return -1;
    if (n == 0) { errno = EIO; return -1; }
    in_off += n; out_off += n; len -= n;
  }
  return 0;
}

// Starts write-back of a file's dirty pages without waiting (Linux only), so the final
// fsync of a pack finds most of it on disk already.
static inline int mlv_start_writeback(int fd) {
  return sync_file_range(fd, 0, 0, MLV_SYNC_FILE_RANGE_WRITE);
}
// Allocations of at least `bytes` get their own mapping, unmapped when freed (MLVSystem's
// Memory.returnLargeBuffers says why).
static inline void mlv_set_mmap_threshold(int bytes) { mallopt(M_MMAP_THRESHOLD, bytes); }
#endif
