#!/usr/bin/env bash
# query_bench.sh - the queries of scripts/queries/ on the partitioned tables
# against the same queries on the plain <table>_old copies, and removing a
# month, a region and a quarter (DETACH + DROP against DELETE), all measured by
# `bin/demonstrate-queries --json --runs 7` after `bin/setup-database
# --seed-rows N` on a throwaway server with durable settings (fsync on).
# Writes bench/out/queries.md (tables) and bench/out/queries.json (the figures
# bench/run.sh puts in its summary).
# Usage: bench/query_bench.sh [rows per table]   (default 1000000)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
ROWS=${1:-1000000}
RUNS=7
OUT_DIR=$ROOT/bench/out
mkdir -p "$OUT_DIR"
WORK=$(mktemp -d)

# shellcheck source=tests/lib/cluster.sh
source "$ROOT/tests/lib/cluster.sh"
# durable settings, as a production server (fsync, synchronous_commit and
# full_page_writes keep their defaults: on); memory for the setup's index builds.
# autovacuum off: otherwise it may or may not have vacuumed and analyzed the
# _old tables by the time of the first run, and "right after setup" would
# measure whichever; the second run has an explicit VACUUM ANALYZE instead.
TEST_CLUSTER_SETTINGS=(shared_buffers=512MB maintenance_work_mem=512MB max_wal_size=8GB autovacuum=off)
cleanup() { test_cluster_stop; rm -rf "$WORK"; }
trap cleanup EXIT
test_cluster_start

echo "query_bench: setup-database --seed-rows $ROWS ..." >&2
"$ROOT/bin/setup-database" --seed-rows "$ROWS" >/dev/null 2>"$WORK/setup.log" || {
	cat "$WORK/setup.log" >&2
	exit 1
}

run_queries() { # name
	local rc=0
	echo "query_bench: demonstrate-queries --json --runs $RUNS ($1) ..." >&2
	"$ROOT/bin/demonstrate-queries" --json --runs "$RUNS" >"$WORK/$1.json" 2>"$WORK/$1.err" || rc=$?
	if [[ $rc -ne 0 ]]; then
		# 1 = a pruning mismatch or a database error: the times are still reported
		echo "query_bench: demonstrate-queries exited $rc:" >&2
		cat "$WORK/$1.err" >&2
		[[ $rc -eq 1 && -s $WORK/$1.json ]] || exit 1
	fi
}
# as the demo and docs/demonstrate-queries.md see it: right after setup, when the plain _old
# copies have neither fresh statistics nor a visibility map
run_queries setup
# steady state, as autovacuum would leave them: both sides vacuumed and analyzed
echo "query_bench: VACUUM ANALYZE ..." >&2
psql -XAtq -v ON_ERROR_STOP=1 -c "VACUUM ANALYZE" >/dev/null
run_queries vacuumed

settings=$(psql -XAt -c "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name)
                           FROM pg_settings
                          WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'autovacuum')")

python3 - "$WORK/setup.json" "$WORK/vacuumed.json" "$OUT_DIR/queries.json" "$ROWS" "$RUNS" "$settings" <<'PY' | tee "$OUT_DIR/queries.md"
import json
import sys

src_setup, src_vac, dest, rows, runs, settings = sys.argv[1:7]
setup, vac = json.load(open(src_setup)), json.load(open(src_vac))


def ms(x):
    return f"{x:,.3f}" if x < 10 else f"{x:,.1f}"


def spread(t):
    return f"{ms(t['median'])} ({ms(t['min'])}–{ms(t['max'])})"


def times(q):
    plain = q.get("plain", {}).get("time_ms")
    if "time_ms" not in q or not plain:
        return None
    return q["time_ms"], plain


print(f"Queries at {int(rows):,} seed rows per table: median of {runs} runs after a warm-up, "
      "wall clock at the client; ratio = plain ÷ partitioned time, above 1 the partitioned "
      "table was faster. Measured twice on the same data: after `VACUUM ANALYZE` (steady state, "
      "as autovacuum leaves the tables) and before it, right after setup-database (autovacuum is "
      "off on this server, so the `_old` tables have neither a visibility map nor statistics of "
      "their seed rows: as `make demo` sees them until autovacuum comes by).")
print()
print("| query | table | scanned / leaves | pruning | vacuumed: partitioned ms | plain `_old` ms | ratio "
      "| after setup: partitioned ms | plain `_old` ms | ratio |")
print("|---|---|---:|---|---:|---:|---:|---:|---:|---:|")
summary = {"rows": int(rows), "runs": int(runs), "server_version": vac.get("server_version"),
           "status": vac.get("summary"), "settings": settings}
early = {q["name"]: q for q in setup["queries"]}
for q in vac["queries"]:
    name = f"**{q['name']}**" if q["name"] == "one_month" else q["name"]
    mark = "" if q["status"] == "ok" else f" ({q['status']})"
    cells = []
    for run in (q, early.get(q["name"], {})):
        t = times(run)
        cells.append(f"{ms(t[0]['median'])} | {ms(t[1]['median'])} | {run['speed_ratio']:.2f}"
                     if t else "– | – | –")
    print(f"| {name}{mark} | {q['table']} | {len(q.get('scanned', []))} / {q.get('partitions')} "
          f"| {q.get('pruning')} | {cells[0]} | {cells[1]} |")
for key, doc in (("one_month", vac), ("one_month_after_setup", setup)):
    q = next(q for q in doc["queries"] if q["name"] == "one_month")
    t = times(q)
    summary[key] = {"partitioned_ms": t[0]["median"], "plain_ms": t[1]["median"],
                    "partitioned": spread(t[0]), "plain": spread(t[1]), "status": q["status"]}
print()
print("one_month in full (median (min–max) ms): vacuumed "
      f"{summary['one_month']['partitioned']} partitioned, {summary['one_month']['plain']} plain; "
      f"after setup {summary['one_month_after_setup']['partitioned']} partitioned, "
      f"{summary['one_month_after_setup']['plain']} plain.")
print()
print("Removing data (after `VACUUM ANALYZE`), each inside BEGIN … ROLLBACK, median of up to 3 runs "
      "(min–max); ratio = DELETE ÷ DETACH + DROP time.")
print()
print("| removal | DETACH + DROP ms | DELETE on `_old` ms | rows deleted | ratio |")
print("|---|---:|---:|---:|---:|")
summary["removals"] = {}
for r in vac["maintenance"]:
    if r.get("status") != "ok":
        print(f"| {r['name']} | {r.get('status')} | | | |")
        continue
    p, d = r["partitioned_ms"], r["plain_ms"]
    print(f"| {r['name']} | {spread(p)} | {spread(d)} | {d['rows']:,} | {r['speed_ratio']:.2f} |")
    summary["removals"][r["name"]] = {"partitioned_ms": p["median"], "plain_ms": d["median"],
                                      "rows": d["rows"]}
print()
for label, doc in (("vacuumed", vac), ("after setup", setup)):
    s = doc.get("summary", {})
    print(f"Pruning checks ({label}): {s.get('as_expected')} of {s.get('queries')} queries as annotated, "
          f"{s.get('mismatched')} mismatched, {s.get('errors')} errors.  ")
print(f"PostgreSQL {vac.get('server_version')}; {settings}.")
json.dump(summary, open(dest, "w"), indent=1)
PY
