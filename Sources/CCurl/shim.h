#ifndef MLV_CCURL_SHIM_H
#define MLV_CCURL_SHIM_H
// libcurl's easy interface, loaded at run time (dlopen) by MLVRemote's CurlLibrary, so the
// mlv binary links neither libcurl nor the ~20 libraries under it (TLS, Kerberos, LDAP,
// IDN...): every mlv command paid for loading those at start-up, and only S3 remotes use
// them. No <curl/curl.h> is needed to build: the few constants below are copied from it.
// They are part of libcurl's stable ABI (option numbers, info codes and error codes are
// never renumbered; see curl's docs/libcurl/ABI.md), so they hold for every libcurl.so.4.
#include <stddef.h>
#include <stdint.h>

typedef int64_t mlv_curl_off_t;  // curl_off_t: 64 bits on every 64-bit Linux

// Options: CURLOPTTYPE_LONG 0, _OBJECTPOINT 10000, _FUNCTIONPOINT 20000, _OFF_T 30000 + n.
#define MLV_CURLOPT_WRITEDATA 10001
#define MLV_CURLOPT_URL 10002
#define MLV_CURLOPT_ERRORBUFFER 10010
#define MLV_CURLOPT_WRITEFUNCTION 20011
#define MLV_CURLOPT_POSTFIELDS 10015
#define MLV_CURLOPT_LOW_SPEED_LIMIT 19
#define MLV_CURLOPT_LOW_SPEED_TIME 20
#define MLV_CURLOPT_HTTPHEADER 10023
#define MLV_CURLOPT_HEADERDATA 10029
#define MLV_CURLOPT_CUSTOMREQUEST 10036
#define MLV_CURLOPT_NOPROGRESS 43
#define MLV_CURLOPT_NOBODY 44
#define MLV_CURLOPT_FOLLOWLOCATION 52
#define MLV_CURLOPT_XFERINFODATA 10057
#define MLV_CURLOPT_HTTPGET 80
#define MLV_CURLOPT_HEADERFUNCTION 20079
#define MLV_CURLOPT_HTTP_VERSION 84
#define MLV_CURLOPT_NOSIGNAL 99
#define MLV_CURLOPT_POSTFIELDSIZE_LARGE 30120
#define MLV_CURLOPT_CONNECTTIMEOUT_MS 156
#define MLV_CURLOPT_PROTOCOLS 181
#define MLV_CURLOPT_XFERINFOFUNCTION 20219

#define MLV_CURLINFO_RESPONSE_CODE 0x200002 // CURLINFO_LONG + 2
#define MLV_CURL_GLOBAL_ALL 3
#define MLV_CURL_HTTP_VERSION_1_1 2
#define MLV_CURLPROTO_HTTP_HTTPS 3 // CURLPROTO_HTTP | CURLPROTO_HTTPS
#define MLV_CURL_ERROR_SIZE 256

// CURLcode values mlv tells apart.
#define MLV_CURLE_OK 0
#define MLV_CURLE_COULDNT_RESOLVE_PROXY 5
#define MLV_CURLE_COULDNT_RESOLVE_HOST 6
#define MLV_CURLE_COULDNT_CONNECT 7
#define MLV_CURLE_HTTP2 16
#define MLV_CURLE_PARTIAL_FILE 18
#define MLV_CURLE_OPERATION_TIMEDOUT 28
#define MLV_CURLE_ABORTED_BY_CALLBACK 42
#define MLV_CURLE_GOT_NOTHING 52
#define MLV_CURLE_SEND_ERROR 55
#define MLV_CURLE_RECV_ERROR 56
#define MLV_CURLE_HTTP2_STREAM 92

// The callbacks mlv installs (curl_write_callback, curl_xferinfo_callback).
typedef size_t (*mlv_curl_write_cb)(char *data, size_t size, size_t count, void *context);
typedef int (*mlv_curl_xferinfo_cb)(void *context, mlv_curl_off_t dltotal, mlv_curl_off_t dlnow,
                                    mlv_curl_off_t ultotal, mlv_curl_off_t ulnow);

// libcurl's entry points, as dlsym returns them. A CURL * and a curl_slist * are opaque here.
typedef int (*mlv_curl_global_init_fn)(long flags);
typedef void *(*mlv_curl_easy_init_fn)(void);
typedef void (*mlv_curl_easy_cleanup_fn)(void *handle);
typedef void (*mlv_curl_easy_reset_fn)(void *handle);
typedef int (*mlv_curl_easy_perform_fn)(void *handle);
typedef int (*mlv_curl_easy_setopt_fn)(void *handle, int option, ...);
typedef int (*mlv_curl_easy_getinfo_fn)(void *handle, int info, ...);
typedef const char *(*mlv_curl_easy_strerror_fn)(int code);
typedef void *(*mlv_curl_slist_append_fn)(void *list, const char *line);
typedef void (*mlv_curl_slist_free_all_fn)(void *list);

// Swift cannot call a C variadic function through a pointer, so these pass the one
// argument each option takes with its exact C type (curl reads it with va_arg as that type).
static inline int mlv_curl_setopt_long(void *fn, void *handle, int option, long value) {
  return ((mlv_curl_easy_setopt_fn)fn)(handle, option, value);
}
static inline int mlv_curl_setopt_pointer(void *fn, void *handle, int option, const void *value) {
  return ((mlv_curl_easy_setopt_fn)fn)(handle, option, value);
}
static inline int mlv_curl_setopt_off_t(void *fn, void *handle, int option, mlv_curl_off_t value) {
  return ((mlv_curl_easy_setopt_fn)fn)(handle, option, value);
}
static inline int mlv_curl_setopt_write_cb(void *fn, void *handle, int option, mlv_curl_write_cb value) {
  return ((mlv_curl_easy_setopt_fn)fn)(handle, option, value);
}
static inline int mlv_curl_setopt_xferinfo_cb(void *fn, void *handle, int option, mlv_curl_xferinfo_cb value) {
  return ((mlv_curl_easy_setopt_fn)fn)(handle, option, value);
}
static inline int mlv_curl_getinfo_long(void *fn, void *handle, int info, long *value) {
  return ((mlv_curl_easy_getinfo_fn)fn)(handle, info, value);
}

// The non-variadic entry points, called through their typed pointers.
static inline int mlv_curl_global_init(void *fn, long flags) { return ((mlv_curl_global_init_fn)fn)(flags); }
static inline void *mlv_curl_easy_init(void *fn) { return ((mlv_curl_easy_init_fn)fn)(); }
static inline void mlv_curl_easy_cleanup(void *fn, void *handle) { ((mlv_curl_easy_cleanup_fn)fn)(handle); }
static inline void mlv_curl_easy_reset(void *fn, void *handle) { ((mlv_curl_easy_reset_fn)fn)(handle); }
static inline int mlv_curl_easy_perform(void *fn, void *handle) { return ((mlv_curl_easy_perform_fn)fn)(handle); }
static inline const char *mlv_curl_easy_strerror(void *fn, int code) {
  return ((mlv_curl_easy_strerror_fn)fn)(code);
}
static inline void *mlv_curl_slist_append(void *fn, void *list, const char *line) {
  return ((mlv_curl_slist_append_fn)fn)(list, line);
}
static inline void mlv_curl_slist_free_all(void *fn, void *list) { ((mlv_curl_slist_free_all_fn)fn)(list); }
#endif
