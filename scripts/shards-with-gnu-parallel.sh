#!/usr/bin/env bash
# Runs a sweep as three shards under GNU parallel, merges them, and checks
# that the merge is byte for byte what one unsharded sweep writes. CI runs
# it; so can you (needs GNU parallel: apt-get install parallel).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/p2c2g"
sweep=scenarios/sweeps/timeouts.toml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

parallel --will-cite --halt now,fail=1 \
  "$bin" sweep "$sweep" --quiet --jobs 1 --shard {}/3 --out "$work/shard{}" ::: 1 2 3
"$bin" merge "$work/shard1" "$work/shard2" "$work/shard3" --out "$work/merged"
"$bin" sweep "$sweep" --quiet --out "$work/whole"
for f in runs.csv points.csv sweep.toml charts/frame_latency_p99_ms.svg; do
  cmp "$work/whole/$f" "$work/merged/$f"
done
echo "GNU parallel: 3 shards of $sweep merged into exactly the unsharded sweep"
