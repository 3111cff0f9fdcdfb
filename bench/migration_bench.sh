#!/usr/bin/env bash
# migration_bench.sh - setup's migrations (01-04) on the fast path (keys and
# indexes built after the bulk copy) against the straightforward order (keys
# and indexes first, then the copy: the same statements, reordered by
# bench/straightforward_order.py), same seed, same server, same run.
# Usage: bench/migration_bench.sh [rows per table]   (default 1000000)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
ROWS=${1:-1000000}
OUT_DIR=$ROOT/bench/out
mkdir -p "$OUT_DIR"
WORK=$(mktemp -d)

# shellcheck source=tests/lib/cluster.sh
source "$ROOT/tests/lib/cluster.sh"
# durable settings, as a production server; memory for sorted index builds
TEST_CLUSTER_SETTINGS=(shared_buffers=512MB maintenance_work_mem=512MB max_wal_size=8GB)
cleanup() { test_cluster_stop; rm -rf "$WORK"; }
trap cleanup EXIT
test_cluster_start

python3 "$ROOT/bench/straightforward_order.py" "$ROOT/scripts" "$WORK/straightforward"

# milliseconds per migration file from setup-database's progress lines
file_times() {
	awk '/^\[[0-9]+\/[0-9]+\] 0[1-4]_/ {file = $2} /done: .* statements in/ && file {print file, $(NF-1); file = ""}' "$1"
}

run_setup() { # name scripts_dir
	psql -XAtq -d postgres -c "CREATE DATABASE bench_$1" >/dev/null
	echo "setup-database --seed-rows $ROWS ($1) ..." >&2
	POSTGRES_DB=bench_$1 PGDATABASE=bench_$1 "$ROOT/bin/setup-database" --seed-rows "$ROWS" \
		--scripts "$2" >/dev/null 2>"$WORK/$1.log"
	file_times "$WORK/$1.log" >"$WORK/$1.times"
}

run_setup straightforward "$WORK/straightforward"
run_setup fast "$ROOT/scripts"

{
	echo "| migration ($ROWS rows per table) | straightforward (s) | fast path (s) | fast / straightforward |"
	echo "|---|---:|---:|---:|"
	join "$WORK/straightforward.times" "$WORK/fast.times" | awk '
		{ s += $2; f += $3; printf "| %s | %.2f | %.2f | %.2f |\n", $1, $2 / 1000, $3 / 1000, $3 / $2 }
		END { printf "| **all four** | **%.2f** | **%.2f** | **%.2f** |\n", s / 1000, f / 1000, f / s }'
	echo
	echo "Times include the verification (count and checksum of both tables) and the renames."
	echo "PostgreSQL $(psql -XAtq -c 'SHOW server_version'), fsync on; $(nproc) cores; $(date -u +%Y-%m-%d)"
} | tee "$OUT_DIR/migration.md"
