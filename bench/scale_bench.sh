#!/usr/bin/env bash
# scale_bench.sh - how the cost grows, on one throwaway server (fsync on):
#   1. setup's four migrations (01-04), fast path and straightforward order
#      (bench/straightforward_order.py), at each size: 10k, 100k and 1M rows
#      per table by default; the times of the four files summed, from
#      setup-database's "done: ... in N ms" lines (as migration_bench.sh).
#   2. the planning time of a one-month query on an event_logs-like table
#      with 12, 120 and 1,200 monthly partitions (bench/sql/scale_partitions.sql),
#      and on the same table unpartitioned (bench/sql/scale_plain.sql) as the
#      baseline; and, as the contrast, of a query that cannot prune. Each
#      query is planned (EXPLAIN (SUMMARY ON), "Planning Time") $PLAN_RUNS
#      times in each of $PLAN_SESSIONS new sessions: the first of a session is
#      "cold" (empty catalog caches), the rest "warm"; medians of each.
# Writes bench/out/scale.md, bench/out/scale.json and the chart's data,
# bench/out/scale_migration.dat and bench/out/scale_planning.dat.
# Usage: bench/scale_bench.sh [rows per table ...]   (default 10000 100000 1000000)
# SCALE_REUSE_MIGRATION=FILE: a bench/out/migration.md of this run; its size
# is taken from it (its "all four" line) instead of being measured again.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
if [[ $# -gt 0 ]]; then SIZES=("$@"); else SIZES=(10000 100000 1000000); fi
PARTITIONS=(12 120 1200)
PLAN_ROWS=120000
PLAN_SESSIONS=5
PLAN_RUNS=10
REUSE=${SCALE_REUSE_MIGRATION:-}
OUT_DIR=$ROOT/bench/out
mkdir -p "$OUT_DIR"
WORK=$(mktemp -d)

# shellcheck source=tests/lib/cluster.sh
source "$ROOT/tests/lib/cluster.sh"
# durable settings, as a production server (fsync, synchronous_commit and
# full_page_writes keep their defaults: on); memory for sorted index builds
# (as migration_bench.sh); locks for creating 1,200 partitions in one transaction
TEST_CLUSTER_SETTINGS=(shared_buffers=512MB maintenance_work_mem=512MB max_wal_size=8GB
	max_locks_per_transaction=1024)
cleanup() { test_cluster_stop; rm -rf "$WORK"; }
trap cleanup EXIT
test_cluster_start

psql_q() { psql -XAtq -v ON_ERROR_STOP=1 "$@"; }

# ---------------------------------------------------------------------------
# 1. migrations at each size
# ---------------------------------------------------------------------------
python3 "$ROOT/bench/straightforward_order.py" "$ROOT/scripts" "$WORK/straightforward"

# total milliseconds of the four migration files from setup-database's progress lines
migration_ms() {
	awk '/^\[[0-9]+\/[0-9]+\] 0[1-4]_/ {file = $2} /done: .* statements in/ && file {s += $(NF-1); n++; file = ""}
	     END {if (n != 4) exit 1; print s}' "$1"
}

reused_rows="" reused_line=""
if [[ -n $REUSE && -f $REUSE ]]; then
	reused_rows=$(sed -n 's/^| migration (\([0-9]*\) rows per table).*/\1/p' "$REUSE")
	# "| **all four** | **66.53** | **25.44** | **0.38** |" -> seconds straightforward, fast
	reused_line=$(awk -F'|' '/all four/ {gsub(/[* ]/, ""); print $3 * 1000, $4 * 1000}' "$REUSE")
fi

: >"$WORK/migration.tsv"
for rows in "${SIZES[@]}"; do
	if [[ $rows == "$reused_rows" && -n $reused_line ]]; then
		echo "scale_bench: migrations at $rows rows: taken from $REUSE" >&2
		printf '%s %s reused\n' "$rows" "$reused_line" >>"$WORK/migration.tsv"
		continue
	fi
	line=$rows
	for kind in straightforward fast; do
		if [[ $kind == fast ]]; then dir=$ROOT/scripts; else dir=$WORK/straightforward; fi
		db=scale_${kind}_$rows
		echo "scale_bench: setup-database --seed-rows $rows ($kind) ..." >&2
		psql_q -d postgres -c "CREATE DATABASE $db"
		POSTGRES_DB=$db PGDATABASE=$db "$ROOT/bin/setup-database" --seed-rows "$rows" \
			--scripts "$dir" >/dev/null 2>"$WORK/$db.log" || {
			cat "$WORK/$db.log" >&2
			exit 1
		}
		line+=" $(migration_ms "$WORK/$db.log")"
		psql_q -d postgres -c "DROP DATABASE $db"
	done
	echo "$line measured" >>"$WORK/migration.tsv"
done

# ---------------------------------------------------------------------------
# 2. planning time against the number of partitions
# ---------------------------------------------------------------------------
for parts in "${PARTITIONS[@]}"; do
	echo "scale_bench: a table with $parts monthly partitions ..." >&2
	psql_q -v parts="$parts" -v rows="$PLAN_ROWS" -1 -f "$ROOT/bench/sql/scale_partitions.sql" >/dev/null
done
psql_q -v parts="${PARTITIONS[0]}" -v rows="$PLAN_ROWS" -1 -f "$ROOT/bench/sql/scale_plain.sql" >/dev/null

# planning TABLE QUERY_FILE: "cold warm warm ..." per session, one line each
planning() {
	local tbl=$1 file=$2 s i args=()
	for ((i = 0; i < PLAN_RUNS; i++)); do args+=(-f "$file"); done
	for ((s = 0; s < PLAN_SESSIONS; s++)); do
		psql -XAt -v ON_ERROR_STOP=1 -v tbl="$tbl" "${args[@]}" |
			awk '/^Planning Time:/ {printf "%s%s", sep, $3; sep = " "} END {print ""}'
	done
}

: >"$WORK/planning.tsv"
for tbl in plain "${PARTITIONS[@]/#/p}"; do
	for q in one_month no_pruning; do
		echo "scale_bench: planning $q on scale.events_$tbl ..." >&2
		planning "scale.events_$tbl" "$ROOT/bench/sql/planning_$q.sql" >"$WORK/plan_${tbl}_$q.txt"
		printf '%s %s %s\n' "$tbl" "$q" "$WORK/plan_${tbl}_$q.txt" >>"$WORK/planning.tsv"
	done
done

settings=$(psql -XAt -c "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name)
                           FROM pg_settings
                          WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers')")
version=$(psql -XAt -c "SHOW server_version")

python3 - "$WORK" "$OUT_DIR" "$PLAN_ROWS" "$PLAN_SESSIONS" "$PLAN_RUNS" \
	"PostgreSQL $version; $settings" "${REUSE:-}" <<'PY' | tee "$OUT_DIR/scale.md"
import json
import statistics
import sys

work, out, plan_rows, sessions, runs, footer, reuse = sys.argv[1:8]
summary = {"migration": [], "planning": {}}

print("Setup's four migrations (01–04, the files' times summed: copy, keys and indexes, "
      "verification, renames), fast path against the straightforward order (keys and indexes "
      "before the copy), at each size on the same server.")
print()
print("| rows per table | straightforward s | fast path s | fast / straightforward | source |")
print("|---:|---:|---:|---:|---|")
with open(f"{out}/scale_migration.dat", "w") as dat:
    dat.write("# rows_per_table straightforward_s fast_s\n")
    for line in open(f"{work}/migration.tsv"):
        rows, straight, fast, source = line.split()
        rows, straight, fast = int(rows), float(straight) / 1000, float(fast) / 1000
        src = "this step" if source == "measured" else "the migration step of this run"
        print(f"| {rows:,} | {straight:.2f} | {fast:.2f} | {fast / straight:.2f} | {src} |")
        dat.write(f"{rows} {straight:.3f} {fast:.3f}\n")
        summary["migration"].append({"rows": rows, "straightforward_s": straight, "fast_s": fast,
                                     "source": source})

plan = {}
for line in open(f"{work}/planning.tsv"):
    tbl, q, path = line.split()
    sess = [[float(x) for x in l.split()] for l in open(path) if l.strip()]
    cold = statistics.median(s[0] for s in sess)
    warm = statistics.median(x for s in sess for x in s[1:])
    plan[(tbl, q)] = (warm, cold)
    summary["planning"].setdefault(tbl, {})[q] = {"warm_ms": warm, "cold_ms": cold}

print()
print(f"Planning time (`EXPLAIN (SUMMARY ON)`, \"Planning Time\") on an event_logs-like table with "
      f"its key and three indexes, {int(plan_rows):,} rows over the months, analyzed: monthly "
      "partitions plus DEFAULT, against the same table unpartitioned. One-month query: "
      "`created_at` in February 2024 (prunes to one partition); no pruning: `event_type = "
      f"'purchase'` (plans every partition). Each planned {runs} times in each of {sessions} new "
      "sessions: cold = the first of a session (empty catalog caches), warm = the others; medians, ms.")
print()
print("| table | one-month warm | one-month cold | warm ÷ plain | no pruning warm | no pruning cold |")
print("|---|---:|---:|---:|---:|---:|")
plain_warm = plan[("plain", "one_month")][0]
tables = [t for t, q in plan if q == "one_month"]
with open(f"{out}/scale_planning.dat", "w") as dat:
    dat.write("# partitions one_month_warm_ms one_month_cold_ms no_pruning_warm_ms no_pruning_cold_ms "
              "plain_one_month_warm_ms plain_one_month_cold_ms\n")
    for tbl in tables:
        ow, oc = plan[(tbl, "one_month")]
        nw, nc = plan[(tbl, "no_pruning")]
        label = "plain (no partitions)" if tbl == "plain" else f"{int(tbl[1:]):,} partitions"
        print(f"| {label} | {ow:.3f} | {oc:.3f} | {ow / plain_warm:.1f} | {nw:.3f} | {nc:.3f} |")
        if tbl != "plain":
            pw, pc = plan[("plain", "one_month")]
            dat.write(f"{tbl[1:]} {ow:.4f} {oc:.4f} {nw:.4f} {nc:.4f} {pw:.4f} {pc:.4f}\n")
print()
print(footer + ".")
json.dump(summary, open(f"{out}/scale.json", "w"), indent=1)
PY
