#!/usr/bin/env bash
# repartition_bench.sh - each re-partitioning scenario (add, split, detach,
# migrate, cleanup, in that order) under a concurrent writer: the scenario's
# duration (from `bin/repartition --json`) and the longest commit latency the
# writer saw meanwhile, lock waits and retries included (commit_latency_ms.max
# of `bin/load-data --json`). load-data prints its statistics only when it
# stops, so each scenario gets its own short writer:
#     load-data 20 --progress 0 --json --ledger L &   (a transaction every 20 ms)
#     sleep 1; repartition --json SCENARIO; sleep 1; SIGINT load-data
# A first window without any scenario gives the writer's baseline. At the end
# `load-data --verify L` checks that every row the writers committed is there.
# Throwaway server after `bin/setup-database --seed-rows N`, fsync on.
# Writes bench/out/repartition.md and bench/out/repartition.json.
# Usage: bench/repartition_bench.sh [rows per table]   (default 1000000)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
ROWS=${1:-1000000}
SCENARIOS=(add split detach migrate cleanup)
INTERVAL_MS=20
OUT_DIR=$ROOT/bench/out
mkdir -p "$OUT_DIR"
WORK=$(mktemp -d)
LEDGER=$WORK/ledger.tsv
LOAD_PID=""

# shellcheck source=tests/lib/cluster.sh
source "$ROOT/tests/lib/cluster.sh"
# durable settings, as a production server (fsync, synchronous_commit and
# full_page_writes keep their defaults: on); memory for the setup's index builds
TEST_CLUSTER_SETTINGS=(shared_buffers=512MB maintenance_work_mem=512MB max_wal_size=8GB)
cleanup() {
	if [[ -n $LOAD_PID ]]; then
		kill -INT "$LOAD_PID" 2>/dev/null || true
		wait "$LOAD_PID" 2>/dev/null || true
	fi
	test_cluster_stop
	rm -rf "$WORK"
}
trap cleanup EXIT
test_cluster_start

echo "repartition_bench: setup-database --seed-rows $ROWS ..." >&2
"$ROOT/bin/setup-database" --seed-rows "$ROWS" >/dev/null 2>"$WORK/setup.log" || {
	cat "$WORK/setup.log" >&2
	exit 1
}

# window NAME [SCENARIO]: a writer for 1 s + the scenario (or nothing) + 1 s
window() {
	local name=$1 scenario=${2-} rc=0
	echo "repartition_bench: $name under load-data $INTERVAL_MS ..." >&2
	"$ROOT/bin/load-data" "$INTERVAL_MS" --progress 0 --json --ledger "$LEDGER" \
		>"$WORK/$name.load.json" 2>"$WORK/$name.load.err" &
	LOAD_PID=$!
	sleep 1
	if [[ -n $scenario ]]; then
		"$ROOT/bin/repartition" --json "$scenario" >"$WORK/$name.json" 2>"$WORK/$name.err" || rc=$?
	fi
	sleep 1
	kill -INT "$LOAD_PID"
	wait "$LOAD_PID" || {
		echo "repartition_bench: load-data failed during $name:" >&2
		cat "$WORK/$name.load.err" >&2
		LOAD_PID=""
		exit 1
	}
	LOAD_PID=""
	if [[ $rc -ne 0 ]]; then
		echo "repartition_bench: repartition $scenario exited $rc:" >&2
		cat "$WORK/$name.err" >&2
		exit 1
	fi
}

window baseline
for s in "${SCENARIOS[@]}"; do
	window "$s" "$s"
done

echo "repartition_bench: load-data --verify ..." >&2
verify_rc=0
"$ROOT/bin/load-data" --verify "$LEDGER" >"$WORK/verify.out" 2>&1 || verify_rc=$?
settings=$(psql -XAt -c "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name)
                           FROM pg_settings
                          WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers')")
version=$(psql -XAt -c "SHOW server_version")

python3 - "$WORK" "$OUT_DIR/repartition.json" "$ROWS" "$INTERVAL_MS" "$verify_rc" \
	"PostgreSQL $version; $settings" "${SCENARIOS[@]}" <<'PY' | tee "$OUT_DIR/repartition.md"
import json
import re
import sys

work, dest, rows, interval, verify_rc, footer = sys.argv[1:7]
scenarios = sys.argv[7:]


def load(name):
    return json.load(open(f"{work}/{name}.load.json"))


verify = open(f"{work}/verify.out").read()
m = re.search(r"([\d,]+) rows checked, ([\d,]+) missing", verify)
checked, missing = (int(x.replace(",", "")) for x in m.groups()) if m else (None, None)
base = load("baseline")
summary = {"rows": int(rows), "interval_ms": int(interval),
           "baseline": {"max_ms": base["commit_latency_ms"]["max"], "p99_ms": base["commit_latency_ms"]["p99"],
                        "seconds": base["seconds"], "transactions": base["transactions"]},
           "scenarios": {}, "ledger": {"checked": checked, "missing": missing, "exit": int(verify_rc)}}

print(f"Re-partitioning at {int(rows):,} seed rows per table, in this order, each under its own "
      f"`load-data {interval}` writer (one transaction every {interval} ms, lock timeout 2 s then "
      "retry) started 1 s before the scenario and stopped 1 s after it. Duration: `repartition --json` "
      "`duration_ms.scenario` (all attempts; `transaction`: the committed attempt; `total`: with the "
      "partition trees before and after). Longest writer stall: the writer's maximum commit latency "
      "in that window, from the first attempt to the successful COMMIT, lock waits and retries included.")
print()
print("| scenario | duration ms | transaction ms | total ms | attempts | writer: longest commit ms "
      "| p99 ms | transactions | retries | failed rows |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
b = base["commit_latency_ms"]
print(f"| (none: writer alone, baseline) | – | – | – | – | {b['max']:,.1f} | {b['p99']:,.1f} "
      f"| {base['transactions']:,} | {base['retries']} | {base['failed_rows']} |")
for s in scenarios:
    r, w = json.load(open(f"{work}/{s}.json")), load(s)
    d, lat = r["duration_ms"], w["commit_latency_ms"]
    print(f"| {s} | {d['scenario']:,.0f} | {d['transaction']:,.0f} | {d['total']:,.0f} | {r['attempts']} "
          f"| {lat['max']:,.1f} | {lat['p99']:,.1f} | {w['transactions']:,} | {w['retries']} | {w['failed_rows']} |")
    summary["scenarios"][s] = {"status": r["status"], "duration_ms": d["scenario"],
                               "transaction_ms": d["transaction"], "total_ms": d["total"],
                               "attempts": r["attempts"], "writer_max_ms": lat["max"],
                               "writer_p99_ms": lat["p99"], "writer_retries": w["retries"],
                               "writer_failed_rows": w["failed_rows"], "messages": r.get("messages")}
print()
print(f"Ledger check (`load-data --verify`): {checked:,} committed rows checked, {missing:,} missing"
      f"{'' if int(verify_rc) == 0 else f' (exit {verify_rc})'}.  ")
print(footer + ".")
json.dump(summary, open(dest, "w"), indent=1)
PY
if [[ $verify_rc -ne 0 ]]; then
	echo "repartition_bench: load-data --verify failed:" >&2
	cat "$WORK/verify.out" >&2
	exit 1
fi
