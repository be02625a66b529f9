#!/usr/bin/env python3
"""gen-parquet.py DIR [ROWS] -- two versions of a ROWS-row (default 1,000,000) Parquet table
for the diff benchmark (issue 13): DIR/a.parquet and DIR/b.parquet, written by pyarrow with
one row group each (the layout the 1.5 s / 300 MB target was measured on).

Columns: id int64 (the key), score float64, count int32, category string (12 values),
note string (free text), at timestamp[us], flag bool. Version b modifies ~1% of the rows
(score, count, category or note), deletes 0.2% and inserts 0.2% new ids. Deterministic (seed 13).
"""
import sys
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
rng = np.random.default_rng(13)
cats = np.array(["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu"])
words = np.array("the quick brown fox jumps over a lazy dog while seven wizards quietly box jam".split())


def notes(k):
    w = rng.integers(0, len(words), size=(k, 4))
    return [" ".join(words[r]) + f" #{i}" for i, r in zip(rng.integers(0, 10**6, size=k), w)]


def table(ids, score, count, cat, note, at, flag):
    return pa.table({
        "id": pa.array(ids, pa.int64()),
        "score": pa.array(score, pa.float64()),
        "count": pa.array(count, pa.int32()),
        "category": pa.array(cat, pa.string()),
        "note": pa.array(note, pa.string()),
        "at": pa.array(at.astype("datetime64[us]"), pa.timestamp("us")),
        "flag": pa.array(flag, pa.bool_()),
    })


ids = np.arange(n, dtype=np.int64)
score = rng.normal(50, 15, n)
count = rng.integers(0, 1000, n, dtype=np.int32)
cat = cats[rng.integers(0, len(cats), n)]
note = np.array(notes(n), dtype=object)
at = np.datetime64("2024-01-01T00:00:00") + rng.integers(0, 365 * 86400, n).astype("timedelta64[s]")
flag = rng.random(n) < 0.3
pq.write_table(table(ids, score, count, cat, note, at, flag), f"{out}/a.parquet", row_group_size=n)

# Version b: ~1% modified, 0.2% deleted, 0.2% inserted (appended with new ids).
mod = rng.random(n) < 0.01
score2 = score.copy(); count2 = count.copy(); cat2 = cat.copy(); note2 = note.copy()
which = rng.integers(0, 4, n)
score2[mod & (which == 0)] += 1.5
count2[mod & (which == 1)] += 1
cat2[mod & (which == 2)] = "nu"
idx = np.nonzero(mod & (which == 3))[0]
note2[idx] = notes(len(idx))
keep = rng.random(n) >= 0.002
k = n // 500
new_ids = np.arange(n, n + k, dtype=np.int64)
b = table(
    np.concatenate([ids[keep], new_ids]),
    np.concatenate([score2[keep], rng.normal(50, 15, k)]),
    np.concatenate([count2[keep], rng.integers(0, 1000, k, dtype=np.int32)]),
    np.concatenate([cat2[keep], cats[rng.integers(0, len(cats), k)]]),
    np.concatenate([note2[keep], np.array(notes(k), dtype=object)]),
    np.concatenate([at[keep], at[:k]]),
    np.concatenate([flag[keep], flag[:k]]),
)
pq.write_table(b, f"{out}/b.parquet", row_group_size=len(b))
