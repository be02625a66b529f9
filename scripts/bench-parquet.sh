#!/usr/bin/env bash
# bench-parquet.sh [WORKDIR] -- issue 13's Parquet diff target (1 M rows: < 1.5 s, < 300 MB):
# generates two versions with scripts/gen-parquet.py (once), commits them as two mlv
# commits of one tracked file, then times `mlv diff --key id HEAD~1 HEAD` REPS times
# (default 5). Prints one line per run: wall s, CPU s (user+sys), peak RSS KB.
# MLV is the binary (default .build-release/release/mlv).
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
W=${1:-/tmp/mlv-bench-parquet}
MLV=${MLV:-$HERE/.build-release/release/mlv}
REPS=${REPS:-5}
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
mkdir -p "$W/gen"
[ -f "$W/gen/b.parquet" ] || python3 "$HERE/scripts/gen-parquet.py" "$W/gen"
if [ ! -d "$W/repo/.mlv" ]; then
  rm -rf "$W/repo" && mkdir "$W/repo"
  (cd "$W/repo" && git init -q -b main . && "$MLV" init -q && cp "$W/gen/a.parquet" t.parquet &&
    "$MLV" add -q t.parquet && "$MLV" commit -q -m a && cp "$W/gen/b.parquet" t.parquet && "$MLV" commit -q -m b)
fi
cd "$W/repo"
"$MLV" diff --key id HEAD~1 HEAD >"$W/out.txt"
for _ in $(seq "$REPS"); do
  /usr/bin/time -f "%e %U %S %M" -o "$W/.one" "$MLV" diff --key id HEAD~1 HEAD >/dev/null
  awk '{ printf "wall %s s  cpu %.2f s  rss %s KB\n", $1, $2 + $3, $4 }' "$W/.one"
done
