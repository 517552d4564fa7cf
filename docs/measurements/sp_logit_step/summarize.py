#!/usr/bin/env python3
"""The SP logit-change measurement of theory.md §10.4, from this folder's runs.jsonl.gz: per width the RMS change of
the logits after one GD step (coord_check.act_delta_rms[1]) for each seed, their mean, and the local exponent of each
doubling. Usage: /usr/bin/python3 docs/measurements/sp_logit_step/summarize.py"""
import collections
import gzip
import json
import math
import os

here = os.path.dirname(os.path.abspath(__file__))
by_width = collections.defaultdict(list)
with gzip.open(os.path.join(here, "runs.jsonl.gz"), "rt") as f:
    for line in f:
        r = json.loads(line)
        by_width[r["width"]].append(r["coord_check"]["act_delta_rms"][1])
print("| width | RMS logit change after 1 step, per seed | mean | local exponent of the doubling |")
print("|---|---|---|---|")
prev = None
for w in sorted(by_width):
    m = sum(by_width[w]) / len(by_width[w])
    local = f"{math.log2(m / prev):.2f}" if prev else "—"
    print(f"| {w} | {', '.join(f'{v:.3f}' for v in by_width[w])} | {m:.3f} | {local} |")
    prev = m
