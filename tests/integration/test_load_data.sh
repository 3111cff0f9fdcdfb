# shellcheck shell=bash
# test_load_data.sh - bin/load-data against the real throwaway server: timed
# runs, SIGINT, a server restart under load (ledger verified), lock waits,
# concurrent processes and bad arguments.  Sourced by tests/integration/run.sh.

LOAD=$BIN_DIR/load-data

fresh_database load_data
"$BIN_DIR/setup-database" --seed-rows 500 >"$TESTLIB_LOG_DIR/load_data_setup.log" 2>&1 ||
	_testlib_record_fail "setup for load-data tests (see load_data_setup.log)"

# "event_logs|users_distributed|orders_by_region|sales_data" row counts
table_counts() {
	sql "SELECT (SELECT count(*) FROM event_logs) || ' ' || (SELECT count(*) FROM users_distributed)
	      || ' ' || (SELECT count(*) FROM orders_by_region) || ' ' || (SELECT count(*) FROM sales_data)"
}

# committed counts per table from a --json document on stdin, in table_counts order
json_committed() {
	python3 -c 'import json,sys; d=json.load(sys.stdin)["tables"]
print(" ".join(str(d[t]["committed"]) for t in ("event_logs","users_distributed","orders_by_region","sales_data")))'
}

# adds two "a b c d" vectors
add_counts() {
	local -a x y
	read -ra x <<<"$1"
	read -ra y <<<"$2"
	echo "$((x[0] + y[0])) $((x[1] + y[1])) $((x[2] + y[2])) $((x[3] + y[3]))"
}

test_timed_run_stops_by_itself_and_counts_match() {
	local before after committed
	before=$(table_counts)
	assert_exit 0 "$LOAD" 20 2 --batch 5 --json --seed 7
	committed=$(json_committed <<<"$STDOUT")
	after=$(table_counts)
	assert_eq "$(add_counts "$before" "$committed")" "$after" "database deltas equal the reported counts"
	assert_eq 0 "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["failed_rows"])' <<<"$STDOUT")"
	local total
	total=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["committed_rows"])' <<<"$STDOUT")
	# 2 s at one transaction of 5 rows per 20 ms: about 500 rows; generous bounds for a busy machine
	((total >= 50 && total <= 600)) || fail "committed $total rows, expected 50..600"
	# the new rows follow the partitions: events in the months or in DEFAULT's months
	assert_eq 0 "$(sql "SELECT count(*) FROM event_logs WHERE created_at < '2024-01-01' OR created_at >= '2024-07-01'")"
}

test_sigint_prints_summary_and_exits_zero() {
	local before after pid out status=0
	before=$(table_counts)
	out=$(mktemp)
	"$LOAD" 10 --batch 3 >"$out" 2>&1 &
	pid=$!
	sleep 2
	kill -INT "$pid"
	wait "$pid" || status=$?
	assert_eq 0 "$status" "exit status after SIGINT"
	assert_contains "$(<"$out")" "load-data summary"
	assert_contains "$(<"$out")" "Rows per partition now"
	after=$(table_counts)
	# the text summary's per-table committed counts equal the database deltas
	local committed
	committed=$(awk '$1 ~ /^(event_logs|users_distributed|orders_by_region|sales_data)$/ && NF == 3 {gsub(",", "", $2); printf "%s ", $2}' "$out")
	assert_eq "$(add_counts "$before" "${committed% }")" "$after" "database deltas equal the summary"
	rm -f "$out"
}

test_server_restart_mid_run_loses_nothing() {
	local ledger out pid status=0
	ledger=$(mktemp)
	out=$(mktemp)
	"$LOAD" 20 --batch 4 --ledger "$ledger" --json >"$out" 2>"$out.err" &
	pid=$!
	sleep 2
	local before_restart
	before_restart=$(wc -l <"$ledger")
	pgc_stop "$TEST_CLUSTER_DATADIR" >/dev/null
	sleep 2
	test_cluster_restart >/dev/null
	sleep 3
	kill -INT "$pid"
	wait "$pid" || status=$?
	assert_eq 0 "$status" "load-data exit status (stderr: $(tail -3 "$out.err"))"
	assert_contains "$(<"$out.err")" "lost the connection"
	assert_contains "$(<"$out.err")" "reconnected"
	(($(wc -l <"$ledger") > before_restart)) || fail "no rows committed after the restart"
	assert_eq 1 "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["reconnects"])' <"$out")"
	assert_exit 0 "$LOAD" --verify "$ledger"
	assert_contains "$OUT" "0 missing"
	# the check can fail: a row deleted behind the ledger's back is reported
	local id
	id=$(awk -F'\t' '$1 == "sales_data" {print $2; exit}' "$ledger")
	sql "DELETE FROM sales_data WHERE id = $id" >/dev/null
	assert_exit 1 "$LOAD" --verify "$ledger"
	assert_contains "$OUT" "missing: sales_data id $id"
	rm -f "$ledger" "$out" "$out.err"
}

test_lock_waits_are_bounded_and_retried() {
	local ledger out pid status=0 holder
	ledger=$(mktemp)
	out=$(mktemp)
	# a session holds ACCESS EXCLUSIVE on event_logs for 3 s, as a DETACH would
	psql -XAtq -c "BEGIN; LOCK TABLE event_logs IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(3); COMMIT;" >/dev/null &
	holder=$!
	sleep 0.5
	"$LOAD" --max --batch 20 --rows 400 --lock-timeout 300 --ledger "$ledger" --json >"$out" 2>"$out.err" || status=$?
	wait "$holder"
	assert_eq 0 "$status" "load-data exit status (stderr: $(tail -3 "$out.err"))"
	assert_contains "$(<"$out.err")" "lock timeout"
	local retries
	retries=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["retries"], d["committed_rows"], d["failed_rows"])' <"$out")
	read -r r committed failed <<<"$retries"
	((r >= 2)) || fail "expected several retries while the lock was held, got $r"
	assert_eq 400 "$committed"
	assert_eq 0 "$failed"
	assert_exit 0 "$LOAD" --verify "$ledger"
	rm -f "$ledger" "$out" "$out.err"
}

test_concurrent_processes_never_share_a_username() {
	local a b status_a=0 status_b=0
	a=$(mktemp)
	b=$(mktemp)
	# the same seed on purpose: values repeat, names must not
	"$LOAD" --max --batch 200 --rows 4000 --seed 1 --json >"$a" 2>/dev/null &
	local pid_a=$!
	"$LOAD" --max --batch 200 --rows 4000 --seed 1 --json >"$b" 2>/dev/null || status_b=$?
	wait "$pid_a" || status_a=$?
	assert_eq "0 0" "$status_a $status_b" "both processes succeed"
	assert_eq 0 "$(sql "SELECT count(*) - count(DISTINCT username) FROM users_distributed")" "duplicate usernames"
	assert_eq "0 0" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["failed_rows"], json.load(open(sys.argv[2]))["failed_rows"])' "$a" "$b")"
	rm -f "$a" "$b"
}

test_bad_arguments_are_usage_errors() {
	assert_exit 2 "$LOAD" 0
	assert_contains "$OUT" 'invalid value "0" for interval_ms: must be an integer between 1 and 3600000'
	assert_exit 2 "$LOAD" -5
	assert_contains "$OUT" "invalid argument \"-5\": negative numbers are not allowed"
	assert_exit 2 "$LOAD" abc
	assert_contains "$OUT" 'invalid value "abc" for interval_ms: must be an integer between 1 and 3600000'
	assert_exit 2 "$LOAD" 100x
	assert_contains "$OUT" 'invalid value "100x" for interval_ms'
	assert_exit 2 "$LOAD" 100 0
	assert_contains "$OUT" 'invalid value "0" for duration_sec: must be an integer between 1 and 315360000'
	assert_exit 2 "$LOAD" 100 5 7
	assert_contains "$OUT" 'unexpected argument "7"'
	assert_exit 2 "$LOAD" --batch 0
	assert_contains "$OUT" 'invalid value "0" for option --batch: must be an integer between 1 and 100000'
	assert_exit 2 "$LOAD" --max 100
	assert_contains "$OUT" "exclude each other"
	assert_exit 2 "$LOAD" --bogus
	assert_exit 2 "$LOAD" --allow-changed 10 1
	assert_contains "$OUT" "--allow-changed needs --verify"
	assert_exit 2 env SIMULATOR_INTERVAL_MS=fast "$LOAD"
	assert_contains "$OUT" "SIMULATOR_INTERVAL_MS"
	assert_exit 0 "$LOAD" --help
	assert_contains "$OUT" "[interval_ms] [duration_sec]"
}

# ---- the ledger: header, checksums, and what --verify accepts ----

# ledger_of FILE ROWS: a ledger of one load-data run of ROWS rows
ledger_of() {
	assert_exit 0 "$LOAD" --max --batch 50 --rows "$2" --progress 0 --ledger "$1"
}

# the ids of a table in a ledger, sorted
ledger_ids() {
	awk -F'\t' -v t="$2" '$1 == t {print $2}' "$1" | sort -n
}

test_verify_refuses_empty_and_random_ledgers() {
	local dir
	dir=$(mktemp -d)
	: >"$dir/empty"
	assert_exit 1 "$LOAD" --verify "$dir/empty"
	assert_contains "$STDERR" 'ledger "'"$dir"'/empty" is empty: nothing to check'
	assert_not_contains "$OUT" "0 missing"
	head -c 4096 /dev/urandom >"$dir/random"
	assert_exit 1 "$LOAD" --verify "$dir/random"
	assert_contains "$STDERR" "is no ledger: its first line is not a ledger header"
	assert_not_contains "$OUT" "rows checked"
	# a ledger of the old format (no header, no checksums)
	printf 'event_logs\t1\nsales_data\t2\n' >"$dir/old"
	assert_exit 1 "$LOAD" --verify "$dir/old"
	assert_contains "$STDERR" "is no ledger"
	# 7,400 malformed lines, with or without a header before them
	seq 7400 | sed 's/^/garbage /' >"$dir/garbage"
	assert_exit 1 "$LOAD" --verify "$dir/garbage"
	assert_contains "$STDERR" "is no ledger"
	ledger_of "$dir/real" 10
	{ head -n 1 "$dir/real"; cat "$dir/garbage"; } >"$dir/headed_garbage"
	assert_exit 1 "$LOAD" --verify "$dir/headed_garbage"
	assert_contains "$STDOUT" "0 rows checked, 0 missing, 0 changed, 7400 malformed lines"
	assert_contains "$STDERR" "has no row to check"
	# a header alone: a run that committed nothing checks nothing
	head -n 1 "$dir/real" >"$dir/header_only"
	assert_exit 1 "$LOAD" --verify "$dir/header_only"
	assert_contains "$STDERR" "has no row to check"
	rm -rf "$dir"
}

test_verify_fails_when_many_lines_are_malformed() {
	local dir
	dir=$(mktemp -d)
	ledger_of "$dir/ledger" 300
	assert_eq 301 "$(wc -l <"$dir/ledger")" "a header and 300 rows"
	# mostly malformed: 300 good rows among 900 damaged ones
	{ head -n 1 "$dir/ledger"; tail -n +2 "$dir/ledger" | while IFS= read -r line; do
		printf '%s\n%s\n%s\n%s\n' "$line" "${line:0:20}" "${line/$'\t'/ }" "x${line}"
	done; } >"$dir/mostly"
	assert_exit 1 "$LOAD" --verify "$dir/mostly"
	assert_contains "$STDOUT" "300 rows checked, 0 missing, 0 changed, 900 malformed lines"
	assert_contains "$STDERR" "900 of the ledger's 1200 row lines are malformed (the first is line 3)"
	# a few: under 1% passes, with a warning
	{ cat "$dir/ledger"; echo "sales_data	12	nonsense"; } >"$dir/few"
	assert_exit 0 "$LOAD" --verify "$dir/few"
	assert_contains "$STDERR" "1 malformed line ignored (the first is line 302)"
	# a last line cut short by a crash is no damage, even in a small ledger
	head -n 12 "$dir/ledger" >"$dir/cut"
	printf '%s' "$(sed -n 13p "$dir/ledger" | cut -c1-25)" >>"$dir/cut"
	assert_exit 0 "$LOAD" --verify "$dir/cut"
	assert_contains "$STDOUT" "11 rows checked, 0 missing, 0 changed, 0 malformed lines"
	assert_contains "$STDERR" "1 line cut short at the end of a run"
	rm -rf "$dir"
}

test_verify_ledger_of_another_database_fails() {
	local dir before other_before
	dir=$(mktemp -d)
	ledger_of "$dir/ledger" 200
	cp "$dir/ledger" "$dir/ledger.orig"
	assert_exit 0 "$LOAD" --verify "$dir/ledger"
	# a second database on the same cluster, set up the same way: same tables,
	# and, its sequences moved to the ledger's first ids and more rows written
	# than the ledger has, every id of the ledger
	fresh_database load_data_other
	"$BIN_DIR/setup-database" --seed-rows 500 >/dev/null 2>&1 || fail "setup of load_data_other"
	for t in event_logs users_distributed orders_by_region sales_data; do
		sql "SELECT setval(pg_get_serial_sequence('$t', 'id'), $(ledger_ids "$dir/ledger" "$t" | sed -n 1p) - 1)" >/dev/null
	done
	ledger_of "$dir/other" 1000
	for t in event_logs users_distributed orders_by_region sales_data; do
		assert_eq "$(ledger_ids "$dir/ledger" "$t" | wc -l)" "$(sql "SELECT count(*) FROM $t
			WHERE id IN ($(ledger_ids "$dir/ledger" "$t" | paste -sd, -))")" "ids of $t in the other database"
	done
	assert_exit 1 "$LOAD" --verify "$dir/ledger"
	assert_contains "$STDERR" "belongs to another database"
	assert_contains "$STDERR" 'this one: database "load_data_other"'
	assert_not_contains "$OUT" "rows checked"
	# appending a run on it to the first database's ledger is refused at start
	other_before=$(table_counts)
	assert_exit 1 "$LOAD" 10 2 --ledger "$dir/ledger"
	assert_contains "$STDERR" "belongs to another database: its rows would be mixed"
	assert_eq "$other_before" "$(table_counts)" "rows written after the refusal"
	cmp -s "$dir/ledger" "$dir/ledger.orig" || fail "the refused run changed the ledger"
	# two ledgers glued together: a run of another database in the middle
	cat "$dir/other" >>"$dir/ledger"
	export POSTGRES_DB=load_data PGDATABASE=load_data
	assert_exit 1 "$LOAD" --verify "$dir/ledger"
	assert_contains "$STDERR" "belongs to another database in part"
	assert_contains "$STDERR" "line 202 starts a run on a database other than the first run's"
	# a copy of the first database holds its rows: checked, and said so; appending is refused
	psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS load_data_copy" \
		-c "CREATE DATABASE load_data_copy TEMPLATE load_data" >/dev/null
	POSTGRES_DB=load_data_copy assert_exit 0 "$LOAD" --verify "$dir/ledger.orig"
	assert_contains "$STDOUT" 'checked on "load_data_copy"'
	assert_contains "$STDOUT" "a copy with the same database id"
	assert_contains "$STDOUT" "200 rows checked, 0 missing, 0 changed"
	POSTGRES_DB=load_data_copy assert_exit 1 "$LOAD" --max --rows 10 --ledger "$dir/ledger.orig"
	assert_contains "$STDERR" "(a copy of this one, or its original)"
	# tables without the project's bookkeeping: no identity to check against
	fresh_database load_data_bare
	psql -XAtq -v ON_ERROR_STOP=1 -1 -f "$ROOT_DIR/scripts/lib/partition_demo.sql" \
		-f "$ROOT_DIR/scripts/00_setup_base_tables.sql" -c "DROP TABLE partition_demo.database_identity" >/dev/null
	assert_exit 1 "$LOAD" --verify "$dir/ledger.orig"
	assert_contains "$STDERR" 'database "load_data_bare" has no identity for a ledger'
	assert_contains "$STDERR" "hint: run bin/setup-database"
	psql -XAtq -d postgres -c "DROP DATABASE load_data_copy" -c "DROP DATABASE load_data_other WITH (FORCE)" \
		-c "DROP DATABASE load_data_bare" >/dev/null
	rm -rf "$dir"
}

test_verify_reports_changed_and_deleted_rows() {
	local dir changed deleted
	dir=$(mktemp -d)
	ledger_of "$dir/ledger" 400
	# every checksum is the committed row's, computed here independently
	assert_eq 0 "$(psql -XAtq -v ON_ERROR_STOP=1 \
		-c "CREATE TEMP TABLE l (tbl text, id bigint, sum text)" \
		-c "\\copy l FROM PROGRAM 'tail -n +2 $dir/ledger'" \
		-c "SELECT count(*) FROM l WHERE sum IS DISTINCT FROM CASE tbl
		      WHEN 'event_logs' THEN (SELECT md5(to_jsonb(t)::text) FROM event_logs t WHERE t.id = l.id)
		      WHEN 'users_distributed' THEN (SELECT md5(to_jsonb(t)::text) FROM users_distributed t WHERE t.id = l.id)
		      WHEN 'orders_by_region' THEN (SELECT md5(to_jsonb(t)::text) FROM orders_by_region t WHERE t.id = l.id)
		      WHEN 'sales_data' THEN (SELECT md5(to_jsonb(t)::text) FROM sales_data t WHERE t.id = l.id) END")" \
		"ledger lines whose checksum is not the row's"
	assert_exit 0 "$LOAD" --verify "$dir/ledger"
	assert_contains "$STDOUT" "400 rows checked, 0 missing, 0 changed, 0 malformed lines (1 run)"
	# a value changed behind the ledger's back (the id and the key stay)
	changed=$(ledger_ids "$dir/ledger" orders_by_region | sed -n 1p)
	sql "UPDATE orders_by_region SET order_total = order_total + 0.01 WHERE id = $changed" >/dev/null
	assert_exit 1 "$LOAD" --verify "$dir/ledger"
	assert_contains "$STDOUT" "400 rows checked, 0 missing, 1 changed"
	assert_eq "load-data: error: changed: orders_by_region id $changed" "$(grep 'changed: ' <<<"$STDERR")"
	assert_contains "$STDERR" "--allow-changed"
	# allowed: reported, not a failure
	assert_exit 0 "$LOAD" --verify "$dir/ledger" --allow-changed
	assert_contains "$STDERR" "warning: changed: orders_by_region id $changed"
	# changed back: the checksum is of the content, not of the row version
	sql "UPDATE orders_by_region SET order_total = order_total - 0.01 WHERE id = $changed" >/dev/null
	assert_exit 0 "$LOAD" --verify "$dir/ledger"
	# a row deleted fails whatever is allowed
	deleted=$(ledger_ids "$dir/ledger" users_distributed | tail -n 1)
	sql "DELETE FROM users_distributed WHERE id = $deleted" >/dev/null
	assert_exit 1 "$LOAD" --verify "$dir/ledger" --allow-changed
	assert_contains "$STDOUT" "400 rows checked, 1 missing, 0 changed"
	assert_eq "load-data: error: missing: users_distributed id $deleted" "$(grep 'missing: ' <<<"$STDERR")"
	assert_contains "$STDERR" "1 committed row is missing"
	rm -rf "$dir"
}

test_ledger_of_two_appended_runs() {
	local dir before after
	dir=$(mktemp -d)
	before=$(sql "SELECT (SELECT max(id) FROM event_logs) || ' ' || (SELECT max(id) FROM users_distributed)
		|| ' ' || (SELECT max(id) FROM orders_by_region) || ' ' || (SELECT max(id) FROM sales_data)")
	assert_exit 0 "$LOAD" 5 1 --batch 3 --progress 0 --ledger "$dir/ledger"
	ledger_of "$dir/ledger" 500
	assert_eq 2 "$(grep -c '^# load-data ledger v2	' "$dir/ledger")" "one header per run"
	assert_exit 0 "$LOAD" --verify "$dir/ledger"
	assert_contains "$STDOUT" "(2 runs)"
	# the ledger claims exactly the rows written since: independently known from the ids
	local -a max
	read -ra max <<<"$before"
	local i=0
	for t in event_logs users_distributed orders_by_region sales_data; do
		assert_eq "$(sql "SELECT string_agg(id::text, ' ' ORDER BY id) FROM $t WHERE id > ${max[i]}")" \
			"$(ledger_ids "$dir/ledger" "$t" | paste -sd' ')" "$t rows written and ledger lines"
		i=$((i + 1))
	done
	after=$(($(wc -l <"$dir/ledger") - 2))
	assert_contains "$STDOUT" "$after rows checked, 0 missing, 0 changed, 0 malformed lines"
	# a run killed in the middle of a line, then a third run: the cut line stays apart
	printf 'sales_data\t99' >>"$dir/ledger"
	ledger_of "$dir/ledger" 20
	assert_exit 0 "$LOAD" --verify "$dir/ledger"
	assert_contains "$STDOUT" "$((after + 20)) rows checked, 0 missing, 0 changed, 0 malformed lines (3 runs)"
	assert_contains "$STDERR" "1 line cut short at the end of a run"
	rm -rf "$dir"
}

run_test timed_run_stops_by_itself_and_counts_match test_timed_run_stops_by_itself_and_counts_match
run_test sigint_prints_summary_and_exits_zero test_sigint_prints_summary_and_exits_zero
run_test server_restart_mid_run_loses_nothing test_server_restart_mid_run_loses_nothing
run_test lock_waits_are_bounded_and_retried test_lock_waits_are_bounded_and_retried
run_test concurrent_processes_never_share_a_username test_concurrent_processes_never_share_a_username
run_test bad_arguments_are_usage_errors test_bad_arguments_are_usage_errors
run_test verify_refuses_empty_and_random_ledgers test_verify_refuses_empty_and_random_ledgers
run_test verify_fails_when_many_lines_are_malformed test_verify_fails_when_many_lines_are_malformed
run_test verify_ledger_of_another_database_fails test_verify_ledger_of_another_database_fails
run_test verify_reports_changed_and_deleted_rows test_verify_reports_changed_and_deleted_rows
run_test ledger_of_two_appended_runs test_ledger_of_two_appended_runs
