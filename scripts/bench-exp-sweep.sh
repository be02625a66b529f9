#!/usr/bin/env bash
# Sweeps and per-run overhead (issue 11's targets):
#  1. 8 grid points of a CPU-light script (python3 start, 1 s of sleep, a small output and
#     metrics) as one `mlv run -S x=1,...,8 --jobs 2` against the same 8 runs one after
#     another (target: the sweep takes at most 0.6x).
#  2. mlv's own cost per run beyond the command, with a 10 MB output (target: 150 ms):
#     the command alone, then `mlv run` of it, each timed R times (median).
#  The load average is printed with the figures: the machine is shared.
# Usage: scripts/bench-exp-sweep.sh   (MLV=path/to/mlv; R=5)
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
# the release build with its own scratch path (scripts/build-release.sh)
MLV="${MLV:-$HERE/.build-release/release/mlv}"
R="${R:-5}"
[ -x "$MLV" ] || { echo "build first: scripts/build-release.sh" >&2; exit 1; }
W=$(mktemp -d /tmp/mlv-bench-sweep.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$W"' EXIT; echo "repo: $W"
cd "$W"
git init -q -b master .
git config user.name bench; git config user.email bench@localhost
"$MLV" init -q
printf 'x: 0\n' > params.yaml
cat > train.py <<'PY'
import json, time, re
x = int(re.search(r"x:\s*(-?\d+)", open("params.yaml").read()).group(1))
time.sleep(1.0)
open("out.txt", "w").write("model %d\n" % x)
json.dump({"score": x * 0.5}, open("metrics.json", "w"))
PY
git add params.yaml train.py && "$MLV" commit -q -m "trainer"
"$MLV" run -q -n base -p params.yaml -d train.py -o out.txt -m metrics.json -- python3 train.py
now() { date +%s.%N; }
s=$(now); for i in 1 2 3 4 5 6 7 8; do "$MLV" run -q -n "seq-$i" -S "x=$i" -- python3 train.py; done; e=$(now)
seq=$(echo "$e - $s" | bc)
s=$(now); "$MLV" run -q -n sw -S x=1,2,3,4,5,6,7,8 --jobs 2 -- python3 train.py; e=$(now)
sweep=$(echo "$e - $s" | bc)
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '8 runs one after another: %.2f s; sweep of 8 on --jobs 2: %.2f s; ratio %.2f (target <= 0.6)\n' \
  "$seq" "$sweep" "$(echo "$sweep / $seq" | bc -l)"

# 2. overhead with a 10 MB output (numpy-like float data: seeded pseudo-random bytes)
CMD='python3 -c "import random; import time; random.seed(time.time_ns()); open(\"big.bin\",\"wb\").write(random.randbytes(10_000_000))"'
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
"$MLV" run -q -n big-0 -o big.bin -- "$CMD"
# interleaved, so a change in the machine's load hits both sides alike
: > alone.txt; : > with.txt
for i in $(seq "$R"); do
  s=$(now); sh -c "$CMD"; e=$(now); echo "$e - $s" | bc >> alone.txt
  s=$(now); "$MLV" run -q -n "big-$i" -- "$CMD"; e=$(now); echo "$e - $s" | bc >> with.txt
done
alone=$(median < alone.txt); with=$(median < with.txt)
printf 'command alone: %.3f s; mlv run of it: %.3f s; mlv overhead per run: %.0f ms (target <= 150 ms)\n' \
  "$alone" "$with" "$(echo "($with - $alone) * 1000" | bc -l)"
