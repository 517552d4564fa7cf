#!/usr/bin/env python3
"""Compares two runs.jsonl files (plain or .gz) on the runs they share — same (scaling, width, seed) — e.g. a sweep
trained on the GPU against the same sweep on the CPU: status agreement and, per scaling, the largest absolute and
relative difference of the final test loss. Prints a markdown table.

Usage: python3 bench/compare_runs.py A.jsonl[.gz] B.jsonl[.gz]
"""
import collections
import gzip
import json
import sys


def read(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return {(r["scaling"], r["width"], r["seed"]): r for r in map(json.loads, filter(str.strip, f))}


def main():
    a, b = read(sys.argv[1]), read(sys.argv[2])
    common = sorted(set(a) & set(b))
    same_status = sum(1 for k in common if a[k]["status"] == b[k]["status"])
    print(f"{len(common)} common runs ({len(a)} in A, {len(b)} in B); status equal in {same_status}\n")
    worst = collections.defaultdict(lambda: [0.0, 0.0, None, 0])
    for k in common:
        if a[k]["status"] != "ok" or b[k]["status"] != "ok":
            continue
        d = abs(a[k]["test_loss"] - b[k]["test_loss"])
        w = worst[k[0]]
        w[3] += 1
        if d > w[0]:
            w[0], w[1], w[2] = d, d / abs(a[k]["test_loss"]), k[1]
    print("| scaling | runs compared | max abs Δ test loss | relative | at width |")
    print("|---|---|---|---|---|")
    for s, (d, rel, width, n) in sorted(worst.items()):
        print(f"| {s} | {n} | {d:.2g} | {rel:.2g} | {width} |")


if __name__ == "__main__":
    main()
