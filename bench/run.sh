#!/usr/bin/env bash
# run.sh - `make bench`: every benchmark, each on its own throwaway server,
# with its baselines measured in the same run. Never part of `make test`:
# timings on a shared machine are noisy, so they are reported, not asserted.
# Results (Markdown) go to bench/out/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

echo "== load-data --max against COPY, multi-row INSERT and INSERT ... SELECT"
bash "$ROOT/bench/load_bench.sh" "${BENCH_LOAD_ROWS:-200000}"

echo
echo "== setup's migrations: fast path (keys and indexes after the copy) against the straightforward order"
bash "$ROOT/bench/migration_bench.sh" "${BENCH_MIGRATION_ROWS:-1000000}"
