#!/usr/bin/env bash
# Times `mlv repro` deciding that a stage with a 20,000-file dependency is up to date
# (target: under 0.2 s). The ids come from the stat cache; no file is read.
# Usage: scripts/bench-stage-check.sh [FILES]   (MLV=path/to/mlv to use another binary)
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-20000}"
MLV="${MLV:-$HERE/.build-release/release/mlv}"
[ -x "$MLV" ] || { echo "build first: scripts/build-release.sh" >&2; exit 1; }
W=$(mktemp -d /tmp/mlv-bench-stage.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W"
git init -q -b master .
git config user.name bench; git config user.email bench@localhost
"$MLV" init -q
python3 - "$N" <<'PY'
import os, sys
n = int(sys.argv[1])
for i in range(n):
    d = f"data/part{i % 200:03d}"
    os.makedirs(d, exist_ok=True)
    open(f"{d}/row{i:05d}.txt", "w").write(f"{i},{i * 7 % 13},{i * 31 % 101}\n")
PY
"$MLV" add -q data
"$MLV" commit -q -m data
sleep 0.2
"$MLV" run -q -n count -d data -o n.txt -- 'find data -type f | wc -l > n.txt'
sleep 0.2
"$MLV" repro >/dev/null  # first check after the run settles the stat cache for the output
for i in 1 2 3; do
  s=$(date +%s.%N); out=$("$MLV" repro); e=$(date +%s.%N)
  printf '%s  %.3f s\n' "$out" "$(echo "$e - $s" | bc)"
done
