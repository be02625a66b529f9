/* GSSAPI for a statically linked libgit2: see include/CGSSAPILoader.h.
 *
 * Each mlv_gss_* call opens libgssapi_krb5 once (dlopen, thread-safe through
 * pthread_once) and calls the library's function of the same name; with no library it
 * fails as GSSAPI does (GSS_S_FAILURE), and libgit2 then reports that Negotiate failed and
 * tries the remote's other schemes. When MLV_STATIC_LIBGIT2 is defined (the release build
 * links libgit2.a), the gss_* names libgit2 calls are defined here as aliases of these.
 * Built either way, so the tests, which link the shared libgit2, exercise the forwarding
 * against the real library. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>

#include "CGSSAPILoader.h"

static unsigned char hostbased_bytes[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x01, 0x04};
static mlv_gss_OID_desc hostbased = {sizeof hostbased_bytes, hostbased_bytes};
mlv_gss_OID const mlv_gss_nt_hostbased_service = &hostbased;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void *library;

static void open_library(void) {
  library = dlopen("libgssapi_krb5.so.2", RTLD_NOW | RTLD_LOCAL);
  if (!library) library = dlopen("libgssapi.so.3", RTLD_NOW | RTLD_LOCAL); /* Heimdal */
}

static void *resolve(const char *name) {
  pthread_once(&once, open_library);
  return library ? dlsym(library, name) : NULL;
}

int mlv_gssapi_available(void) { return resolve("gss_indicate_mechs") != NULL; }

/* Looks the function up once per call site (the pointer is cached; a race only looks it
 * up twice) and calls it, or fails as GSSAPI does. */
#define FORWARD(name, type, ...)                                      \
  static type real;                                                   \
  type f = __atomic_load_n(&real, __ATOMIC_ACQUIRE);                  \
  if (!f) {                                                           \
    f = (type)resolve(name);                                          \
    __atomic_store_n(&real, f, __ATOMIC_RELEASE);                     \
  }                                                                   \
  if (!f) {                                                           \
    if (minor) *minor = 0;                                            \
    return MLV_GSS_S_FAILURE;                                         \
  }                                                                   \
  return f(__VA_ARGS__)

typedef mlv_gss_OM_uint32 (*indicate_fn)(mlv_gss_OM_uint32 *, mlv_gss_OID_set_desc **);
mlv_gss_OM_uint32 mlv_gss_indicate_mechs(mlv_gss_OM_uint32 *minor, mlv_gss_OID_set_desc **mechs) {
  FORWARD("gss_indicate_mechs", indicate_fn, minor, mechs);
}

typedef mlv_gss_OM_uint32 (*release_set_fn)(mlv_gss_OM_uint32 *, mlv_gss_OID_set_desc **);
mlv_gss_OM_uint32 mlv_gss_release_oid_set(mlv_gss_OM_uint32 *minor, mlv_gss_OID_set_desc **set) {
  FORWARD("gss_release_oid_set", release_set_fn, minor, set);
}

typedef mlv_gss_OM_uint32 (*import_fn)(mlv_gss_OM_uint32 *, mlv_gss_buffer_desc *, mlv_gss_OID, void **);
mlv_gss_OM_uint32 mlv_gss_import_name(mlv_gss_OM_uint32 *minor, mlv_gss_buffer_desc *name, mlv_gss_OID type, void **out) {
  FORWARD("gss_import_name", import_fn, minor, name, type, out);
}

typedef mlv_gss_OM_uint32 (*release_name_fn)(mlv_gss_OM_uint32 *, void **);
mlv_gss_OM_uint32 mlv_gss_release_name(mlv_gss_OM_uint32 *minor, void **name) {
  FORWARD("gss_release_name", release_name_fn, minor, name);
}

typedef mlv_gss_OM_uint32 (*release_buffer_fn)(mlv_gss_OM_uint32 *, mlv_gss_buffer_desc *);
mlv_gss_OM_uint32 mlv_gss_release_buffer(mlv_gss_OM_uint32 *minor, mlv_gss_buffer_desc *buffer) {
  FORWARD("gss_release_buffer", release_buffer_fn, minor, buffer);
}

typedef mlv_gss_OM_uint32 (*display_fn)(mlv_gss_OM_uint32 *, mlv_gss_OM_uint32, int, mlv_gss_OID, mlv_gss_OM_uint32 *,
                                        mlv_gss_buffer_desc *);
mlv_gss_OM_uint32 mlv_gss_display_status(mlv_gss_OM_uint32 *minor, mlv_gss_OM_uint32 status, int type, mlv_gss_OID mech,
                                         mlv_gss_OM_uint32 *context, mlv_gss_buffer_desc *text) {
  FORWARD("gss_display_status", display_fn, minor, status, type, mech, context, text);
}

typedef mlv_gss_OM_uint32 (*delete_fn)(mlv_gss_OM_uint32 *, void **, mlv_gss_buffer_desc *);
mlv_gss_OM_uint32 mlv_gss_delete_sec_context(mlv_gss_OM_uint32 *minor, void **context, mlv_gss_buffer_desc *token) {
  FORWARD("gss_delete_sec_context", delete_fn, minor, context, token);
}

typedef mlv_gss_OM_uint32 (*init_fn)(mlv_gss_OM_uint32 *, void *, void **, void *, mlv_gss_OID, mlv_gss_OM_uint32,
                                     mlv_gss_OM_uint32, void *, mlv_gss_buffer_desc *, mlv_gss_OID *,
                                     mlv_gss_buffer_desc *, mlv_gss_OM_uint32 *, mlv_gss_OM_uint32 *);
mlv_gss_OM_uint32 mlv_gss_init_sec_context(mlv_gss_OM_uint32 *minor, void *credential, void **context, void *target,
                                           mlv_gss_OID mech, mlv_gss_OM_uint32 flags, mlv_gss_OM_uint32 time,
                                           void *bindings, mlv_gss_buffer_desc *input, mlv_gss_OID *actual_mech,
                                           mlv_gss_buffer_desc *output, mlv_gss_OM_uint32 *returned_flags,
                                           mlv_gss_OM_uint32 *time_received) {
  FORWARD("gss_init_sec_context", init_fn, minor, credential, context, target, mech, flags, time, bindings, input,
          actual_mech, output, returned_flags, time_received);
}

#ifdef MLV_STATIC_LIBGIT2
/* The names libgit2.a refers to. The OID is a variable holding a pointer (gssapi.h's
 * `extern gss_OID GSS_C_NT_HOSTBASED_SERVICE`); GSSAPI compares OIDs by their bytes, so the
 * library accepts this copy. */
#define ALIAS(target) __attribute__((alias(#target), visibility("hidden")))
mlv_gss_OID GSS_C_NT_HOSTBASED_SERVICE = &hostbased;
mlv_gss_OM_uint32 gss_indicate_mechs(mlv_gss_OM_uint32 *, mlv_gss_OID_set_desc **) ALIAS(mlv_gss_indicate_mechs);
mlv_gss_OM_uint32 gss_release_oid_set(mlv_gss_OM_uint32 *, mlv_gss_OID_set_desc **) ALIAS(mlv_gss_release_oid_set);
mlv_gss_OM_uint32 gss_import_name(mlv_gss_OM_uint32 *, mlv_gss_buffer_desc *, mlv_gss_OID, void **) ALIAS(mlv_gss_import_name);
mlv_gss_OM_uint32 gss_release_name(mlv_gss_OM_uint32 *, void **) ALIAS(mlv_gss_release_name);
mlv_gss_OM_uint32 gss_release_buffer(mlv_gss_OM_uint32 *, mlv_gss_buffer_desc *) ALIAS(mlv_gss_release_buffer);
mlv_gss_OM_uint32 gss_display_status(mlv_gss_OM_uint32 *, mlv_gss_OM_uint32, int, mlv_gss_OID, mlv_gss_OM_uint32 *,
                                     mlv_gss_buffer_desc *) ALIAS(mlv_gss_display_status);
mlv_gss_OM_uint32 gss_delete_sec_context(mlv_gss_OM_uint32 *, void **, mlv_gss_buffer_desc *) ALIAS(mlv_gss_delete_sec_context);
mlv_gss_OM_uint32 gss_init_sec_context(mlv_gss_OM_uint32 *, void *, void **, void *, mlv_gss_OID, mlv_gss_OM_uint32,
                                       mlv_gss_OM_uint32, void *, mlv_gss_buffer_desc *, mlv_gss_OID *,
                                       mlv_gss_buffer_desc *, mlv_gss_OM_uint32 *, mlv_gss_OM_uint32 *)
    ALIAS(mlv_gss_init_sec_context);
#endif
