#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test suite (unit,
# golden vectors, end-to-end tests of the binary in temporary git repositories).
#
# The S3 tests run against a real object store: a one-node Ceph RADOS Gateway started by
# scripts/ceph-rgw.sh (in parallel with the build) and stopped, by pid, however the run
# ends. Without Debian's Ceph packages they fall back on moto, with a warning, unless
# MLV_REQUIRE_RGW=1 (.ci/run sets it). MLV_TEST_RGW=0 skips RGW; an exported
# MLV_TEST_S3_ENDPOINT (a cluster already running) is used as is.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
rgw_dir=""
rgw_pid=""
if [ "${MLV_TEST_RGW:-1}" != 0 ] && [ -z "${MLV_TEST_S3_ENDPOINT:-}" ]; then
  rgw_dir=$(mktemp -d /tmp/mlv-rgw.XXXXXX)
  trap '[ -z "$rgw_pid" ] || wait "$rgw_pid" 2>/dev/null; bash scripts/ceph-rgw.sh stop "$rgw_dir/cluster"; rm -rf "$rgw_dir"' EXIT
  bash scripts/ceph-rgw.sh start "$rgw_dir/cluster" >"$rgw_dir/env" 2>"$rgw_dir/start.log" &
  rgw_pid=$!
fi
swift build --build-tests
if [ -n "$rgw_pid" ]; then
  if wait "$rgw_pid"; then
    eval "$(cat "$rgw_dir/env")"
    echo "test: S3 tests run against $MLV_TEST_S3_SERVER at $MLV_TEST_S3_ENDPOINT" >&2
  else
    cat "$rgw_dir/start.log" >&2
    if [ "${MLV_REQUIRE_RGW:-0}" = 1 ]; then echo "test: Ceph RGW did not start" >&2; exit 1; fi
    echo "test: warning: Ceph RGW did not start; the S3 tests run against moto" >&2
  fi
  rgw_pid=""
fi
swift test --skip-build "$@"
