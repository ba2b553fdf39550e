"""Wall time of two or more builds, interleaved whole processes.

    python3 benches/ab.py ref=/path/to/old/p2c2g,new=target/release/p2c2g mmc,supermarket 41

Runs each scenarios/bench/NAME.toml (or FILE.toml, given by its path)
with each binary, REPS times, in a shuffled order per round (so that a
change in the host's load hits every binary alike), and prints the fastest, the 10th percentile and the median
of each, relative to the first binary. On a shared machine, the fastest
and the 10th percentile are the figures least moved by other work.
"""
import random
import subprocess
import sys
import time

bins = dict(a.split("=") for a in sys.argv[1].split(","))
scenarios = sys.argv[2].split(",")
reps = int(sys.argv[3])
wall = {(b, s): [] for b in bins for s in scenarios}
for r in range(reps):
    for s in scenarios:
        order = list(bins.items())
        random.Random(r).shuffle(order)
        for b, path in order:
            t = time.perf_counter()
            subprocess.run(
                [path, "run", s if s.endswith(".toml") else f"scenarios/bench/{s}.toml", "-q", "--no-charts",
                 "--no-frames", "--out", f"/tmp/ab-{b}-{s.replace('/', '_')}", "--force"],
                check=True,
            )
            wall[(b, s)].append(time.perf_counter() - t)
base = list(bins)[0]


def at(v, q):
    return v[int(q * (len(v) - 1))]


for s in scenarios:
    for b in bins:
        x, y = sorted(wall[(b, s)]), sorted(wall[(base, s)])
        print(f"{s:12} {b:6}", *(
            f"{name} {at(x, q):.4f} ({100 * (at(x, q) / at(y, q) - 1):+.1f}%)"
            for name, q in (("min", 0.0), ("p10", 0.1), ("median", 0.5))
        ), sep="  ")
