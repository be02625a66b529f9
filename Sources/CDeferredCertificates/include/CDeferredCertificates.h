#ifndef MLV_DEFERRED_CERTIFICATES_H
#define MLV_DEFERRED_CERTIFICATES_H

/* libgit2's TLS (mbedtls) loads the system CA bundle inside git_libgit2_init: ~4 ms of
 * base64 and ASN.1 that every mlv command waited for, although only a clone over https
 * needs it. deferred_certificates.c defers that one load; see there. */

/* Parses the CA bundle libgit2's initialisation asked for, into the chain it gave, if it
 * was deferred; later loads are no longer deferred. 0 on success or when nothing was
 * deferred, else mbedtls's error code. Call before any libgit2 network operation. */
int mlv_load_deferred_certificates(void);

/* 1 while a load is deferred (for tests), else 0. */
int mlv_certificates_deferred(void);

#endif
