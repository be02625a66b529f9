#!/usr/bin/env bash
# build-release.sh -- the release binary as users, the demo and the benchmarks run it:
#   .build-release/release/mlv
# Its own scratch path, so it never rebuilds the debug build the tests use (.build/).
#
# Everything but the C runtime is linked in statically: every mlv command pays for the
# dynamic loader first.
# - The Swift runtime and Foundation (--static-swift-stdlib): as 16 more shared libraries,
#   resolving their ~20,000 symbol relocations was 43% of `mlv --version` and a quarter of
#   a `mlv status` of 20,000 unchanged files, which git's own status does not pay.
# - libgit2 and the libraries under it (mbedtls, libssh2, OpenSSL's libcrypto, http_parser,
#   pcre2) and the codecs (zlib, zstd, lz4, brotli), from the archives their Debian -dev
#   packages ship: the shared libgit2 brought 21 more libraries (the Kerberos chain under
#   libgssapi_krb5, OpenSSL under libssh2), most of what was left of the start-up.
#   pkg-config is pointed at .pc files written below that name the archives. Two things
#   make that link work: the CA-bundle deferral wraps mbedtls's parser with the linker's
#   --wrap instead of interposing on a shared mbedtls (Sources/CDeferredCertificates), and
#   libgit2's eight GSSAPI calls go to a libgssapi_krb5 opened on first use
#   (Sources/CGSSAPILoader). The cost: a security update of those libraries reaches mlv
#   when it is rebuilt (README, "Two commands"). MLV_SHARED_LIBGIT2=1, a missing archive or
#   a libgit2 built on other libraries than Debian 12's builds against the shared ones.
# Nothing links libcurl (S3 transfers open it with dlopen) or libxml2 (S3's XML is read by
# MLVRemote's own reader). See docs/git.md, "Speed".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

flags=()
libdir=$(pkg-config --variable=libdir libgit2)
archives=(libgit2 libmbedtls libmbedx509 libmbedcrypto libhttp_parser libssh2 libcrypto libpcre2-8 libz libzstd liblz4 libbrotlidec libbrotlicommon)
missing=()
for a in "${archives[@]}"; do [ -f "$libdir/$a.a" ] || missing+=("$a.a"); done
# The libraries the archives below stand for: another libgit2 build (OpenSSL, llhttp) is
# linked shared rather than guessed at.
expected="-lgit2 -lmbedtls -lmbedx509 -lmbedcrypto -lhttp_parser -lssh2 -lrt -lpcre2-8 -lz"
deps=$(pkg-config --static --libs-only-l libgit2 | xargs)
static=0
if [ "${MLV_SHARED_LIBGIT2:-0}" = 1 ]; then
  echo "build-release: MLV_SHARED_LIBGIT2=1: linking the shared libgit2 and codecs" >&2
elif [ ${#missing[@]} -gt 0 ]; then
  echo "build-release: no ${missing[*]} in $libdir: linking the shared libgit2 and codecs" >&2
elif [ "$deps" != "$expected" ]; then
  echo "build-release: libgit2 here needs $deps, not $expected: linking the shared libgit2 and codecs" >&2
else
  static=1
  pc=.build-release/pkgconfig
  mkdir -p "$pc"
  # name  archives and system libraries they need
  write_pc() {
    printf 'Name: %s\nDescription: %s, static (scripts/build-release.sh)\nVersion: %s\nLibs: -L%s %s\nCflags: %s\n' \
      "$1" "$1" "$(pkg-config --modversion "$1")" "$libdir" "$2" "$(pkg-config --cflags "$1")" >"$pc/$1.pc"
  }
  write_pc libgit2 "-l:libgit2.a -l:libmbedtls.a -l:libmbedx509.a -l:libmbedcrypto.a -l:libhttp_parser.a -l:libssh2.a -l:libcrypto.a -l:libpcre2-8.a -l:libz.a -lrt -ldl -lpthread"
  write_pc zlib "-l:libz.a"
  write_pc libzstd "-l:libzstd.a -lpthread"
  write_pc liblz4 "-l:liblz4.a"
  write_pc libbrotlidec "-l:libbrotlidec.a -l:libbrotlicommon.a"
  export PKG_CONFIG_PATH="$PWD/$pc"
  flags=(-Xcc -DMLV_STATIC_LIBGIT2 -Xlinker --wrap=mbedtls_x509_crt_parse_file)
fi
swift build -c release --product mlv --static-swift-stdlib --scratch-path .build-release ${flags[@]+"${flags[@]}"} "$@"
if [ "$static" = 1 ] && readelf -d .build-release/release/mlv | grep -q 'NEEDED.*libgit2'; then
  echo "build-release: the binary still loads the shared libgit2: the static link did not take" >&2
  exit 1
fi
