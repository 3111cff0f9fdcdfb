#!/usr/bin/env bash
# online_bench.sh - setup's four migrations online (`setup-database --online`)
# while other sessions write, against the same migrations offline (the fast
# path, no writers), same seed, same server, same run:
#   1. one seed: a template database with the four plain tables seeded
#      (lib/partition_demo.sql, 00_setup_base_tables.sql and
#      00_initial_seed_data.sql run by psql and recorded as applied, as
#      setup-database records them), copied by CREATE DATABASE ... TEMPLATE;
#   2. offline: `setup-database` on a copy (01-04, nobody writing);
#   3. online: `setup-database --online` on another copy while two writers run:
#        load-data 2 --batch 1 --ledger L --json   (a transaction every 2 ms)
#        row_mutator (tests/lib/row_mutator.sh)    (updates and deletes seeded rows)
#      both started 1 s before the migration and stopped 1 s after it;
#      then `load-data --verify L` (rows lost) and online_mutation_check
#      (changed rows not in their last state).
# Total: the wall clock of each setup-database command. Per table: offline,
# the file's partition_demo.applied_scripts.duration_ms; online, the span of
# the table's progress lines (time-stamped as they arrive), closing ANALYZE
# included, which applied_scripts' duration (it ends at the swap's commit)
# leaves out; and the phases from those lines (copy, keys and indexes, replay,
# comparison, swap and its retries).
# Exits 1 after printing its tables when load-data lost or failed rows, or a
# mutated row is stale (as repartition_bench.sh when its ledger check fails).
# Writes bench/out/online.md, bench/out/online.json and bench/out/online_setup.log
# (the online setup-database's stderr).
# Usage: bench/online_bench.sh [rows per table]   (default 1000000)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
ROWS=${1:-1000000}
INTERVAL_MS=2
OUT_DIR=$ROOT/bench/out
mkdir -p "$OUT_DIR"
WORK=$(mktemp -d)
LEDGER=$WORK/ledger.tsv
STOP=$WORK/stop_mutator
LOAD_PID="" MUTATOR_PID=""

# shellcheck source=tests/lib/cluster.sh
source "$ROOT/tests/lib/cluster.sh"
# shellcheck source=tests/lib/row_mutator.sh
source "$ROOT/tests/lib/row_mutator.sh"
# durable settings, as a production server (fsync, synchronous_commit and
# full_page_writes keep their defaults: on); memory for sorted index builds
# (as migration_bench.sh)
TEST_CLUSTER_SETTINGS=(shared_buffers=512MB maintenance_work_mem=512MB max_wal_size=8GB)
stop_writers() {
	if [[ -n $MUTATOR_PID ]]; then
		touch "$STOP"
		wait "$MUTATOR_PID" 2>/dev/null || true
		MUTATOR_PID=""
	fi
	if [[ -n $LOAD_PID ]]; then
		kill -INT "$LOAD_PID" 2>/dev/null || true
		wait "$LOAD_PID" 2>/dev/null || true
		LOAD_PID=""
	fi
}
cleanup() {
	stop_writers
	test_cluster_stop
	rm -rf "$WORK"
}
trap cleanup EXIT
test_cluster_start

psql_q() { psql -XAtq -v ON_ERROR_STOP=1 "$@"; }
now_ms() { date +%s%3N; }
# each line prefixed with the seconds since the first, for the phases' times
stamp() {
	python3 -uc 'import sys, time
t0 = time.monotonic()
for line in sys.stdin:
    print(f"{time.monotonic() - t0:.3f} {line}", end="")'
}
fail() { # message log
	echo "online_bench: $1" >&2
	[[ -z ${2-} ]] || cat "$2" >&2
	exit 1
}

# ---------------------------------------------------------------------------
# 1. one seed, plain tables only: the template of both runs
# ---------------------------------------------------------------------------
echo "online_bench: seeding $ROWS rows per table (plain tables) ..." >&2
psql_q -d postgres -c "CREATE DATABASE online_seed"
psql_q -d online_seed -1 -f "$ROOT/scripts/lib/partition_demo.sql" >/dev/null
psql_q -d online_seed -1 -f "$ROOT/scripts/00_setup_base_tables.sql" \
	-c "INSERT INTO partition_demo.applied_scripts (script) VALUES ('00_setup_base_tables.sql')" >/dev/null
PGOPTIONS="-c partition_demo.seed_rows=$ROWS -c client_min_messages=warning" \
	psql_q -d online_seed -1 -f "$ROOT/scripts/00_initial_seed_data.sql" \
	-c "INSERT INTO partition_demo.applied_scripts (script) VALUES ('00_initial_seed_data.sql')" >/dev/null

# durations of 01-04 in database $1, "file ms" per line
applied_times() {
	psql_q -d "$1" -F ' ' -c "SELECT script, duration_ms FROM partition_demo.applied_scripts
	                           WHERE script ~ '^0[1-4]_' ORDER BY script"
}

# ---------------------------------------------------------------------------
# 2. offline: setup-database on a copy, nobody writing
# ---------------------------------------------------------------------------
psql_q -d postgres -c "CREATE DATABASE online_offline TEMPLATE online_seed" -c CHECKPOINT
echo "online_bench: setup-database (offline) ..." >&2
t0=$(now_ms)
POSTGRES_DB=online_offline PGDATABASE=online_offline "$ROOT/bin/setup-database" \
	>/dev/null 2>"$WORK/offline.log" || fail "setup-database (offline) failed:" "$WORK/offline.log"
offline_wall=$(($(now_ms) - t0))
applied_times online_offline >"$WORK/offline.times"
psql_q -d postgres -c "DROP DATABASE online_offline"

# ---------------------------------------------------------------------------
# 3. online: setup-database --online on a copy, under two writers
# ---------------------------------------------------------------------------
psql_q -d postgres -c "CREATE DATABASE online_online TEMPLATE online_seed" -c CHECKPOINT
export POSTGRES_DB=online_online PGDATABASE=online_online
echo "online_bench: setup-database --online under load-data $INTERVAL_MS and a row mutator ..." >&2
"$ROOT/bin/load-data" "$INTERVAL_MS" --batch 1 --progress 0 --json --ledger "$LEDGER" \
	>"$WORK/load.json" 2>"$WORK/load.err" &
LOAD_PID=$!
row_mutator "$ROWS" "$STOP" >"$WORK/mutator.out" 2>&1 &
MUTATOR_PID=$!
sleep 1
t0=$(now_ms)
set +e
{ "$ROOT/bin/setup-database" --online 2>&1 >/dev/null; } | stamp >"$WORK/online.log"
online_rc=${PIPESTATUS[0]}
set -e
online_wall=$(($(now_ms) - t0))
sleep 1
touch "$STOP"
wait "$MUTATOR_PID" || true
MUTATOR_PID=""
kill -INT "$LOAD_PID"
load_rc=0
wait "$LOAD_PID" || load_rc=$?
LOAD_PID=""
# setup-database's progress lines, kept for a look at the phases
cp "$WORK/online.log" "$OUT_DIR/online_setup.log"
[[ $online_rc -eq 0 ]] || fail "setup-database --online exited $online_rc:" "$WORK/online.log"
# load-data exits 1 when rows failed, after its statistics: reported below
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$WORK/load.json" 2>/dev/null ||
	fail "load-data exited $load_rc without its statistics:" "$WORK/load.err"
applied_times online_online >"$WORK/online.times"

echo "online_bench: load-data --verify, online_mutation_check ..." >&2
verify_rc=0
"$ROOT/bin/load-data" --verify "$LEDGER" >"$WORK/verify.out" 2>&1 || verify_rc=$?
online_mutation_check >"$WORK/mutations.out"
settings=$(psql -XAt -c "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name)
                           FROM pg_settings
                          WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers')")
version=$(psql -XAt -c "SHOW server_version")

python3 - "$WORK" "$OUT_DIR/online.json" "$ROWS" "$INTERVAL_MS" "$verify_rc" "$offline_wall" "$online_wall" "$load_rc" \
	"PostgreSQL $version; $settings; $(nproc) cores; $(date -u +%Y-%m-%d)" <<'PY' | tee "$OUT_DIR/online.md"
import json
import re
import sys

work, dest, rows, interval, verify_rc, offline_wall, online_wall, load_rc, footer = sys.argv[1:10]
rows, offline_wall, online_wall, load_rc = int(rows), int(offline_wall), int(online_wall), int(load_rc)


def times(name):
    return {f: float(ms) for f, ms in (l.split() for l in open(f"{work}/{name}.times") if l.strip())}


def number(s):
    return float(s.replace(",", ""))


offline, online = times("offline"), times("online")
if sorted(offline) != sorted(online) or len(online) != 4:
    raise SystemExit(f"online_bench: expected 01-04 applied in both runs: {sorted(offline)} {sorted(online)}")

# each table's phases from setup-database --online's progress lines ("<seconds> <line>")
phases, cur = {}, None
for line in open(f"{work}/online.log"):
    at, _, text = line.partition(" ")
    at = float(at)
    if m := re.match(r"\[\d+/\d+\] (0[1-4]_\S+) \(online: (\w+)", text):
        cur = phases.setdefault(m.group(1), {"table": m.group(2), "retries": 0, "started_s": at})
    elif cur is None:
        continue
    elif m := re.search(r"copied: ([\d,]+) rows of \S+ in ([\d.]+) s", text):
        cur["copied_rows"], cur["copy_s"] = int(number(m.group(1))), float(m.group(2))
    elif m := re.search(r"keys and indexes built in ([\d.]+) s", text):
        cur["keys_s"] = float(m.group(1))
    elif m := re.search(r"replayed ([\d,]+) changes", text):
        cur["replayed"] = int(number(m.group(1)))
    elif m := re.search(r"compared ([\d,]+) rows .* in ([\d.]+) s", text):
        cur["compared_rows"], cur["compare_s"] = int(number(m.group(1))), float(m.group(2))
    elif m := re.search(r"swapped in ([\d.]+) ms", text):
        cur["swap_ms"], cur["swapped_s"] = float(m.group(1)), at
    elif "lock not granted" in text:
        cur["retries"] += 1
    cur["last_s"] = at
for p in phases.values():
    # from the table's first line to its last: the whole migration, closing ANALYZE included
    p["total_s"] = p["last_s"] - p["started_s"]
    # after the swap's commit: the [finish] section (ANALYZE), outside applied_scripts' duration
    p["finish_s"] = p["last_s"] - p.pop("swapped_s") if "swapped_s" in p else None

load = json.load(open(f"{work}/load.json"))
verify = open(f"{work}/verify.out").read()
m = re.search(r"([\d,]+) rows checked, ([\d,]+) missing", verify)
checked, missing = (int(number(x)) for x in m.groups()) if m else (None, None)
m = re.search(r"changed=(\d+) stale=(\d+)", open(f"{work}/mutations.out").read())
changed, stale = (int(x) for x in m.groups()) if m else (None, None)

off_total, on_total = sum(offline.values()), sum(online.values())
lat = load["commit_latency_ms"]
swaps = [p["swap_ms"] for p in phases.values() if "swap_ms" in p]
summary = {
    "rows": rows, "interval_ms": int(interval),
    "offline_wall_ms": offline_wall, "online_wall_ms": online_wall, "ratio": online_wall / offline_wall,
    "offline_ms": off_total, "online_ms": on_total,
    "online_with_finish_ms": 1000 * sum(p["total_s"] for p in phases.values()),
    "writer": {"max_ms": lat["max"], "p99_ms": lat["p99"], "p50_ms": lat["p50"],
               "transactions": load["transactions"], "committed_rows": load["committed_rows"],
               "retries": load["retries"], "failed_rows": load["failed_rows"],
               "unknown_rows": load["unknown_rows"], "seconds": load["seconds"], "exit": load_rc},
    "ledger": {"checked": checked, "missing": missing, "exit": int(verify_rc)},
    "mutations": {"changed": changed, "stale": stale},
    "max_swap_ms": max(swaps, default=None), "swaps_ms": swaps,
    "tables": {f: {"offline_ms": offline[f], "online_ms": online[f], **phases.get(f, {})} for f in sorted(online)},
}


def fmt(x, spec):
    return "–" if x is None else format(x, spec)


print(f"Setup's four migrations (01–04) at {rows:,} seed rows per table, from one seed (a template "
      "database, copied twice) on one server: offline with nobody writing (`setup-database`, the fast "
      "path), and online (`setup-database --online`) under two writers started 1 s before it and stopped "
      f"1 s after it: `load-data {interval} --batch 1` (one row per transaction every {interval} ms, into "
      "the four tables; lock timeout 2 s, then retry) and `row_mutator` (tests/lib/row_mutator.sh: "
      "updates and deletes random seeded rows of event_logs and users_distributed). Offline s: the file's "
      "`partition_demo.applied_scripts.duration_ms` (copy, keys and indexes, verification, renames, "
      "ANALYZE). Online s: the table's lines of setup-database's progress, first to last (prepare, batched "
      "copy, keys and indexes, replay of the captured changes, comparison at one snapshot, swap, then "
      "ANALYZE); to swap: its `applied_scripts.duration_ms`, which ends at the swap's commit. The swap is "
      "the only time the table's writers wait (lock timeout 300 ms, then retry).")
print()
print("| migration | offline s | online s | online / offline | to swap s | copy s | keys and indexes s "
      "| replayed changes | compare s | swap ms | swap retries | ANALYZE s |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for f, t in summary["tables"].items():
    tot = t.get("total_s")
    print(f"| {f} ({t.get('table', '?')}) | {t['offline_ms'] / 1000:.2f} | {fmt(tot, '.2f')} "
          f"| {fmt(tot and tot * 1000 / t['offline_ms'], '.2f')} | {t['online_ms'] / 1000:.2f} "
          f"| {fmt(t.get('copy_s'), '.1f')} | {fmt(t.get('keys_s'), '.1f')} | {fmt(t.get('replayed'), ',')} "
          f"| {fmt(t.get('compare_s'), '.1f')} | {fmt(t.get('swap_ms'), ',.0f')} | {t.get('retries', '–')} "
          f"| {fmt(t.get('finish_s'), '.1f')} |")
owf = summary["online_with_finish_ms"]
print(f"| **all four** | **{off_total / 1000:.2f}** | **{owf / 1000:.2f}** | **{owf / off_total:.2f}** "
      f"| {on_total / 1000:.2f} | | | | | | | |")
print(f"| **the command** (`setup-database`, wall clock) | **{offline_wall / 1000:.2f}** "
      f"| **{online_wall / 1000:.2f}** | **{online_wall / offline_wall:.2f}** | | | | | | | | |")
print()
w = summary["writer"]
print(f"`load-data {interval}` over {w['seconds']:.1f} s: {w['transactions']:,} transactions, "
      f"{w['committed_rows']:,} rows committed, {w['retries']} retries, {w['failed_rows']} failed rows, "
      f"{w['unknown_rows']} of unknown outcome; commit latency p50 {lat['p50']:.1f} ms, p99 {lat['p99']:.1f} ms, "
      f"**longest {lat['max']:,.1f} ms** (the longest stall a writer saw; target < 1,000 ms).  ")
if load_rc != 0:
    errors = [l.strip() for l in open(f"{work}/load.err") if "error" in l][:3]
    print(f"load-data exited {load_rc}: " + "; ".join(f"`{e}`" for e in errors) + "  ")
print(f"Rows lost: `load-data --verify` checked {fmt(checked, ',')} committed rows, **{fmt(missing, ',')} missing**"
      f"{'' if int(verify_rc) == 0 else f' (exit {verify_rc})'}; `online_mutation_check`: {fmt(changed, ',')} "
      f"rows changed by the mutator, **{fmt(stale, ',')} stale** (not in their last state).  ")
print(footer + ".")
json.dump(summary, open(dest, "w"), indent=1)
problems = [what for what, bad in (("load-data failed rows", w["failed_rows"] or w["unknown_rows"] or load_rc),
                                   ("rows missing", missing != 0 or int(verify_rc)),
                                   ("stale mutated rows", stale != 0)) if bad]
open(f"{work}/problems", "w").write(", ".join(problems))
PY
# as repartition_bench.sh: the table first, then a failure when rows were lost
problems=$(cat "$WORK/problems")
if [[ -n $problems ]]; then
	echo "online_bench: $problems (see above)" >&2
	cat "$WORK/load.err" "$WORK/verify.out" >&2
	exit 1
fi
