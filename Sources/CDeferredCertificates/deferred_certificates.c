/* Defers libgit2's load of the system CA bundle until a network operation needs it.
 *
 * Debian's libgit2 (mbedtls) parses /etc/ssl/certs/ca-certificates.crt in
 * git_libgit2_init (git_mbedtls_stream_global_init), and keeps the chain it filled for
 * every later TLS connection. mlv opens local repositories far more often than it clones
 * over https: that parse was a seventh of a `mlv status` of 20,000 files (docs/git.md,
 * "Speed"). libgit2 has no option to skip it.
 *
 * So this file defines mbedtls_x509_crt_parse_file in the executable. The dynamic linker
 * binds libgit2's call to the executable's definition (the executable comes first in the
 * global lookup scope; this is the ELF interposition that malloc replacements use). The
 * first call, the initialisation's, only records the chain and the path and reports
 * success; mlv_load_deferred_certificates parses the file into that same chain, which
 * libgit2 has kept a pointer to, before any clone (GitRepository+Clone.swift). Every
 * other call goes straight to mbedtls's own function (dlsym RTLD_NEXT). With a libgit2
 * built on OpenSSL this function is simply never called, and nothing changes.
 *
 * The release build links libgit2 and mbedtls statically (scripts/build-release.sh), where
 * a second definition of the name would clash with mbedtls's own. There it is built with
 * MLV_STATIC_LIBGIT2 and linked with --wrap=mbedtls_x509_crt_parse_file: the linker sends
 * libgit2's call to __wrap_mbedtls_x509_crt_parse_file, defined here, and
 * __real_mbedtls_x509_crt_parse_file names mbedtls's function. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#include "CDeferredCertificates.h"

typedef int (*parse_file_fn)(void *chain, const char *path);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
/* The first call is deferred; after it (or after a load), none is. */
static int first_call = 1;
static void *deferred_chain;
static char deferred_path[4096];

/* mbedtls's MBEDTLS_ERR_X509_FILE_IO_ERROR: what it returns when it cannot read a file. */
#define FILE_IO_ERROR (-0x2900)

#ifdef MLV_STATIC_LIBGIT2
int __real_mbedtls_x509_crt_parse_file(void *chain, const char *path);
static int real_parse_file(void *chain, const char *path) { return __real_mbedtls_x509_crt_parse_file(chain, path); }
#define INTERPOSED __wrap_mbedtls_x509_crt_parse_file
#else
static int real_parse_file(void *chain, const char *path) {
  parse_file_fn real = (parse_file_fn)dlsym(RTLD_NEXT, "mbedtls_x509_crt_parse_file");
  return real ? real(chain, path) : FILE_IO_ERROR;
}
#define INTERPOSED mbedtls_x509_crt_parse_file
#endif

int INTERPOSED(void *chain, const char *path);
int INTERPOSED(void *chain, const char *path) {
  pthread_mutex_lock(&lock);
  int defer = first_call && chain != NULL && path != NULL && strlen(path) < sizeof deferred_path;
  first_call = 0;
  if (defer) {
    deferred_chain = chain;
    strcpy(deferred_path, path);
  }
  pthread_mutex_unlock(&lock);
  return defer ? 0 : real_parse_file(chain, path);
}

int mlv_load_deferred_certificates(void) {
  pthread_mutex_lock(&lock);
  void *chain = deferred_chain;
  deferred_chain = NULL;
  first_call = 0;
  /* Parsed under the lock: two threads cloning at once must not fill one chain twice. */
  int rc = chain ? real_parse_file(chain, deferred_path) : 0;
  pthread_mutex_unlock(&lock);
  return rc;
}

int mlv_certificates_deferred(void) {
  pthread_mutex_lock(&lock);
  int pending = deferred_chain != NULL;
  pthread_mutex_unlock(&lock);
  return pending;
}
