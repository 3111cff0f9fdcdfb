#!/usr/bin/env bash
# repartition_bench.sh - the five re-partitioning scenarios online against
# the same scenarios offline, in one run on one server, each under writers
# and readers of the table it changes:
#
#   1. bin/setup-database --seed-rows N on a throwaway server, fsync on;
#      the layout of the tables (relations, partition keys and bounds) noted;
#   2. online:  a baseline window (no scenario), then add, split, detach,
#      migrate, cleanup with `bin/repartition --json S`; then the layout must
#      be the post-setup one again (cleanup undoes the rest);
#   3. offline: the same with `bin/repartition --offline --json S` (the
#      one-transaction form), and the same check.
#   Until bin/repartition has --offline (its --help says), only the series
#   of the one-transaction form runs and the online one is "not available".
#
# Each window has its own sessions, started 1 s before the scenario and
# stopped 1 s after it (a baseline window: 3 s, nothing in the middle):
#   writer   bin/load-data 20 --json --ledger L   one insert every 20 ms into
#            the four tables; its longest stall and p99 are its commit
#            latency (retries of its lock timeouts included)
#   mutator  row_mutator (tests/lib/row_mutator.sh), updates and deletes of
#            seeded rows of event_logs and users_distributed every 5 ms; its
#            statements' durations come from the server log
#            (log_min_duration_statement=0 for its session only)
#   readers  two reader_probe sessions (tests/lib/reader_probe.sh), a query
#            every 10 ms each, timed by psql's \timing (lock waits
#            included): "moved" reads the partitions the scenario moves (an
#            hour of April for add and split, of January for detach, a user
#            by id for migrate, those three in turn for cleanup), "whole"
#            reads every partition of the table (an event by id; a user by
#            name; both for cleanup); the baseline has cleanup's. Two
#            sessions, not one: in one session a wait shows in whichever
#            query was running, the others queue behind it. Not one per
#            query either: each costs about 0.6 ms of CPU on each side (psql,
#            its backend) per query, 0.8 core for five on this 2-core
#            machine. An hour, not a day or the month: a query must stay
#            cheap (about 1 ms at 1M rows; a day of January took 25-40 ms)
# After each window: `load-data --verify L` (rows lost, over every window so
# far) and online_mutation_check (changed rows not in their last state), both
# corrected for the rows of the archived month, which are in event_logs_archive
# from detach to cleanup (bench/sql/repartition_archive_check.sql).
# bench/repartition_report.py turns it into bench/out/repartition.md and
# bench/out/repartition.json, with the issue's targets checked. Exits 1
# after the report when a scenario failed, a row was lost, failed or stale,
# or the layout was not restored; missed timing targets are reported only.
# Usage: bench/repartition_bench.sh [rows per table]   (default 1000000)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
ROWS=${1:-1000000}
[[ $ROWS =~ ^[1-9][0-9]*$ ]] || {
	echo "usage: bench/repartition_bench.sh [rows per table]" >&2
	exit 2
}
SCENARIOS=(add split detach migrate cleanup)
INTERVAL_MS=20
PROBE_PAUSE_S=0.01
OUT_DIR=$ROOT/bench/out
mkdir -p "$OUT_DIR"
# REPARTITION_BENCH_WORK=DIR: keep the raw measurements there (else a
# temporary directory, removed at the end)
WORK=${REPARTITION_BENCH_WORK:-$(mktemp -d)}
mkdir -p "$WORK"
LEDGER=$WORK/ledger.tsv
# the sessions of the current window: "pid kind" (kind: load, mutator, probe)
SESSIONS=()

# shellcheck source=tests/lib/cluster.sh
source "$ROOT/tests/lib/cluster.sh"
# shellcheck source=tests/lib/row_mutator.sh
source "$ROOT/tests/lib/row_mutator.sh"
# shellcheck source=tests/lib/reader_probe.sh
source "$ROOT/tests/lib/reader_probe.sh"
# durable settings, as a production server (fsync, synchronous_commit and
# full_page_writes keep their defaults: on); memory for the setup's index
# builds; the application name in the log, to find the mutator's statements
TEST_CLUSTER_SETTINGS=(shared_buffers=512MB maintenance_work_mem=512MB max_wal_size=8GB
	"log_line_prefix=%m [%p] %a ")

stop_sessions() {
	local entry pid kind
	for entry in "${SESSIONS[@]}"; do
		read -r pid kind <<<"$entry"
		case $kind in
		load) kill -INT "$pid" 2>/dev/null || true ;;
		*) touch "$WORK/stop" ;;
		esac
	done
	for entry in "${SESSIONS[@]}"; do
		read -r pid kind <<<"$entry"
		wait "$pid" 2>/dev/null || true
	done
	SESSIONS=()
}
cleanup() {
	stop_sessions
	test_cluster_stop
	[[ -n ${REPARTITION_BENCH_WORK-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT
test_cluster_start

psql_q() { psql -XAtq -v ON_ERROR_STOP=1 "$@"; }
now_ms() { date +%s%3N; }

help=$("$ROOT/bin/repartition" --help)
if [[ $help == *--offline* ]]; then
	MODES=(online offline)
	OFFLINE_FLAG=(--offline)
else
	# today's form is the one-transaction one: it is the offline series
	MODES=(offline)
	OFFLINE_FLAG=()
	echo "repartition_bench: bin/repartition has no --offline: the online series is not available" >&2
fi

# the machine's load (1-minute average) before and after: other work on a
# shared machine is the main noise of these figures
load_before=$(cut -d' ' -f1 /proc/loadavg)
echo "repartition_bench: setup-database --seed-rows $ROWS ..." >&2
"$ROOT/bin/setup-database" --seed-rows "$ROWS" >/dev/null 2>"$WORK/setup.log" || {
	cat "$WORK/setup.log" >&2
	exit 1
}
psql_q -c CHECKPOINT

# every table of the schema with its partition key and bound: what cleanup
# must bring back (the mutator's record of its changes aside)
layout() {
	psql_q -F ' ' -c "SELECT c.relname, c.relkind, coalesce(pg_get_partkeydef(c.oid), '-'),
	                         coalesce(pg_get_expr(c.relpartbound, c.oid), '-')
	                    FROM pg_class AS c
	                   WHERE c.relnamespace = current_schema()::regnamespace
	                     AND c.relkind IN ('r', 'p') AND c.relname <> 'online_mutations'
	                   ORDER BY c.relname"
}
layout >"$WORK/layout.setup"

# the readers' queries, label<TAB>SQL for reader_probe.sh (:r is a random
# number), and which a scenario's two readers run
mkdir -p "$WORK/readers"
cat >"$WORK/readers/queries.tsv" <<SQL
jan_hour	SELECT count(*) FROM event_logs WHERE created_at >= timestamp '2024-01-01' + :r % 744 * interval '1 hour' AND created_at < timestamp '2024-01-01 01:00' + :r % 744 * interval '1 hour'
apr_hour	SELECT count(*) FROM event_logs WHERE created_at >= timestamp '2024-04-01' + :r % 720 * interval '1 hour' AND created_at < timestamp '2024-04-01 01:00' + :r % 720 * interval '1 hour'
event_logs_by_id	SELECT count(*) FROM event_logs WHERE id = 1 + :r % $ROWS
users_by_id	SELECT count(*) FROM users_distributed WHERE id = 1 + :r % $ROWS
users_by_name	SELECT count(*) FROM users_distributed WHERE username = 'probe_' || :r
SQL
# reader_queries SCENARIO moved|whole: the labels of that reader
reader_queries() {
	case $1:$2 in
	add:moved | split:moved) echo apr_hour ;;
	detach:moved) echo jan_hour ;;
	migrate:moved) echo users_by_id ;;
	add:whole | split:whole | detach:whole) echo event_logs_by_id ;;
	migrate:whole) echo users_by_name ;;
	*:moved) echo jan_hour apr_hour users_by_id ;; # cleanup and the baseline
	*:whole) echo event_logs_by_id users_by_name ;;
	esac
}

# window NAME MODE [SCENARIO]: the writer, the mutator and the readers for
# 1 s, the scenario (a baseline: 1 s of nothing), 1 s; then the checks
window() {
	local name=$1 mode=$2 scenario=${3-} dir=$WORK/w/$1 t0 t1 rc=0 probe
	local -a args=(--json)
	mkdir -p "$dir"
	rm -f "$WORK/stop"
	echo "repartition_bench: $name ..." >&2
	printf '%s\t%s\t%s\n' "$name" "$mode" "$scenario" >>"$WORK/windows.tsv"
	"$ROOT/bin/load-data" "$INTERVAL_MS" --progress 0 --json --ledger "$LEDGER" \
		>"$dir/load.json" 2>"$dir/load.err" &
	SESSIONS+=("$! load")
	PGAPPNAME=bench_mutator_$name PGOPTIONS="-c log_min_duration_statement=0" \
		row_mutator "$ROWS" "$WORK/stop" >"$dir/mutator.out" 2>&1 &
	SESSIONS+=("$! mutator")
	for probe in moved whole; do
		grep -E "^($(reader_queries "$scenario" $probe | tr ' ' '|'))"$'\t' "$WORK/readers/queries.tsv" \
			>"$dir/queries_$probe.tsv"
		PGAPPNAME=bench_reader_$name reader_probe "$dir/queries_$probe.tsv" "$WORK/stop" "$PROBE_PAUSE_S" \
			>"$dir/probe_$probe.raw" 2>"$dir/probe_$probe.err" &
		SESSIONS+=("$! probe")
	done
	sleep 1
	t0=$(now_ms)
	if [[ -n $scenario ]]; then
		[[ $mode == offline ]] && args=("${OFFLINE_FLAG[@]}" --json)
		"$ROOT/bin/repartition" "${args[@]}" "$scenario" >"$dir/repartition.json" 2>"$dir/repartition.err" || rc=$?
		echo "$rc" >"$dir/repartition.rc"
	else
		sleep 1
	fi
	t1=$(now_ms)
	sleep 1
	stop_sessions
	printf '%s\t%s\n' "$t0" "$t1" >"$dir/times"
	for probe in moved whole; do
		reader_probe_times "$dir/probe_$probe.raw" >"$dir/probe_$probe.tsv"
	done
	if [[ $rc -ne 0 ]]; then
		echo "repartition_bench: repartition $scenario ($mode) exited $rc:" >&2
		tail -n 5 "$dir/repartition.err" >&2
	fi
	# the checks, over every row written and changed since the start
	rc=0
	"$ROOT/bin/load-data" --verify "$LEDGER" >"$dir/verify.out" 2>&1 || rc=$?
	echo "$rc" >"$dir/verify.rc"
	online_mutation_check >"$dir/mutations.out" 2>&1 || true
	psql_q -c "SELECT coalesce(max(seq), 0) FROM online_mutations" >"$dir/mutations.seq" 2>&1 || true
	# between detach and cleanup the archived month is in event_logs_archive
	grep -v '^#' "$LEDGER" | psql_q -f "$ROOT/bench/sql/repartition_archive_check.sql" >"$dir/archive.out" 2>&1 || true
}

for mode in "${MODES[@]}"; do
	window "${mode}_baseline" "$mode"
	for s in "${SCENARIOS[@]}"; do
		window "${mode}_$s" "$mode" "$s"
	done
	layout >"$WORK/layout.$mode"
done

settings=$(psql_q -c "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name)
                        FROM pg_settings
                       WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers')")
version=$(psql_q -c "SHOW server_version")
report_rc=0
python3 "$ROOT/bench/repartition_report.py" "$WORK" "$TEST_CLUSTER_LOG" "$OUT_DIR/repartition.json" \
	"$ROWS" "$INTERVAL_MS" "$PROBE_PAUSE_S" "${#MODES[@]}" \
	"PostgreSQL $version; $settings; $(nproc) cores, load average $load_before before the run, $(cut -d' ' -f1 /proc/loadavg) after it; $(date -u +%Y-%m-%d)" \
	>"$OUT_DIR/repartition.md" || report_rc=$?
cat "$OUT_DIR/repartition.md"
if [[ $report_rc -ne 0 ]]; then
	[[ ! -s $WORK/problems ]] || echo "repartition_bench: $(cat "$WORK/problems")" >&2
	exit 1
fi
