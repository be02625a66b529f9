#!/usr/bin/env bash
# bench-many.sh N [WORKDIR] -- mlv on a dataset of N small files (../shared/bench/genmany.py:
# 512-1535 seeded random bytes each, in 1,000 folders), side by side with plain git on the
# same tree in the same run (issue 14's targets). Prints one line per step:
#   step seconds max_rss_kb [store_growth_bytes]
# Steps: add, commit, status (nothing changed; `git status` of the same files tracked in a
# plain git repository as the reference), commit after editing one file (+ store growth),
# diff of that change, checkout of the other version and back, and a restore of all files
# into an empty directory next to `tar -x` of the same files from a tar file in the page
# cache.
#
# Set MLV to the binary (default: .build-release/release/mlv, from scripts/build-release.sh),
# GENMANY to the generator, SRC to an already generated dataset (generating a million files
# takes minutes; default WORKDIR/src, generated when missing). The workspace is a hardlink
# copy of SRC (`cp -al`): mlv never writes a tracked file in place here (restores of small
# files create new inodes), and the one-file edit below replaces its file rather than
# appending to the shared inode. The plain git reference lives in WORKDIR/git and is kept
# between runs (its `git add` of 1M files takes minutes); SKIP_GIT=1 leaves it out,
# FRESH_GIT=1 rebuilds it; SKIP_RESTORE=1 leaves out the restore of every file.
# For the restore's figure put WORKDIR on a fresh filesystem (a tmpfs: `mount -t tmpfs -o
# size=4g tmpfs /mnt/rt`): after a few cycles of deleting and recreating 100,000 files, ext4
# here spends its time skipping recently freed inodes, and `tar -x` alone slows down 7-20x.
set -euo pipefail
N=${1:?usage: bench-many.sh N [WORKDIR]}
W=${2:-/tmp/mlv-bench-many-$N}
HERE="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "${MLV:-}" ]; then
  MLV=$HERE/.build-release/release/mlv
fi
[ -x "$MLV" ] || { echo "build first: scripts/build-release.sh" >&2; exit 1; }
GENMANY=${GENMANY:-$HERE/../shared/bench/genmany.py}
SRC=${SRC:-$W/src}
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com

t() {  # t STEP CMD... : time one command, print "STEP seconds max_rss_kb"
  local step=$1; shift
  /usr/bin/time -f "%e %M" -o "$W/.time" "$@" >"$W/.out" 2>&1 || { echo "$step failed:" >&2; tail -5 "$W/.out" >&2; exit 1; }
  echo "$step $(cat "$W/.time")"
}
store() { du -sb "$1/.mlv/store" | cut -f1; }
# Replaces a file by a copy with 6 more bytes: an edit that leaves SRC's inode alone.
edit() { cp "$1" "$1.tmp" && printf edited >>"$1.tmp" && mv "$1.tmp" "$1"; }

mkdir -p "$W"
if [ ! -d "$SRC" ]; then python3 "$GENMANY" "$SRC" "$N"; fi
# The file edited below: one in the middle of the dataset.
EDIT=$(cd "$SRC" && ls -d c500 >/dev/null && echo "c500/$(ls c500 | head -1)")

rm -rf "$W/repo" && mkdir "$W/repo" && cd "$W/repo"
git init -q -b main . && "$MLV" init -q
cp -al "$SRC" data
sync
t add "$MLV" add data
t commit "$MLV" commit -m v1
t status "$MLV" status
t status-again "$MLV" status
before=$(store .)
edit "data/$EDIT"
t status-1-edit "$MLV" status
t commit-1-edit "$MLV" commit -m v2
echo "store-growth-1-edit $(( $(store .) - before ))"
t diff-1-edit "$MLV" diff HEAD~1 HEAD
t checkout-prev "$MLV" checkout HEAD~1
t status-prev "$MLV" status
t checkout-back "$MLV" checkout main
t status-after "$MLV" status

if [ "${SKIP_GIT:-0}" != 1 ]; then
  if [ "${FRESH_GIT:-0}" = 1 ] || [ ! -f "$W/git/.git/index" ]; then
    rm -rf "$W/git" && mkdir "$W/git" && cd "$W/git"
    git init -q -b main . && cp -al "$SRC" data
    t git-add git add data
    git commit -qm v1
  fi
  cd "$W/git"
  t git-status git status
  t git-status-again git status
fi

# Restore of every file into an empty directory, against tar -x of the same files
# (issue 14 sets its target at 100,000 files; SKIP_RESTORE=1 leaves it out).
[ "${SKIP_RESTORE:-0}" = 1 ] && exit 0
# ext4 skips inodes freed in the last dirty_expire_centisecs (30 s) when it allocates new
# ones, scanning past each: creating 100,000 files right after deleting 100,000 costs 3x
# more in the kernel (perf: ext4_create -> recently_deleted). Both sides wait that out.
settle() { sync; sleep $(( $(cat /proc/sys/vm/dirty_expire_centisecs 2>/dev/null || echo 3000) / 100 + 2 )); }
cd "$W/repo"
rm -rf data
settle
t restore-all "$MLV" checkout
(cd "$SRC/.." && tar -cf "$W/src.tar" "$(basename "$SRC")")
cat "$W/src.tar" >/dev/null
rm -rf "$W/untar" && mkdir "$W/untar"
settle
t tar-x tar -xf "$W/src.tar" -C "$W/untar"
rm -rf "$W/untar" "$W/src.tar"
