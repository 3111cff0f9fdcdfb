# shellcheck shell=bash
# test_repartition_load.sh - bin/repartition while others write, hold locks,
# or the run dies half way: no committed row is lost, lock waits are bounded
# and retried, a failure or kill -9 in the middle of split leaves every row
# in place and the next run works.  Sourced by tests/integration/run.sh.

# shellcheck source=tests/lib/repartition_helpers.sh
source "$ROOT_DIR/tests/lib/repartition_helpers.sh"

# A copy of scripts/ whose 11_split_partition.sql runs $1 (SQL) inside the
# scenario's transaction, just before step $2 (default 8: the end of the
# swap, the month detached and dropped, the weeks attached; offline the
# same transaction holds the copy, online the swap's own).
rp_scripts_with_split_injection() {
	rp_scripts_with_injection 11_split_partition.sql "$1" "${2:-8}"
}

# waits until a session of bin/repartition runs the statement $1
rp_wait_for_statement() {
	until [[ $(sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'repartition'
		AND query = '$1' AND state = 'active'") -ge 1 ]]; do sleep 0.1; done
}

# the post-setup rows are untouched, and the rows above the setup's ids are
# exactly the ledger's
assert_setup_rows_and_ledger() {
	local ledger=$1
	assert_eq "$(PGDATABASE=rp_template rp_fingerprint event_logs)" \
		"$(rp_fingerprint event_logs "id <= $RP_SETUP_MAX_EVENT_ID")" "post-setup rows of event_logs"
	assert_eq "$(PGDATABASE=rp_template rp_fingerprint users_distributed)" \
		"$(rp_fingerprint users_distributed "id <= $RP_SETUP_MAX_USER_ID")" "post-setup rows of users_distributed"
	assert_eq "$(grep -c $'^event_logs\t' "$ledger")" \
		"$(sql "SELECT count(*) FROM event_logs WHERE id > $RP_SETUP_MAX_EVENT_ID")" "event_logs rows written meanwhile"
	assert_eq "$(grep -c $'^users_distributed\t' "$ledger")" \
		"$(sql "SELECT count(*) FROM users_distributed WHERE id > $RP_SETUP_MAX_USER_ID")" "users written meanwhile"
}

test_scenarios_under_concurrent_writes_lose_no_row() {
	rp_fresh_db rp_load_writer
	local dir writer before_count
	dir=$(mktemp -d)
	rp_writer "$dir/ledger" "$dir/errors" "$dir/stop" &
	writer=$!
	sleep 1
	before_count=$(grep -c . "$dir/ledger" || true)
	for s in add add split detach migrate cleanup; do
		assert_exit 0 "$REPARTITION" "$s"
	done
	sleep 1
	touch "$dir/stop"
	wait "$writer"

	[[ $(grep -c . "$dir/ledger") -gt $((before_count + 20)) ]] || fail "the writer wrote too little while the scenarios ran"
	assert_eq "" "$(cat "$dir/errors")" "no insert failed: writers waited for the locks and then routed their rows"
	assert_eq 0 "$(rp_ledger_missing "$dir/ledger")" "committed rows missing"
	assert_setup_rows_and_ledger "$dir/ledger"
	assert_eq "$(PGDATABASE=rp_template rp_layout event_logs)" "$(rp_layout event_logs)"
	# the rows written between the scenarios are where their key says
	assert_eq 0 "$(sql "SELECT count(*) FROM event_logs WHERE tableoid::regclass::text <>
		CASE WHEN created_at >= '2024-01-01' AND created_at < '2024-04-01'
		     THEN 'event_logs_' || to_char(created_at, 'YYYY_MM') ELSE 'event_logs_default' END")"
	rm -rf "$dir"
}

test_scenarios_while_load_data_runs() {
	rp_fresh_db rp_load_data
	local dir loader
	dir=$(mktemp -d)
	"$BIN_DIR/load-data" 50 --ledger "$dir/ledger" --progress 0 >"$dir/out" 2>"$dir/err" &
	loader=$!
	sleep 1
	for s in add add split detach migrate cleanup; do
		assert_exit 0 "$REPARTITION" "$s"
		if [[ $s == detach ]]; then
			# January's rows are in the archive now: there, unchanged, they are not missing
			assert_exit 0 "$BIN_DIR/load-data" --verify "$dir/ledger"
			assert_contains "$OUT" " 0 missing"
			[[ $(sql "SELECT count(*) FROM event_logs_archive WHERE id > $RP_SETUP_MAX_EVENT_ID") -gt 0 ]] ||
				fail "no row of load-data's was archived: the check above checked nothing of the archive"
		fi
	done
	sleep 1
	kill -0 "$loader" 2>/dev/null || fail "load-data stopped before the end: $(tail -n 5 "$dir/err")"
	kill -INT "$loader"
	wait "$loader" || fail "load-data did not exit 0 after SIGINT: $(tail -n 5 "$dir/err")"
	[[ $(grep -c . "$dir/ledger") -gt 20 ]] || fail "load-data wrote too little: $(tail -n 5 "$dir/err")"
	assert_exit 0 "$BIN_DIR/load-data" --verify "$dir/ledger"
	assert_contains "$OUT" " 0 missing"
	assert_setup_rows_and_ledger "$dir/ledger"
	rm -rf "$dir"
}

# holds a writer's lock on event_logs, in the background, until a session of
# bin/repartition has waited for it and stopped waiting (its attempt timed
# out and rolled back): the first attempt fails whatever the machine's speed
rp_hold_writer_lock_past_one_timeout() {
	PGAPPNAME=rp_lock_holder psql -XAtq -v ON_ERROR_STOP=1 >/dev/null <<-'SQL' &
		BEGIN;
		LOCK TABLE ONLY event_logs IN ROW EXCLUSIVE MODE;
		DO $$
		DECLARE
		    waited boolean := false;
		    waiting boolean;
		    deadline timestamptz := clock_timestamp() + interval '60 seconds';
		BEGIN
		    LOOP
		        PERFORM pg_stat_clear_snapshot();
		        waiting := EXISTS (SELECT FROM pg_stat_activity AS a
		                            WHERE a.application_name = 'repartition'
		                              AND pg_backend_pid() = ANY (pg_blocking_pids(a.pid)));
		        EXIT WHEN waited AND NOT waiting;
		        waited := waited OR waiting;
		        IF clock_timestamp() > deadline THEN
		            RAISE EXCEPTION 'bin/repartition did not wait for this lock and time out within 60 s';
		        END IF;
		        PERFORM pg_sleep(0.02);
		    END LOOP;
		END $$;
		COMMIT;
	SQL
	until [[ $(sql "SELECT count(*) FROM pg_locks WHERE relation = 'event_logs'::regclass
		AND mode = 'RowExclusiveLock' AND granted") -ge 1 ]]; do sleep 0.05; done
}

test_lock_timeout_is_retried() {
	rp_fresh_db rp_lock_retry
	local print
	print=$(rp_fingerprint event_logs)
	# the scenario's LOCK waits 2 s (--lock-timeout's default), fails with
	# 55P03: with one attempt allowed, it gives up and nothing is applied
	rp_hold_writer_lock_past_one_timeout
	assert_exit 1 "$REPARTITION" --offline --attempts 1 add
	assert_contains "$OUT" "lock not granted in 1 attempt (lock_timeout 2000 ms each, SQLSTATE 55P03)"
	assert_contains "$OUT" "gave up after 1 attempt:"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_class WHERE relname = 'event_logs_2024_04'")" "nothing applied"
	wait

	# by default it rolls back, waits and tries again, and gets through
	rp_hold_writer_lock_past_one_timeout
	assert_exit 0 "$REPARTITION" --offline add
	assert_contains "$OUT" "10_add_new_partition.sql:"
	assert_contains "$OUT" "(SQLSTATE 55P03)"
	assert_contains "$OUT" "rolled back attempt 1 of 10"
	assert_contains "$OUT" "rows into event_logs_2024_04"
	assert_eq "$print" "$(rp_fingerprint event_logs)"
	wait
}

test_failure_in_the_middle_of_split_leaves_data_complete() {
	rp_fresh_db rp_split_failure
	local scripts print layout
	print=$(rp_fingerprint event_logs)
	layout=$(rp_layout event_logs)
	scripts=$(rp_scripts_with_split_injection "DO \$\$ BEGIN RAISE EXCEPTION 'injected failure after the swap (month gone: %)',
		to_regclass('event_logs_2024_03') IS NULL; END \$\$")

	assert_exit 1 "$REPARTITION" --offline --scripts "$scripts" split
	assert_contains "$OUT" "injected failure after the swap (month gone: t)"
	assert_contains "$OUT" "11_split_partition.sql:"
	assert_contains "$OUT" "nothing of it was applied"
	assert_eq "$print" "$(rp_fingerprint event_logs)" "all rows still in event_logs"
	assert_eq "$layout" "$(rp_layout event_logs)" "the month is attached again, as before"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_class WHERE relname LIKE 'event_logs_2024_03_w%'")" "no weekly table left"

	assert_exit 0 "$REPARTITION" split
	assert_contains "$OUT" "splitting event_logs_2024_03 into 5 weekly partitions"
	assert_eq "$print" "$(rp_fingerprint event_logs)"
	rm -rf "$(dirname "$scripts")"
}

test_kill_9_in_the_middle_of_split_leaves_data_complete() {
	rp_fresh_db rp_split_kill
	local scripts print layout victim
	print=$(rp_fingerprint event_logs)
	layout=$(rp_layout event_logs)
	scripts=$(rp_scripts_with_split_injection "SELECT pg_sleep(120)")

	"$REPARTITION" --offline --scripts "$scripts" split >/dev/null 2>&1 &
	victim=$!
	rp_wait_for_statement "SELECT pg_sleep(120)"
	# the month is detached inside the victim's transaction: readers wait for its lock
	kill -9 "$victim"
	wait "$victim" || true

	# the server notices the dead client within a second (client_connection_check_interval)
	# and rolls back; the next run waits for the lock, retrying, and completes
	TEST_CMD_TIMEOUT=60 assert_exit 0 "$REPARTITION" split
	assert_contains "$OUT" "splitting event_logs_2024_03 into 5 weekly partitions"
	assert_eq "$print" "$(rp_fingerprint event_logs)" "all rows in event_logs"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(120)'")" \
		"the killed run's backend is gone"
	assert_exit 0 "$REPARTITION" cleanup
	assert_eq "$layout" "$(rp_layout event_logs)"
	rm -rf "$(dirname "$scripts")"
}

test_split_lets_readers_read_while_it_copies() {
	rp_fresh_db rp_split_locks
	local scripts splitter writer
	# hold the scenario for 3 s at the end of its copy, before the detach
	scripts=$(rp_scripts_with_split_injection "SELECT pg_sleep(3)" 6)
	"$REPARTITION" --offline --scripts "$scripts" split >"$TMPDIR/split.out" 2>&1 &
	splitter=$!
	rp_wait_for_statement "SELECT pg_sleep(3)"

	# readers go on (EXCLUSIVE admits ACCESS SHARE) ...
	assert_exit 0 psql -XAtq -c "SET lock_timeout = '500ms'" -c "SELECT count(*) FROM event_logs WHERE created_at < '2024-03-20'"
	# ... writers wait: one that gives up quickly fails with 55P03 ...
	assert_exit 1 psql -XAtq -v ON_ERROR_STOP=1 -c "SET lock_timeout = '500ms'" \
		-c "INSERT INTO event_logs (event_type, user_id, created_at) VALUES ('w', 1, '2024-03-10')"
	assert_contains "$OUT" "lock timeout"
	# ... one that waits routes its row after the commit, into the new week:
	# not into the detached month, not failing on DEFAULT's constraint
	psql -XAtq -c "INSERT INTO event_logs (event_type, user_id, created_at)
		VALUES ('waited', 1, '2024-03-10 12:00') RETURNING tableoid::regclass" >"$TMPDIR/writer.out" 2>&1 &
	writer=$!
	wait "$splitter" || fail "split failed: $(cat "$TMPDIR/split.out")"
	wait "$writer" || fail "the waiting insert failed: $(cat "$TMPDIR/writer.out")"
	assert_eq event_logs_2024_03_w2 "$(cat "$TMPDIR/writer.out")"
	rm -rf "$(dirname "$scripts")"
}

run_test scenarios_under_concurrent_writes_lose_no_row test_scenarios_under_concurrent_writes_lose_no_row
run_test scenarios_while_load_data_runs test_scenarios_while_load_data_runs
run_test split_lets_readers_read_while_it_copies test_split_lets_readers_read_while_it_copies
run_test lock_timeout_is_retried test_lock_timeout_is_retried
run_test failure_in_the_middle_of_split_leaves_data_complete test_failure_in_the_middle_of_split_leaves_data_complete
run_test kill_9_in_the_middle_of_split_leaves_data_complete test_kill_9_in_the_middle_of_split_leaves_data_complete
