#!/usr/bin/env bash
# build-release.sh -- the release binary as users, the demo and the benchmarks run it:
#   .build-release/release/mlv
# Its own scratch path, so it never rebuilds the debug build the tests use (.build/).
#
# The Swift runtime and Foundation are linked in statically (--static-swift-stdlib). Every
# mlv command pays for the dynamic loader first, and with the runtime as 16 more shared
# libraries, resolving their ~20,000 symbol relocations was 43% of `mlv --version` and a
# quarter of a `mlv status` of 20,000 unchanged files, which git's own status does not pay
# (docs/git.md, "Speed"). The system libraries stay shared: libgit2, zlib, zstd, lz4,
# brotli. Nothing links libcurl (S3 transfers open it with dlopen) or libxml2 (S3's XML is
# read by MLVRemote's own reader): with the ~20 libraries under them they were half of
# what every command loaded at start-up.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product mlv --static-swift-stdlib --scratch-path .build-release "$@"
