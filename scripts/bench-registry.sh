#!/usr/bin/env bash
# bench-registry.sh [WORKDIR] -- the registry's performance targets (issue 12), each next
# to its reference in the same run. Prints one line per step: "step seconds max_rss_kb".
#   ls            `mlv ls` of another local repository tracking 20,000 files (gen.py images 1)
#   import / pull `mlv import` of that directory into a fresh repository, against `mlv pull`
#                 of the same data in a fresh clone of the source (same local-path remote)
#   verify / sha256sum  `mlv model verify` of a signed 1 GiB model (gen.py model 1), against
#                 `sha256sum` and `openssl dgst -sha256` of the same file (page cache)
# Each timed step runs RUNS times (default 3). Set MLV to a release binary (default
# .build-release/release/mlv: scripts/build-release.sh), GEN to the generator.
set -euo pipefail
W=${1:-/tmp/mlv-bench-registry}
HERE="$(cd "$(dirname "$0")/.." && pwd)"
MLV=${MLV:-$HERE/.build-release/release/mlv}
GEN=${GEN:-$HERE/../shared/bench/gen.py}
RUNS=${RUNS:-3}
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com

t() {  # t STEP CMD... : time one command, print "STEP seconds max_rss_kb"
  local step=$1; shift
  /usr/bin/time -f "%e %M" -o "$W/.time" "$@" >"$W/.out" 2>&1 || { echo "$step failed:" >&2; tail -5 "$W/.out" >&2; exit 1; }
  echo "$step $(cat "$W/.time")"
}

mkdir -p "$W"
# The source repository: 20,000 files on a local-path remote.
if [ ! -d "$W/src/.mlv" ]; then
  rm -rf "$W/src" "$W/remote"
  [ -d "$W/gen-images" ] || python3 "$GEN" "$W/gen-images" images 1 >/dev/null
  mkdir -p "$W/src" && cp -a "$W/gen-images" "$W/src/data"
  (cd "$W/src" && git init -q -b main . && "$MLV" init -q && "$MLV" remote add origin "$W/remote" >/dev/null \
    && "$MLV" add -q data && "$MLV" commit -q -m v1 && "$MLV" push -q)
fi
echo "# $(ls -R "$W/src/data" | grep -c '\.bin$') files, $(du -sh "$W/src/data" | cut -f1); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"

for i in $(seq "$RUNS"); do
  rm -rf "$W/dst" && mkdir "$W/dst" && (cd "$W/dst" && git init -q -b main . && "$MLV" init -q)
  cd "$W/dst"
  t ls "$MLV" ls "$W/src" data
  t import "$MLV" import -q "$W/src" data
  rm -rf "$W/clone" && git clone -q "$W/src" "$W/clone" && cd "$W/clone"
  t pull "$MLV" pull -q
done

# The model: 1 GiB, signed; verify streams every chunk out of the packs.
if [ ! -f "$W/model/.ok" ]; then
  rm -rf "$W/model" && mkdir -p "$W/model" && cd "$W/model"
  git init -q -b main . && "$MLV" init -q
  [ -f "$W/gen-model/model.bin" ] || python3 "$GEN" "$W/gen-model" model 1 >/dev/null
  mkdir -p models && cp "$W/gen-model/model.bin" models/
  "$MLV" add -q models && "$MLV" commit -q -m model
  ssh-keygen -q -t ed25519 -N "" -C bench -f "$W/key"
  echo "bench@example.com $(cat "$W/key.pub")" >"$W/allowed"
  "$MLV" model register m models v1.0.0 --sign "$W/key" >/dev/null
  touch .ok
fi
cd "$W/model"
cat models/model.bin >/dev/null
for i in $(seq "$RUNS"); do
  t verify "$MLV" model verify m@v1.0.0 --allowed-signers "$W/allowed"
  t sha256sum sha256sum models/model.bin
  t openssl-sha256 openssl dgst -sha256 models/model.bin
done
