#!/usr/bin/env bash
# Push, then pull into a fresh clone, of N small files (../shared/bench/genmany.py: 512–1535
# bytes each, in 1,000 folders) to Ceph RGW on loopback, for mlv and for DVC (dvc-s3) on the
# same server in the same run.
#
#   scripts/bench-remote-many.sh [N]      # default 100000
#
# MLV=path/to/mlv (default .build-release/release/mlv; none skips it), DVC=path/to/dvc (default /tmp/dvcenv/bin/dvc;
# set DVC=none to skip it), GENMANY=path/to/genmany.py. Starts RGW with scripts/ceph-rgw.sh
# unless MLV_TEST_S3_ENDPOINT is set, and stops what it started. Prints one line per step:
#   TOOL STEP seconds max_rss_kb
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-100000}"
MLV="${MLV:-$HERE/.build-release/release/mlv}"
DVC="${DVC:-/tmp/dvcenv/bin/dvc}"
GENMANY="${GENMANY:-$HERE/../shared/bench/genmany.py}"
[ "$MLV" = none ] || [ -x "$MLV" ] || { echo "build first: scripts/build-release.sh" >&2; exit 1; }
[ -f "$GENMANY" ] || GENMANY=/work/shared/bench/genmany.py
W=$(mktemp -d /tmp/mlv-bench-remote.XXXXXX)
started_rgw=""
cleanup() {
  rm -rf "$W"
  if [ -n "$started_rgw" ]; then bash "$HERE/scripts/ceph-rgw.sh" stop "$W-rgw" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
if [ -z "${MLV_TEST_S3_ENDPOINT:-}" ]; then
  eval "$(bash "$HERE/scripts/ceph-rgw.sh" start "$W-rgw")"
  started_rgw=1
fi
export AWS_ACCESS_KEY_ID=$MLV_TEST_S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$MLV_TEST_S3_SECRET_KEY AWS_REGION=us-east-1
bucket=$MLV_TEST_S3_BUCKET
run_id=$(date +%s)-$$

t() {
  local tool=$1 step=$2
  shift 2
  /usr/bin/time -f "%e %M" -o "$W/time" "$@" >"$W/out" 2>"$W/err" || {
    echo "$tool $step failed:" >&2
    tail -n 20 "$W/err" >&2
    exit 1
  }
  read -r s m <"$W/time"
  echo "$tool $step $s $m"
}

echo "# $N files, $(python3 -c "import sys; print(sum(512 + i % 1024 for i in range(int(sys.argv[1]))) // 1000000)" "$N") MB, server: ${MLV_TEST_S3_SERVER:-RGW} at $MLV_TEST_S3_ENDPOINT"
python3 "$GENMANY" "$W/gen" "$N"

# mlv
if [ "$MLV" != none ]; then
mkdir -p "$W/mlv" && cd "$W/mlv"
git init -q -b master . && git config user.email b@b && git config user.name b
"$MLV" init -q
cp -r "$W/gen" data
"$MLV" add -q data && "$MLV" commit -q -m data
"$MLV" remote add -q origin "s3://$bucket/bench-$run_id/mlv" --endpoint "$MLV_TEST_S3_ENDPOINT"
git commit -qm remote
t mlv push nice "$MLV" push -q
git clone -q "$W/mlv" "$W/mlv-clone" && cd "$W/mlv-clone"
t mlv pull nice "$MLV" pull -q
diff -rq "$W/gen" "$W/mlv-clone/data" >/dev/null || { echo "mlv: pulled data differs" >&2; exit 1; }
rm -rf "$W/mlv" "$W/mlv-clone"
fi

# DVC on the same server
if [ "$DVC" != none ] && [ -x "$DVC" ]; then
  mkdir -p "$W/dvc" && cd "$W/dvc"
  git init -q -b master . && git config user.email b@b && git config user.name b
  "$DVC" init -q && "$DVC" config core.analytics false
  cp -r "$W/gen" data
  "$DVC" add -q data >/dev/null
  "$DVC" remote add -q -d origin "s3://$bucket/bench-$run_id/dvc"
  "$DVC" remote modify -q origin endpointurl "$MLV_TEST_S3_ENDPOINT"
  git add -A && git commit -qm data
  t dvc push nice "$DVC" push -q
  git clone -q "$W/dvc" "$W/dvc-clone" && cd "$W/dvc-clone"
  t dvc pull nice "$DVC" pull -q
  diff -rq "$W/gen" "$W/dvc-clone/data" >/dev/null || { echo "dvc: pulled data differs" >&2; exit 1; }
fi
