"""Wall time of sweeps on 1 and 2 threads, and the bytes they write.

    cargo build --release
    python3 benches/sweeps.py                      # from the repository root
    python3 benches/sweeps.py --repeat 9 --bin old=/tmp/p2c2g-old --bin new=target/release/p2c2g

Runs every (binary, sweep, --jobs) as a whole process into a fresh --out
folder, the configurations interleaved (the order rotated every round) so
that a machine whose speed wanders treats them alike, and prints the median
wall time of each, the speedup of 2 threads over 1, and whether every file
written (runs.csv, points.csv, sweep.toml, the charts) has the same bytes
in every configuration of a sweep.

The sweeps: scenarios/sweeps/timeouts.toml (120 runs of 20 s, charts
drawn: the sweep the README quotes), scenarios/bench/sweep_balance.toml
(25 runs whose lengths differ 16-fold, the longest last in plan order) and
scenarios/bench/sweep_overhead.toml (200 runs of well under a millisecond:
the sweep's own cost, the journal's fsyncs above all).

On a machine shared with other work, give the sweeps the cores (as root;
Linux groups a session's processes, so nice alone does not do it):

    setsid -w sh -c 'echo -20 > /proc/self/autogroup; exec python3 benches/sweeps.py'
"""

import argparse
import filecmp
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SWEEPS = [
    ("scenarios/sweeps/timeouts.toml", []),
    ("scenarios/bench/sweep_balance.toml", ["--no-charts"]),
    ("scenarios/bench/sweep_overhead.toml", ["--no-charts"]),
]


def run_once(binary, sweep, args, out):
    """Wall seconds of one sweep into a fresh `out`."""
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    proc = subprocess.run([binary, "sweep", sweep, "--out", out, "--quiet"] + args,
                          cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"failed: {binary} sweep {sweep} {' '.join(args)}\n{proc.stderr.decode()}")
    return wall


def files_of(folder):
    found = []
    for d, _, names in os.walk(folder):
        found += [os.path.relpath(os.path.join(d, n), folder) for n in names]
    return sorted(found)


def same_files(a, b):
    names = files_of(a)
    return names == files_of(b) and all(
        filecmp.cmp(os.path.join(a, n), os.path.join(b, n), shallow=False) for n in names
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sweeps", nargs="*", help="sweep files [default: the three above]")
    parser.add_argument("--bin", action="append", metavar="NAME=PATH",
                        help="a binary to time (repeatable) [default: target/release/p2c2g]")
    parser.add_argument("--jobs", default="1,2", help="thread counts [default: 1,2]")
    parser.add_argument("--repeat", type=int, default=7, help="runs of each [default: 7]")
    parser.add_argument("--no-charts", action="store_true", help="for the sweeps named")
    opts = parser.parse_args()
    bins = [b.split("=", 1) if "=" in b else (b, b) for b in (opts.bin or [])] or [
        ("p2c2g", os.path.join(ROOT, "target", "release", "p2c2g"))]
    jobs = [int(j) for j in opts.jobs.split(",")]
    sweeps = [(s, ["--no-charts"] if opts.no_charts else []) for s in opts.sweeps] or SWEEPS
    tmp = tempfile.mkdtemp(prefix="p2c2g-sweeps-")
    try:
        for sweep, args in sweeps:
            configs = [(name, path, j) for name, path in bins for j in jobs]
            walls = {c: [] for c in configs}
            for k in range(opts.repeat):
                for name, path, j in configs[k % len(configs):] + configs[:k % len(configs)]:
                    out = os.path.join(tmp, f"{name}-{j}")
                    walls[(name, path, j)].append(
                        run_once(path, sweep, args + ["--jobs", str(j)], out))
            print(f"{sweep} {' '.join(args)} (medians of {opts.repeat}):")
            for name, path, j in configs:
                w = walls[(name, path, j)]
                one = statistics.median(walls[(name, path, jobs[0])])
                print(f"  {name:>10} --jobs {j}: {statistics.median(w):7.3f} s"
                      f"  ({one / statistics.median(w):.2f}x --jobs {jobs[0]};"
                      f" min {min(w):.3f}, max {max(w):.3f})")
            first = os.path.join(tmp, f"{configs[0][0]}-{configs[0][2]}")
            differ = [f"{n} --jobs {j}" for n, _, j in configs[1:]
                      if not same_files(first, os.path.join(tmp, f"{n}-{j}"))]
            print("  files: " + (f"DIFFER in {', '.join(differ)}" if differ else
                                 f"the same bytes in all {len(configs)} ({len(files_of(first))} files)"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
