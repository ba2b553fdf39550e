"""Benchmarks (a) and (b) of p2c2g, modelled idiomatically in SimPy 4.

(a) mmc:         M/M/c, c = 100 servers, one shared FIFO queue (a Resource
                 of capacity 100), load 0.9, exponential work of mean 10 ms.
(b) supermarket: 100 servers with a queue each (Resources of capacity 1);
                 each task joins the shorter of d = 2 sampled at random.

Prints one JSON line: workload, tasks, mean sojourn time (ms), wall seconds.
"""

import argparse
import json
import random
import time

import simpy

SERVERS = 100
MEAN_WORK_S = 0.010
LOAD = 0.9


def arrivals(env, rng, tasks, task):
    """Starts `tasks` task processes, Poisson at load LOAD on SERVERS."""
    rate = LOAD * SERVERS / MEAN_WORK_S
    for _ in range(tasks):
        yield env.timeout(rng.expovariate(rate))
        env.process(task())


def mmc(env, rng, tasks, sojourns):
    servers = simpy.Resource(env, capacity=SERVERS)

    def task():
        arrived = env.now
        with servers.request() as req:
            yield req
            yield env.timeout(rng.expovariate(1 / MEAN_WORK_S))
        sojourns.append(env.now - arrived)

    return arrivals(env, rng, tasks, task)


def supermarket(env, rng, tasks, sojourns, d=2):
    servers = [simpy.Resource(env, capacity=1) for _ in range(SERVERS)]

    def load(server):
        return server.count + len(server.queue)

    def task():
        arrived = env.now
        sampled = rng.sample(servers, d)
        least = min(load(s) for s in sampled)
        server = rng.choice([s for s in sampled if load(s) == least])
        with server.request() as req:
            yield req
            yield env.timeout(rng.expovariate(1 / MEAN_WORK_S))
        sojourns.append(env.now - arrived)

    return arrivals(env, rng, tasks, task)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("workload", choices=["mmc", "supermarket"])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    started = time.perf_counter()
    rng = random.Random(args.seed)
    env = simpy.Environment()
    sojourns = []
    model = mmc if args.workload == "mmc" else supermarket
    env.process(model(env, rng, args.tasks, sojourns))
    env.run()
    wall = time.perf_counter() - started
    print(json.dumps({
        "workload": args.workload,
        "tasks": len(sojourns),
        "mean_sojourn_ms": 1000 * sum(sojourns) / len(sojourns),
        "wall_s": wall,
    }))


if __name__ == "__main__":
    main()
