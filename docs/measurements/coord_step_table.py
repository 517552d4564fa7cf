#!/usr/bin/env python3
"""The table of a coordinate-step measurement (theory.md §10.4) from a folder's runs.jsonl.gz: per width the mean
over seeds of each layer's RMS change after the run's steps (coord_check.act_delta_rms: h1, h2, …, logits), the
number of seeds, and the local exponent of each doubling, log2(mean at d / mean at d/2).

Usage: /usr/bin/python3 docs/measurements/coord_step_table.py docs/measurements/FOLDER > docs/measurements/FOLDER/table.md
"""
import collections
import gzip
import json
import math
import os
import sys

folder = sys.argv[1]
by_width = collections.defaultdict(list)
with gzip.open(os.path.join(folder, "runs.jsonl.gz"), "rt") as f:
    for line in f:
        r = json.loads(line)
        by_width[r["width"]].append(r["coord_check"]["act_delta_rms"])
layers = len(next(iter(by_width.values()))[0])
names = [f"h{k + 1}" for k in range(layers - 1)] + ["logits"]
print("| width | seeds | " + " | ".join(f"mean RMS change of {n} | local exponent" for n in names) + " |")
print("|---|---|" + "---|---|" * layers)
prev = None
for w in sorted(by_width):
    runs = by_width[w]
    mean = [sum(r[k] for r in runs) / len(runs) for k in range(layers)]
    cells = []
    for k in range(layers):
        local = f"{math.log2(mean[k] / prev[k]):.2f}" if prev else "—"
        cells += [f"{mean[k]:.4g}", local]
    print(f"| {w} | {len(runs)} | " + " | ".join(cells) + " |")
    prev = mean
