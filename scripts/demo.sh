#!/usr/bin/env bash
# The main job, end to end on generated data: init, add a dataset and a model, commit,
# edit data and params, diff, check out the older version and verify it byte for byte,
# come back, then share it: push to a local-path remote, clone, pull, verify. Run from
# anywhere; works in a scratch directory.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
cd "$HERE"
bash scripts/setup.sh
echo "== building mlv (release)"
bash scripts/build-release.sh 2>&1 | tail -1
MLV="$HERE/.build-release/release/mlv"
W=$(mktemp -d /tmp/mlv-demo.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W"
say() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "a git repository with code, params and generated data"
git init -q -b master .
git config user.name "mlv demo"; git config user.email "demo@localhost"
python3 - <<'PY'
import numpy as np, os
rng = np.random.default_rng(1)
os.makedirs("data/images", exist_ok=True); os.makedirs("models", exist_ok=True)
for i in range(300):
    d = f"data/images/class{i % 5}"; os.makedirs(d, exist_ok=True)
    open(f"{d}/img{i:04d}.bin", "wb").write(rng.bytes(int(rng.integers(2000, 60000))))
with open("data/train.csv", "w") as f:
    f.write("id,x,y,label\n")
    for i in range(50000):
        f.write(f"{i},{rng.normal():.5f},{rng.normal():.5f},{i % 3}\n")
rng.standard_normal(16 * 1024 * 1024, dtype=np.float32).tofile("models/model.bin")  # 64 MB
open("params.yaml", "w").write("train:\n  lr: 0.01\n  epochs: 10\n")
open("train.py", "w").write("print('training...')\n")
PY
run "$MLV" init
run "$MLV" add data models/model.bin
run git add params.yaml train.py
run "$MLV" commit -m "baseline"
sha_v1=$(find data models -type f | sort | xargs sha256sum | sha256sum)
cp params.yaml /tmp/params-v1.$$

say "edit: 2% of the model changes, rows appended, images added and removed, new lr"
python3 - <<'PY'
import numpy as np, os
w = np.memmap("models/model.bin", dtype=np.float32, mode="r+")
n = len(w); s = n // 2; w[s:s + n // 50] *= np.float32(0.99); w.flush(); del w
with open("data/train.csv", "a") as f:
    for i in range(50000, 51000): f.write(f"{i},0.1,0.2,{i % 3}\n")
os.remove("data/images/class0/img0000.bin")
open("data/images/class4/new.bin", "wb").write(os.urandom(30000))
open("params.yaml", "w").write("train:\n  lr: 0.001\n  epochs: 10\n")
PY
run "$MLV" status
run git add params.yaml
run "$MLV" commit -m "more data, smaller lr"
sha_v2=$(find data models -type f | sort | xargs sha256sum | sha256sum)

say "what changed between the versions"
run "$MLV" diff HEAD~1 HEAD --limit 5
run "$MLV" log data
run du -sh .mlv/store

say "back to the baseline: code, params and data"
run "$MLV" checkout HEAD~1
test "$(find data models -type f | sort | xargs sha256sum | sha256sum)" = "$sha_v1"
cmp params.yaml /tmp/params-v1.$$
echo "verified: data, model and params are byte-for-byte the baseline"
run "$MLV" checkout master
test "$(find data models -type f | sort | xargs sha256sum | sha256sum)" = "$sha_v2"
echo "verified: back on master, byte-for-byte"
run git status --short
rm -f /tmp/params-v1.$$

say "a teammate: push to a shared store, clone the code, pull the data"
STORE=$(mktemp -d /tmp/mlv-demo-store.XXXXXX)
COPY=$(mktemp -d /tmp/mlv-demo-teammate.XXXXXX)
trap 'rm -rf "$W" "$STORE" "$COPY"' EXIT
run "$MLV" remote add origin "$STORE"
run "$MLV" commit -m "share data through origin"
run "$MLV" push
run git clone -q "$W" "$COPY/project"
cd "$COPY/project"
run "$MLV" pull
test "$(find data models -type f | sort | xargs sha256sum | sha256sum)" = "$sha_v2"
echo "verified: the teammate's clone has the same data, byte for byte"
say "demo finished"
