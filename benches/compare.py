"""p2c2g against SimPy on benchmarks (a) and (b), side by side.

    pip install -r benches/simpy/requirements.txt
    python3 benches/compare.py            # from the repository root

Runs each workload as whole processes, p2c2g 5 times and SimPy 3 times
(--p2c2g-runs, --simpy-runs), and prints a Markdown table of median wall
times, their ratio, throughput, peak memory, and the mean sojourn times of
both simulators against each other and against the queueing formula.
"""

import argparse
import csv
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
P2C2G = os.path.join(ROOT, "target", "release", "p2c2g")


def erlang_c_sojourn_ms(c, lam, mu):
    a = lam / mu
    term, total = 1.0, 0.0
    for k in range(c):
        total += term
        term *= a / (k + 1)
    tail = term * c / (c - a)
    wait_prob = tail / (total + tail)
    return 1000 * (wait_prob / (c * mu - lam) + 1 / mu)


def supermarket_sojourn_ms(load, d, mean_work_ms):
    """The n -> infinity limit; 100 peers sit slightly above it."""
    total = sum(load ** ((d ** i - d) / (d - 1)) for i in range(1, 40))
    return mean_work_ms * total


WORKLOADS = [
    ("(a) M/M/c, c = 100, rho 0.9, central queue, random", "bench/mmc.toml", "mmc",
     erlang_c_sojourn_ms(100, 9000.0, 100.0), "Erlang C"),
    ("(b) power of 2 choices, 100 peers, load 0.9, per-peer queues", "bench/supermarket.toml",
     "supermarket", supermarket_sojourn_ms(0.9, 2, 10.0), "supermarket, n -> inf"),
]


def timed(cmd):
    """Runs cmd; returns (wall seconds, peak RSS MiB, stdout)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        sys.exit(f"failed: {' '.join(cmd)}")
    return wall, usage.ru_maxrss / 1024, out


def read_row(path):
    with open(path, newline="") as f:
        return next(csv.DictReader(f))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--p2c2g-runs", type=int, default=5)
    parser.add_argument("--simpy-runs", type=int, default=3)
    args = parser.parse_args()
    try:
        import simpy  # noqa: F401
    except ImportError:
        sys.exit("SimPy is missing: pip install -r benches/simpy/requirements.txt")
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)

    print("| workload | p2c2g wall s | SimPy wall s | ratio | p2c2g tasks/s | p2c2g events/s "
          "| p2c2g peak MiB | SimPy peak MiB | mean sojourn ms: p2c2g / SimPy / formula |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory() as scratch:
        for title, scenario, simpy_name, formula, formula_name in WORKLOADS:
            # A folder per workload: p2c2g will not write over another
            # scenario's results.
            out = os.path.join(scratch, simpy_name)
            runs = [timed([P2C2G, "run", os.path.join(ROOT, "scenarios", scenario), "--quiet",
                           "--no-charts", "--out", out]) for _ in range(args.p2c2g_runs)]
            ours = read_row(os.path.join(out, "summary.csv"))
            ours_wall = statistics.median(r[0] for r in runs)
            # p2c2g reports its own peak (VmHWM): wait4's figure for a child
            # of Python counts the interpreter's pages from before exec.
            ours_peak = float(read_row(os.path.join(out, "run_info.csv"))["peak_rss_mb"])
            tasks, events = float(ours["tasks"]), float(ours["events"])
            simpy_runs = [timed([sys.executable, os.path.join(ROOT, "benches", "simpy", "queues.py"),
                                 simpy_name]) for _ in range(args.simpy_runs)]
            theirs = json.loads(simpy_runs[-1][2])
            simpy_wall = statistics.median(r[0] for r in simpy_runs)
            simpy_peak = max(r[1] for r in simpy_runs)
            ours_w, theirs_w = float(ours["task_latency_mean_ms"]), theirs["mean_sojourn_ms"]
            print(f"| {title} | {ours_wall:.3f} | {simpy_wall:.2f} | {simpy_wall / ours_wall:.0f}x "
                  f"| {tasks / ours_wall / 1e6:.2f} M | {events / ours_wall / 1e6:.2f} M | {ours_peak:.0f} "
                  f"| {simpy_peak:.0f} | {ours_w:.3f} / {theirs_w:.3f} / {formula:.3f} ({formula_name}) |")
    print(f"\np2c2g medians of {args.p2c2g_runs} runs, SimPy of {args.simpy_runs}; whole processes, "
          f"one after the other on {os.cpu_count()} cores.")


if __name__ == "__main__":
    main()
