#!/usr/bin/env bash
# `make bench`: every benchmark, one after another (they share the machine's two cores), each printing its
# JSON report into bench/results/<name>.json. bench/RESULTS.md is written from those reports by hand, with
# the machine and conditions stated. Not part of `make test`: benchmarks never assert timings.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
for name in ${BENCH:-promote retention backup startup startup-image}; do
  [ -f "bench/$name.ts" ] || { echo "no bench/$name.ts" >&2; exit 2; }
  echo "== bench/$name.ts"
  node --import tsx "bench/$name.ts" | tee "bench/results/$name.json"
done
