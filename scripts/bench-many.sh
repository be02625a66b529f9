#!/usr/bin/env bash
# bench-many.sh N [WORKDIR] -- mlv on a dataset of N small files (../shared/bench/genmany.py:
# 512-1535 seeded random bytes each, in 1,000 folders), side by side with plain git on the
# same tree in the same run (issue 14's targets). Prints one line per step:
#   step seconds max_rss_kb [store_growth_bytes]
# Steps: add, commit, status (nothing changed; `git status` of the same files tracked in a
# plain git repository as the reference), commit after editing one file (+ store growth),
# diff of that change, checkout of the other version and back, and a restore of all files
# into an empty directory next to `tar -x` of the same files from a tar file in the page
# cache. Set MLV to the binary (default: .build/release/mlv), GENMANY to the generator,
# SKIP_GIT=1 to leave out the plain-git reference (its `git add` of 1M files takes minutes).
set -euo pipefail
N=${1:?usage: bench-many.sh N [WORKDIR]}
W=${2:-/tmp/mlv-bench-many-$N}
HERE="$(cd "$(dirname "$0")/.." && pwd)"
MLV=${MLV:-$HERE/.build/release/mlv}
GENMANY=${GENMANY:-$HERE/../shared/bench/genmany.py}
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com

t() {  # t STEP CMD... : time one command, print "STEP seconds max_rss_kb"
  local step=$1; shift
  /usr/bin/time -f "%e %M" -o "$W/.time" "$@" >"$W/.out" 2>&1 || { echo "$step failed:" >&2; tail -5 "$W/.out" >&2; exit 1; }
  echo "$step $(cat "$W/.time")"
}
store() { du -sb "$1/.mlv/store" | cut -f1; }

mkdir -p "$W"
if [ ! -d "$W/src" ]; then python3 "$GENMANY" "$W/src" "$N"; fi

rm -rf "$W/repo" && mkdir "$W/repo" && cd "$W/repo"
git init -q -b main . && "$MLV" init -q
cp -a "$W/src" data
sync
t add "$MLV" add data
t commit "$MLV" commit -m v1
t status "$MLV" status
t status-again "$MLV" status
before=$(store .)
python3 -c "import sys; open(sys.argv[1], 'ab').write(b'edited')" data/c500/f0000500.bin
t commit-1-edit "$MLV" commit -m v2
echo "store-growth-1-edit $(( $(store .) - before ))"
t diff-1-edit "$MLV" diff HEAD~1 HEAD
t checkout-prev "$MLV" checkout HEAD~1
t checkout-back "$MLV" checkout main
t status-after "$MLV" status

# Restore of every file into an empty directory, against tar -x of the same files.
rm -rf data
sync
t restore-all "$MLV" checkout
(cd "$W/src/.." && tar -cf "$W/src.tar" src)
cat "$W/src.tar" >/dev/null
rm -rf "$W/untar" && mkdir "$W/untar"
t tar-x tar -xf "$W/src.tar" -C "$W/untar"
rm -rf "$W/untar" "$W/src.tar"

if [ "${SKIP_GIT:-0}" != 1 ]; then
  rm -rf "$W/git" && mkdir "$W/git" && cd "$W/git"
  git init -q -b main . && cp -a "$W/src" data
  t git-add git add data
  git commit -qm v1
  t git-status git status
  t git-status-again git status
fi
