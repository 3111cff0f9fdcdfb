#!/usr/bin/env bash
# run.sh - `make bench`: every benchmark, each on its own throwaway server
# with durable settings (fsync on), with its baselines measured in the same
# run. Never part of `make test`: timings on a shared machine are noisy, so
# they are reported, not asserted.
#
#   1. load_bench.sh        load-data --max against COPY, multi-row INSERT, INSERT ... SELECT
#   2. migration_bench.sh   setup's migrations: fast path against the straightforward order
#   3. query_bench.sh       a one-month query and removals, partitioned against _old
#   4. repartition_bench.sh each scenario online against offline under writers and readers: time, stalls, waits, rows lost
#   5. scale_bench.sh       migration time at 10k/100k/1M rows; planning time at 12/120/1,200 partitions
#   6. partman_bench.sh     the event_logs migration against pg_partman's partition_data_proc
#   7. online_bench.sh      setup's migrations online under two writers against offline: time, stall, rows lost
#   8. chart.gp             bench/results.svg (gnuplot)
#
# Each step writes its tables to bench/out/ (scratch, git-ignored); then this
# script assembles bench/results.md (summary, details, chart) and
# bench/results.svg, both meant to be committed.
#
# Scale: BENCH_ROWS rows per table for the migrations, queries, re-partitioning
# and the largest migration of the scale step (default 1,000,000);
# BENCH_LOAD_ROWS rows for the load comparison (default 200,000);
# BENCH_SCALE_SIZES the scale step's sizes (default "10000 100000 1000000"; the
# size equal to the migration step's is taken from that step, not measured twice).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
OUT=$ROOT/bench/out
BENCH_ROWS=${BENCH_ROWS:-1000000}
LOAD_ROWS=${BENCH_LOAD_ROWS:-200000}
MIGRATION_ROWS=${BENCH_MIGRATION_ROWS:-$BENCH_ROWS}
read -r -a SCALE_SIZES <<<"${BENCH_SCALE_SIZES:-10000 100000 1000000}"

bash "$ROOT/tools/install-deps.sh" bench
[[ -x $ROOT/bin/load-data ]] || {
	echo "run.sh: build the programs first (make)" >&2
	exit 1
}

# results of an earlier run must not end up in this one's summary
mkdir -p "$OUT"
rm -f "$OUT"/{load,migration,queries,repartition,scale,partman,online}.{md,json} "$OUT"/scale_*.dat \
	"$OUT/online_setup.log" "$OUT/steps.tsv"

started=$SECONDS
step() { # name command...
	local name=$1 t0=$SECONDS
	shift
	"$@"
	printf '%s\t%s\n' "$name" $((SECONDS - t0)) >>"$OUT/steps.tsv"
}

echo "== load-data --max against COPY, multi-row INSERT and INSERT ... SELECT ($LOAD_ROWS rows)"
step load bash "$ROOT/bench/load_bench.sh" "$LOAD_ROWS"

echo
echo "== setup's migrations: fast path (keys and indexes after the copy) against the straightforward order ($MIGRATION_ROWS rows per table)"
step migration bash "$ROOT/bench/migration_bench.sh" "$MIGRATION_ROWS"

echo
echo "== queries and removals: partitioned against the plain _old tables ($BENCH_ROWS rows per table)"
step queries bash "$ROOT/bench/query_bench.sh" "$BENCH_ROWS"

echo
echo "== re-partitioning scenarios online against offline, under writers and readers ($BENCH_ROWS rows per table)"
step repartition bash "$ROOT/bench/repartition_bench.sh" "$BENCH_ROWS"

echo
echo "== how the cost grows: migrations at ${SCALE_SIZES[*]} rows, planning at 12, 120, 1200 partitions"
step scale env SCALE_REUSE_MIGRATION="$OUT/migration.md" bash "$ROOT/bench/scale_bench.sh" "${SCALE_SIZES[@]}"

echo
echo "== event_logs migration against pg_partman's partition_data_proc ($MIGRATION_ROWS rows)"
step partman bash "$ROOT/bench/partman_bench.sh" "$MIGRATION_ROWS"

echo
echo "== setup's migrations online under load-data 2 and a row mutator, against offline ($MIGRATION_ROWS rows per table)"
step online bash "$ROOT/bench/online_bench.sh" "$MIGRATION_ROWS"

# the machine and the server, for the header and the chart's title
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
mem_gib=$(awk '/^MemTotal:/ {printf "%.0f", $2 / 1048576}' /proc/meminfo)
pg_version=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["server_version"])' "$OUT/queries.json")
today=$(date -u +%Y-%m-%d)
heading="make bench, $today: $(nproc) cores (${cpu:-unknown CPU}), $mem_gib GiB; PostgreSQL $pg_version, fsync on"
# gnuplot's enhanced text: _ ^ @ & { } are markup; quotes would end the string
gp_heading=$(printf '%s' "$heading" | sed "s/[_^@&{}]/\\\\\\\\&/g; s/[\"']//g")

echo
echo "== chart" >&2
gnuplot -e "datadir='$OUT'; outfile='$ROOT/bench/results.svg'; heading=\"$gp_heading\"" "$ROOT/bench/chart.gp"
printf '%s\t%s\n' total $((SECONDS - started)) >>"$OUT/steps.tsv"

python3 - "$OUT" "$ROOT/bench/results.md" "$today" "$(nproc)" "${cpu:-unknown}" "$mem_gib" "$pg_version" \
	"$BENCH_ROWS" "$LOAD_ROWS" "$MIGRATION_ROWS" "${SCALE_SIZES[*]}" <<'PY'
import json
import re
import sys

(out, dest, today, cores, cpu, mem, pg, rows, load_rows, mig_rows, scale_sizes) = sys.argv[1:12]
rows, load_rows, mig_rows = int(rows), int(load_rows), int(mig_rows)


def read(name):
    return open(f"{out}/{name}").read()


def cells(md, start):
    """the cells of the first table row of md whose first cell starts with start"""
    for line in md.splitlines():
        parts = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and parts[0].startswith(start):
            return parts
    raise SystemExit(f"run.sh: no row '{start}' in the results")


def num(s):
    return float(re.sub(r"[*,]", "", s))


def ms(x):
    return f"{x:,.1f} ms" if x < 1000 else f"{x / 1000:,.2f} s"


def check(ok):
    return "–" if ok is None else "✓" if ok else "✗ missed"


load_md, mig_md = read("load.md"), read("migration.md")
queries, repart, scale, online = (json.loads(read(f)) for f in
                                  ("queries.json", "repartition.json", "scale.json", "online.json"))
steps = dict(line.split("\t") for line in read("steps.tsv").split("\n") if line)

lines = []
w = lines.append
w("# `make bench` results")
w("")
w(f"Measured on {today} by `make bench` (`bench/run.sh`) in {int(steps['total']) / 60:.1f} minutes. "
  f"Machine: {cores} cores ({cpu}), {mem} GiB memory, shared with other work (noisy: "
  "expect differences of 10–30% between runs). "
  f"PostgreSQL {pg}. Each step starts its own throwaway server with durable settings: "
  f"fsync, synchronous_commit and full_page_writes on (as read from the query step's server: {queries['settings']}; "
  "the load step uses shared_buffers 256MB, the others 512MB and maintenance_work_mem 512MB; autovacuum "
  "is off in the query step only, see there). "
  "Every baseline is measured in the same run, on the same server, on the same data.")
w("")
w(f"Scale: {rows:,} rows per table for the migrations ({mig_rows:,}), the queries and the re-partitioning; "
  f"{load_rows:,} rows for the load comparison; migrations at {', '.join(f'{int(s):,}' for s in scale_sizes.split())} "
  "rows per table and planning at 12, 120 and 1,200 partitions for the growth of the cost.")
w("")

# ---- summary -------------------------------------------------------------------
m = cells(mig_md, "**all four**")
straight, fast = num(m[1]), num(m[2])
ld, cp = cells(load_md, "load-data --max"), cells(load_md, "COPY FROM STDIN")
load_rate, copy_rate = num(ld[3]), num(cp[3])
om, oms = queries["one_month"], queries["one_month_after_setup"]
rm = queries["removals"]["remove_a_month"]

w("## Summary")
w("")
w("| what | measured | baseline | ratio | target |")
w("|---|---:|---:|---:|---|")
w(f"| setup's migrations, fast path vs straightforward order ({mig_rows:,} rows per table, all four tables) "
  f"| {fast:.2f} s | {straight:.2f} s | {fast / straight:.2f} | ≤ 0.60 {check(fast / straight <= 0.6)} |")
w(f"| `load-data --max` vs COPY FROM STDIN into the same partitioned tables ({load_rows:,} rows) "
  f"| {load_rate:,.0f} rows/s | {copy_rate:,.0f} rows/s | {load_rate / copy_rate:.2f} | ≥ 0.60 {check(load_rate / copy_rate >= 0.6)} |")
w(f"| one-month query (`one_month`), partitioned vs `_old`, after VACUUM ANALYZE "
  f"| {om['partitioned_ms']:,.1f} ms | {om['plain_ms']:,.1f} ms | {om['partitioned_ms'] / om['plain_ms']:.2f} | none: as measured |")
w(f"| the same right after setup-database, `_old` not yet vacuumed or analyzed (autovacuum off) "
  f"| {oms['partitioned_ms']:,.1f} ms | {oms['plain_ms']:,.1f} ms | {oms['partitioned_ms'] / oms['plain_ms']:.2f} | none: as measured |")
w(f"| month removal: DETACH + DROP vs DELETE ({rm['rows']:,} rows) "
  f"| {rm['partitioned_ms']:,.2f} ms | {rm['plain_ms']:,.1f} ms "
  f"| {rm['partitioned_ms'] / rm['plain_ms']:.3f} (1/{rm['plain_ms'] / rm['partitioned_ms']:,.0f}) | none |")
def repart_rows():
    """one summary row per scenario: online beside --offline, the issue's targets"""
    on, off = repart["series"]["online"], repart["series"]["offline"]

    def cell(w):
        rep = w["repartition"]
        if rep["exit"] != 0:
            return f"failed (exit {rep['exit']})"
        lost = "–" if w["lost"] is None else f"{w['lost']:,}"
        stale = "–" if w["stale"] is None else f"{w['stale']:,}"
        reader = max(w["reader_moved_max_ms"] or 0, w["reader_whole_max_ms"] or 0)
        ran = "" if rep["mode"] in ("online", "offline") and w["targets"]["ran"] else f"ran {rep['mode']}: "
        return (f"{ran}{ms(rep['duration_ms'])}; stall {ms(w['stall_ms']) if w['stall_ms'] is not None else '–'}; "
                f"readers {ms(reader)}; {lost} lost, {stale} stale")

    for name in ("add", "split", "detach", "migrate", "cleanup"):
        o = off["scenarios"].get(name) if off["available"] else None
        n = on["scenarios"].get(name) if on["available"] else None
        measured = f"online: {cell(n)}" if n else "online: not available (no `--offline` yet)"
        baseline = f"offline: {cell(o)}" if o else "offline: –"
        if n:
            t = n["targets"]
            od = o and o["repartition"]["duration_ms"]
            ratio = f"{n['repartition']['duration_ms'] / od:.2f}" if od and n["repartition"]["duration_ms"] else "–"
            target = (f"stall < 100 ms {check(t['stall'])}; < 5% {check(t['stall_share'])}; readers < 100 ms "
                      f"{check(t['readers'])}; 0 lost/stale {check(t['intact'])}; ≤ 3× {check(t['ratio'])}")
        else:
            ratio, target = "–", "not measured: no online series"
        w(f"| `repartition {name}` online vs `--offline`, under `load-data 20`, a row mutator and two readers "
          f"({repart['rows']:,} rows per table): duration; longest writer stall; longest reader wait; rows "
          f"lost, stale | {measured} | {baseline} | {ratio} | {target} |")


repart_rows()
pm_ours, pm_partman = cells(read("partman.md"), "01_range_partitions.sql"), cells(read("partman.md"), "pg_partman")
w(f"| event_logs migration (01, verification included) vs pg_partman `partition_data_proc` "
  f"(no wait, no verification, {mig_rows:,} rows) | {num(pm_ours[1]):.2f} s | {num(pm_partman[1]):.2f} s "
  f"| {num(pm_ours[1]) / num(pm_partman[1]):.2f} | ≤ 0.50 {check(num(pm_ours[1]) / num(pm_partman[1]) <= 0.5)} |")
on_w = online["writer"]
on_ok = (online["ratio"] <= 3, on_w["max_ms"] < 1000,
         online["ledger"]["missing"] == 0 and on_w["failed_rows"] == 0 and online["mutations"]["stale"] == 0)
w(f"| setup's migrations online (`setup-database --online`, all four tables, {online['rows']:,} rows per table) "
  "under `load-data 2` and a row mutator vs offline: total time; longest writer stall; rows lost "
  f"| {online['online_wall_ms'] / 1000:.2f} s; stall {ms(on_w['max_ms'])}; {online['ledger']['missing']:,} lost "
  f"({on_w['failed_rows']:,} failed, {online['mutations']['stale']:,} stale) "
  f"| offline: {online['offline_wall_ms'] / 1000:.2f} s | {online['ratio']:.2f} "
  f"| time ≤ 3× {check(on_ok[0])}; stall < 1 s {check(on_ok[1])}; 0 lost {check(on_ok[2])} |")
w("")
w("Ratio = measured ÷ baseline (times: below 1 is faster; rates: above 1 is faster); for the scenarios, "
  "online duration ÷ offline duration (`repartition --json` `duration_ms.scenario`). Their writers: "
  "`load-data 20` (an insert every 20 ms) and a session updating and deleting seeded rows of the table; "
  "stall: the longest commit latency of either in the scenario's window, lock waits and retries included; "
  "readers: two sessions querying the moved partitions and every partition every 10 ms, the longest "
  "query; lost: ledger rows `load-data --verify` did not find; stale: changed rows not in their last state "
  "(details and the baselines below). Online migration: wall clock of `setup-database "
  "--online` against `setup-database` on a copy of the same seed; its writers are `load-data 2` (one row "
  "per transaction every 2 ms) and a session updating and deleting seeded rows; stall: load-data's longest "
  "commit latency; lost: committed rows `load-data --verify` did not find (failed: rows load-data could "
  "not write; stale: rows not in the state the updating session left them in).")
w("")

# ---- details -------------------------------------------------------------------
sections = [
    ("load", f"Load: `load-data --max` against COPY and INSERT ({load_rows:,} rows)", "load.md"),
    ("migration", f"Migrations: fast path against the straightforward order ({mig_rows:,} rows per table)", "migration.md"),
    ("queries", f"Queries and removals: partitioned against the plain `_old` tables ({rows:,} rows per table)", "queries.md"),
    ("repartition", f"Re-partitioning online against offline, under writers and readers ({rows:,} rows per table)",
     "repartition.md"),
    ("scale", "How the cost grows", "scale.md"),
    ("partman", f"Against pg_partman ({mig_rows:,} rows of event_logs)", "partman.md"),
    ("online", f"Online migration under writers against offline ({mig_rows:,} rows per table)", "online.md"),
]
for key, title, f in sections:
    w(f"## {title}")
    w("")
    w(read(f).rstrip("\n"))
    w("")
    w(f"*Step time: {int(steps[key])} s.*")
    w("")
w("![Migration time against rows per table (log-log), straightforward and fast path; planning time of a "
  f"one-month query against the number of monthly partitions. {cores} cores, PostgreSQL {pg}.](results.svg)")
w("")
w("Reproduce: `make bench` (or `BENCH_ROWS=... BENCH_LOAD_ROWS=... bash bench/run.sh` after `make`); "
  "the steps' own tables are in `bench/out/`.")
open(dest, "w").write("\n".join(lines) + "\n")
PY
echo
echo "== bench/results.md and bench/results.svg written ($(((SECONDS - started) / 60)) min $(((SECONDS - started) % 60)) s)"

