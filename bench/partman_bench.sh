#!/usr/bin/env bash
# partman_bench.sh - setup's event_logs migration (01, fast path, verification
# included) against pg_partman 4.7's partition_data_proc moving the same rows
# from the same plain table into a monthly partitioned table (no wait between
# batches, no verification), same seed, same server, same run.
# Needs the Debian package postgresql-15-partman (tools/install-deps.sh bench).
# Usage: bench/partman_bench.sh [rows]   (default 1000000)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
ROWS=${1:-1000000}
OUT_DIR=$ROOT/bench/out
mkdir -p "$OUT_DIR"

# postgresql-15-partman, gnuplot and the rest (only what is missing)
bash "$ROOT/tools/install-deps.sh" bench

# shellcheck source=tests/lib/cluster.sh
source "$ROOT/tests/lib/cluster.sh"
# Debian's server: the extension is installed for it
PG_BINDIR=/usr/lib/postgresql/15/bin
export PG_BINDIR
TEST_CLUSTER_SETTINGS=(shared_buffers=512MB maintenance_work_mem=512MB max_wal_size=8GB)
trap test_cluster_stop EXIT
test_cluster_start

psql_q() { psql -XAtq -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }

seed_plain() { # database: the plain event_logs with $ROWS seed rows
	psql_q -d postgres -c "CREATE DATABASE $1"
	psql_q -d "$1" -1 -f "$ROOT/scripts/lib/partition_demo.sql" >/dev/null
	psql_q -d "$1" -1 -f "$ROOT/scripts/00_setup_base_tables.sql"
	PGOPTIONS="-c partition_demo.seed_rows=$ROWS -c client_min_messages=warning" \
		psql_q -d "$1" -1 -f "$ROOT/scripts/00_initial_seed_data.sql"
}

echo "seeding $ROWS rows (ours) ..." >&2
seed_plain bench_ours
start=$(now)
PGOPTIONS="-c client_min_messages=warning" psql_q -d bench_ours -1 -f "$ROOT/scripts/01_range_partitions.sql" >/dev/null
ours=$(echo "$(now) - $start" | bc)

echo "seeding $ROWS rows (pg_partman) ..." >&2
seed_plain bench_partman
psql_q -d bench_partman -f "$ROOT/bench/sql/partman_prepare.sql"
start=$(now)
psql_q -d bench_partman -f "$ROOT/bench/sql/partman_migrate.sql"
partman=$(echo "$(now) - $start" | bc)
moved=$(psql_q -d bench_partman -c "SELECT count(*) FROM event_logs_partman")
[[ $moved -eq $ROWS ]] || { echo "partman moved $moved of $ROWS rows" >&2; exit 1; }

{
	echo "| event_logs, $ROWS rows | seconds | vs pg_partman |"
	echo "|---|---:|---:|"
	printf '| 01_range_partitions.sql (fast path, count + checksum verification, ANALYZE, renames) | %.2f | %.2f |\n' "$ours" "$(echo "$ours / $partman" | bc -l)"
	printf '| pg_partman %s create_parent + partition_data_proc (no wait, no verification) | %.2f | 1.00 |\n' \
		"$(psql_q -d bench_partman -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_partman'")" "$partman"
	echo
	echo "PostgreSQL $(psql_q -c 'SHOW server_version'), fsync on; $(nproc) cores; $(date -u +%Y-%m-%d)"
} | tee "$OUT_DIR/partman.md"
