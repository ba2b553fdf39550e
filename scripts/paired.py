#!/usr/bin/env python3
"""Paired and unpaired 95% intervals of the difference of a metric between
the two points of a sweep (runs.csv), replication by replication.

    python3 scripts/paired.py results/paired/runs.csv deadline_hit_rate
"""
import csv
import statistics
import sys

# Two-sided 95% Student t quantiles by degrees of freedom.
T95 = {9: 2.262, 19: 2.093, 29: 2.045, 39: 2.023, 49: 2.010}


def main(path, metric):
    by_point = {}
    for row in csv.DictReader(open(path)):
        by_point.setdefault(int(row["point"]), {})[int(row["replication"])] = float(row[metric])
    a, b = (by_point[p] for p in sorted(by_point)[:2])
    reps = sorted(set(a) & set(b))
    n = len(reps)
    t = T95[n - 1]
    diffs = [a[r] - b[r] for r in reps]
    mean = statistics.mean(diffs)
    paired = t * statistics.stdev(diffs) / n ** 0.5
    unpaired = t * (statistics.variance([a[r] for r in reps]) / n + statistics.variance([b[r] for r in reps]) / n) ** 0.5
    print(f"{metric}: point 0 - point 1 = {mean:+.5f}, paired 95% +- {paired:.5f}, unpaired +- {unpaired:.5f} ({n} replications)")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
