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
	assert_contains "$OUT" 'invalid interval_ms "0": must be between 1 and 3600000'
	assert_exit 2 "$LOAD" -5
	assert_contains "$OUT" "invalid argument \"-5\": negative numbers are not allowed"
	assert_exit 2 "$LOAD" abc
	assert_contains "$OUT" 'invalid interval_ms "abc": not a whole number'
	assert_exit 2 "$LOAD" 100x
	assert_contains "$OUT" 'invalid interval_ms "100x"'
	assert_exit 2 "$LOAD" 100 0
	assert_contains "$OUT" 'invalid duration_sec "0"'
	assert_exit 2 "$LOAD" 100 5 7
	assert_contains "$OUT" 'unexpected argument "7"'
	assert_exit 2 "$LOAD" --batch 0
	assert_contains "$OUT" 'invalid --batch "0"'
	assert_exit 2 "$LOAD" --max 100
	assert_contains "$OUT" "exclude each other"
	assert_exit 2 "$LOAD" --bogus
	assert_exit 2 env SIMULATOR_INTERVAL_MS=fast "$LOAD"
	assert_contains "$OUT" "SIMULATOR_INTERVAL_MS"
	assert_exit 0 "$LOAD" --help
	assert_contains "$OUT" "[interval_ms] [duration_sec]"
}

run_test timed_run_stops_by_itself_and_counts_match test_timed_run_stops_by_itself_and_counts_match
run_test sigint_prints_summary_and_exits_zero test_sigint_prints_summary_and_exits_zero
run_test server_restart_mid_run_loses_nothing test_server_restart_mid_run_loses_nothing
run_test lock_waits_are_bounded_and_retried test_lock_waits_are_bounded_and_retried
run_test concurrent_processes_never_share_a_username test_concurrent_processes_never_share_a_username
run_test bad_arguments_are_usage_errors test_bad_arguments_are_usage_errors
