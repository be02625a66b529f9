#ifndef MLV_GSSAPI_LOADER_H
#define MLV_GSSAPI_LOADER_H

/* The eight GSSAPI calls (and one OID) libgit2 makes for Negotiate (Kerberos) HTTP
 * authentication, forwarded to a libgssapi_krb5 opened on first use. A libgit2 linked
 * statically (scripts/build-release.sh) refers to them, and no static libgssapi is
 * packaged; linked that way, the binary defines gss_* as these functions, so the Kerberos
 * libraries load only when a remote asks for Negotiate, not at every start. Types are
 * RFC 2744's C bindings, which are a stable ABI (no GSSAPI headers are needed). */

#include <stddef.h>
#include <stdint.h>

typedef uint32_t mlv_gss_OM_uint32;
typedef struct {
  mlv_gss_OM_uint32 length;
  void *elements;
} mlv_gss_OID_desc;
typedef mlv_gss_OID_desc *mlv_gss_OID;
typedef struct {
  size_t count;
  mlv_gss_OID elements;
} mlv_gss_OID_set_desc;
typedef struct {
  size_t length;
  void *value;
} mlv_gss_buffer_desc;

/* GSS_S_FAILURE: what every call returns when no GSSAPI library can be opened. */
#define MLV_GSS_S_FAILURE (13u << 16)

/* GSS_C_NT_HOSTBASED_SERVICE, { 1 2 840 113554 1 2 1 4 }. */
extern mlv_gss_OID const mlv_gss_nt_hostbased_service;

/* 1 when a GSSAPI library was (or can be) opened, else 0. */
int mlv_gssapi_available(void);

mlv_gss_OM_uint32 mlv_gss_indicate_mechs(mlv_gss_OM_uint32 *minor, mlv_gss_OID_set_desc **mechs);
mlv_gss_OM_uint32 mlv_gss_release_oid_set(mlv_gss_OM_uint32 *minor, mlv_gss_OID_set_desc **set);
mlv_gss_OM_uint32 mlv_gss_import_name(mlv_gss_OM_uint32 *minor, mlv_gss_buffer_desc *name, mlv_gss_OID type, void **out);
mlv_gss_OM_uint32 mlv_gss_release_name(mlv_gss_OM_uint32 *minor, void **name);
mlv_gss_OM_uint32 mlv_gss_release_buffer(mlv_gss_OM_uint32 *minor, mlv_gss_buffer_desc *buffer);
mlv_gss_OM_uint32 mlv_gss_display_status(mlv_gss_OM_uint32 *minor, mlv_gss_OM_uint32 status, int type, mlv_gss_OID mech,
                                         mlv_gss_OM_uint32 *context, mlv_gss_buffer_desc *text);
mlv_gss_OM_uint32 mlv_gss_delete_sec_context(mlv_gss_OM_uint32 *minor, void **context, mlv_gss_buffer_desc *token);
mlv_gss_OM_uint32 mlv_gss_init_sec_context(mlv_gss_OM_uint32 *minor, void *credential, void **context, void *target,
                                           mlv_gss_OID mech, mlv_gss_OM_uint32 flags, mlv_gss_OM_uint32 time,
                                           void *bindings, mlv_gss_buffer_desc *input, mlv_gss_OID *actual_mech,
                                           mlv_gss_buffer_desc *output, mlv_gss_OM_uint32 *returned_flags,
                                           mlv_gss_OM_uint32 *time_received);

#endif
