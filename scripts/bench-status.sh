#!/usr/bin/env bash
# bench-status.sh [images|many N] [WORKDIR] -- the "nothing changed" costs of living next to
# git (issue 10's and issue 14's targets), mlv against plain git on the same files, in the
# same run, alternating A B A B so machine drift hits both alike:
#   status        `mlv status` in an mlv repository tracking the dataset, nothing changed,
#                 vs `git status` in a plain git repository where the same files are committed
#   hook          `git checkout` between two commits with the same data (a code file differs),
#                 with mlv's hooks (`mlv install`) vs without them (core.hooksPath elsewhere)
#   merge-driver  `mlv merge-driver` of two directory pointers that changed different files
#                 (images only), and a whole `git merge` of two such branches
# Datasets: `images` is ../shared/bench/gen.py's 20,000 files of 2-64 KiB; `many N` is
# genmany.py's N files of 0.5-1.5 KB in 1,000 folders. Each row prints the median and range
# of wall seconds, the median CPU seconds (user+sys) and the largest peak RSS over REPS runs:
#   step tool wall_median [min-max] cpu_median max_rss_kb
# The repositories are made once under WORKDIR and reused (REBUILD=1 makes them again).
# Set MLV to the binary (default .build-release/release/mlv), REPS (default 7), BENCH to
# the generators' directory.
set -euo pipefail
KIND=${1:-images}
if [ "$KIND" = many ]; then N=${2:?usage: bench-status.sh many N [WORKDIR]}; shift 2; else N=20000; shift || true; fi
W=${1:-/tmp/mlv-bench-status-$KIND-$N}
HERE="$(cd "$(dirname "$0")/.." && pwd)"
MLV=${MLV:-$HERE/.build-release/release/mlv}
BENCH=${BENCH:-$HERE/../shared/bench}
REPS=${REPS:-7}
[ -x "$MLV" ] || { echo "build first: scripts/build-release.sh" >&2; exit 1; }
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com

mkdir -p "$W"
if [ ! -d "$W/src" ]; then
  if [ "$KIND" = many ]; then python3 "$BENCH/genmany.py" "$W/src" "$N"; else python3 "$BENCH/gen.py" "$W/src" images 1; fi
fi

# The plain git reference: the same files committed (uncompressed: only status is timed).
if [ "${REBUILD:-0}" = 1 ] || [ ! -d "$W/git/.git" ]; then
  rm -rf "$W/git" && mkdir "$W/git"
  (cd "$W/git" && git init -q -b main . && mkdir data && cp -a "$W/src/." data/ &&
    git -c core.compression=0 add data && git commit -qm v1 && echo code >code.txt && git add code.txt && git commit -qm code)
fi
# The mlv repository: the same files added, committed, hooks installed, and a second commit
# that changes only a code file (for the hook's branch switch).
if [ "${REBUILD:-0}" = 1 ] || [ ! -d "$W/mlv/.mlv" ]; then
  rm -rf "$W/mlv" && mkdir "$W/mlv"
  (cd "$W/mlv" && git init -q -b main . && "$MLV" init -q && mkdir data && cp -a "$W/src/." data/ && "$MLV" add -q data &&
    "$MLV" commit -q -m v1 && "$MLV" install -q && git branch -q v1 && echo code >code.txt && git add code.txt &&
    git commit -qm code && "$MLV" status -q)
fi

# The hooks run the binary being measured (install rewrites mlv's own hooks in place).
(cd "$W/mlv" && "$MLV" install -q)

# run DIR CMD : one timed run of the shell command CMD in DIR; appends "wall cpu rss" to $W/.t.$TAG
# (/usr/bin/time counts CPU in 10 ms steps: read medians over several runs)
run() {
  (cd "$1" && /usr/bin/time -f "%e %U %S %M" -o "$W/.one" sh -c "$2" >/dev/null 2>"$W/.err") ||
    { echo "failed in $1: $2" >&2; cat "$W/.err" >&2; exit 1; }
  awk '{ printf "%s %.3f %s\n", $1, $2 + $3, $4 }' "$W/.one" >>"$W/.t.$TAG"
}
# report STEP TOOL : the median and range of the runs collected under TAG
report() {
  local f=$W/.t.$TAG
  local cpu rss
  cpu=$(sort -n -k2 "$f" | awk '{ c[NR] = $2 } END { print c[int((NR + 1) / 2)] }')
  rss=$(sort -n -k3 "$f" | tail -1 | cut -d' ' -f3)
  sort -n "$f" | awk -v step="$1" -v tool="$2" -v cpu="$cpu" -v rss="$rss" '
    { w[NR] = $1 }
    END { printf "%-13s %-22s %.3f [%.3f-%.3f] %.3f %d\n", step, tool, w[int((NR + 1) / 2)], w[1], w[NR], cpu, rss }'
  rm -f "$f"
}
# pair STEP NAME_A DIR_A CMD_A NAME_B DIR_B CMD_B : REPS runs of each, alternating, after one warm-up each
pair() {
  TAG=a run "$3" "$4"; TAG=b run "$6" "$7"; rm -f "$W/.t.a" "$W/.t.b"
  for _ in $(seq "$REPS"); do TAG=a run "$3" "$4"; TAG=b run "$6" "$7"; done
  TAG=a report "$1" "$2"; TAG=b report "$1" "$5"
}

echo "# $KIND ($N files), $REPS runs each; step tool wall_median [min-max] cpu_median max_rss_kb"
pair status mlv-status "$W/mlv" "exec '$MLV' status" git-status "$W/git" "exec git status"

# The hook: switch between two commits with the same data, with and without mlv's hooks.
pair hook git-checkout+mlv-hook "$W/mlv" "git checkout -q v1 && git checkout -q main" \
  git-checkout-no-hooks "$W/mlv" "git -c core.hooksPath=/nonexistent checkout -q v1 && git -c core.hooksPath=/nonexistent checkout -q main"

[ "$KIND" = images ] || exit 0
# The merge driver: two branches that changed different files of the dataset.
if [ ! -f "$W/merge/theirs.mlv" ]; then
  rm -rf "$W/merge" && mkdir -p "$W/merge"
  (cd "$W/mlv" && git show v1:data.mlv >"$W/merge/base.mlv" &&
    git checkout -q -b left v1 && printf x >>data/class010/img000010.bin && "$MLV" commit -q -m left &&
    git show left:data.mlv >"$W/merge/ours.mlv" &&
    git checkout -q -b right v1 && printf y >>data/class090/img000090.bin && "$MLV" commit -q -m right &&
    git show right:data.mlv >"$W/merge/theirs.mlv" && git checkout -q main)
fi
M=$W/merge
pair merge-driver mlv-merge-driver "$W/mlv" "cp '$M/ours.mlv' '$M/a.mlv' && exec '$MLV' merge-driver '$M/base.mlv' '$M/a.mlv' '$M/theirs.mlv' data.mlv" \
  cp-only "$W/mlv" "cp '$M/ours.mlv' '$M/a.mlv'"
# A whole git merge of the two branches (the driver, then the post-merge hook's restore),
# against the two checkouts around it alone.
pair git-merge git-merge "$W/mlv" "git checkout -q left && git merge -q --no-edit right && git reset -q --hard left && git checkout -q main" \
  git-checkout-only "$W/mlv" "git checkout -q left && git checkout -q main"
