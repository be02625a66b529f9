#!/usr/bin/env bash
# Times `mlv exp show` over N recorded runs (default 1000; the target is under 0.25 s).
# One real `mlv run` gives a record as mlv writes it; N variants of it (different params,
# metrics and times) are then committed with `git fast-import`, one commit per run with
# HEAD as its parent, kept off the branch under refs/mlv/runs/<id>: exactly the layout
# `mlv run` produces. ON_BRANCH=1 chains them on the branch instead (`--on-branch`).
# Usage: scripts/bench-exp-show.sh [N]   (MLV=path/to/mlv to use another binary)
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-1000}"
# the release build with its own scratch path (scripts/build-release.sh)
MLV="${MLV:-$HERE/.build-release/release/mlv}"
[ -x "$MLV" ] || { echo "build first: scripts/build-release.sh" >&2; exit 1; }
W=$(mktemp -d /tmp/mlv-bench-exp.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$W"' EXIT; echo "repo: $W"
cd "$W"
git init -q -b master .
git config user.name bench; git config user.email bench@localhost
"$MLV" init -q
printf 'train:\n  lr: 0.1\n  epochs: 10\n' > params.yaml
git add params.yaml && "$MLV" commit -q -m params  # runs start from a commit
"$MLV" run -q -n seed -p params.yaml -m metrics.json -- sh -c 'echo "{\"loss\": 0.5, \"acc\": 0.75}" > metrics.json'
python3 - "$N" <<'PY' | git fast-import --quiet
import json, sys, subprocess
n = int(sys.argv[1])
import os
template = json.loads(subprocess.check_output(["git", "show", "refs/mlv/runs/seed:.mlv/runs/seed.json"]))
on_branch = os.environ.get("ON_BRANCH") == "1"
head = subprocess.check_output(["git", "rev-parse", "HEAD"], text=True).strip()
out = sys.stdout.buffer
def data(b):
    out.write(b"data %d\n" % len(b) + b + b"\n")
for i in range(1, n + 1):
    rec = dict(template)
    rec["name"] = f"run-{i}"
    rec["params"] = {"train.lr": 0.0001 * i + 0.00005, "train.epochs": 10 + i % 7, "train.opt": ["sgd", "adam"][i % 2]}
    rec["metrics"] = {"loss": 1.0 / (i + 0.5), "acc": 0.5 + (i % 97) / 250.0}
    rec["startedAt"] = "2026-01-%02dT%02d:%02d:%02d.000Z" % (1 + i // 1440 % 28, i // 60 % 24, i % 60, i % 60)
    body = (json.dumps(rec, indent=2, sort_keys=True) + "\n").encode()
    ref = b"refs/heads/master" if on_branch else b"refs/mlv/runs/run-%d" % i
    out.write(b"commit %s\nmark :%d\ncommitter bench <bench@localhost> %d +0000\n" % (ref, i, 1767225600 + i))
    data(b"run run-%d" % i)
    out.write(b"from %s\n" % (head.encode() if i == 1 or not on_branch else b":%d" % (i - 1)))
    out.write(b"M 100644 inline .mlv/runs/run-%d.json\n" % i)
    data(body)
    out.write(b"reset refs/mlv/runs/run-%d\nfrom :%d\n\n" % (i, i))
PY
echo "runs recorded: $(git for-each-ref refs/mlv/runs | wc -l)"
"$MLV" exp show >/dev/null  # warm the page cache (and fill .mlv/state/run-records)
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
# each form 5 times: the median, and the slowest (what load does to it)
for args in "" "--json" "--sort loss"; do
  ts=$(for i in 1 2 3 4 5; do s=$(date +%s.%N); "$MLV" exp show $args >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; done | sort -n)
  printf 'mlv exp show %-12s median %.3f s, slowest %.3f s\n' "$args" "$(echo "$ts" | sed -n 3p)" "$(echo "$ts" | tail -1)"
done
echo "rows: $("$MLV" exp show --csv | tail -n +2 | wc -l)"
# without the record cache: every record read from git
rm -f .mlv/state/run-records
s=$(date +%s.%N); "$MLV" exp show >/dev/null; e=$(date +%s.%N)
printf 'mlv exp show (cold cache) %.3f s\n' "$(echo "$e - $s" | bc)"
