# shellcheck shell=bash
# test_repartition_locks.sh - every lock wait of bin/repartition is bounded and
# names who holds the lock: the scenario's (--lock-timeout, retried
# --attempts times), the helpers file's (the same), and the reads of the
# partition trees before and after (the session's lock_timeout,
# LOCK_TIMEOUT_MS, which every connection sets unless PGOPTIONS gives it a
# bound of its own). A session idle in transaction holds the lock.
# Sourced by tests/integration/run.sh.

# shellcheck source=tests/lib/repartition_helpers.sh
source "$ROOT_DIR/tests/lib/repartition_helpers.sh"

# rl_hold STATEMENTS: a session (application_name rl_holder, backend pid in
# RL_HOLDER_PID) runs STATEMENTS after BEGIN and stays idle in transaction,
# holding its locks, until rl_release commits (60 s at most); returns once
# the last of them is done
rl_hold() {
	local release
	release=$(mktemp -d)/release
	RL_RELEASE=$release
	{
		echo "BEGIN;"
		echo "$1"
		echo "SELECT 'rl_holder ready';"
		for ((i = 0; i < 600; i++)); do
			[[ -e $release ]] && break
			sleep 0.1
		done
		echo "COMMIT;"
	} | PGAPPNAME=rl_holder psql -XAtq -v ON_ERROR_STOP=1 >/dev/null &
	RL_HOLDER_JOB=$!
	local deadline=$((SECONDS + 30))
	until [[ $(sql "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
		AND application_name = 'rl_holder' AND state = 'idle in transaction'
		AND query = 'SELECT ''rl_holder ready'';'") == 1 ]]; do
		((SECONDS < deadline)) || fail "the lock holder did not get its locks within 30 s"
		sleep 0.05
	done
	RL_HOLDER_PID=$(sql "SELECT pid FROM pg_stat_activity WHERE datname = current_database()
		AND application_name = 'rl_holder'")
}

rl_release() {
	touch "$RL_RELEASE"
	wait "$RL_HOLDER_JOB"
}

# EXIT trap: a failed test leaves nothing holding a lock
rl_cleanup() {
	if [[ -n ${RL_RELEASE-} ]]; then
		touch "$RL_RELEASE" 2>/dev/null || true
	fi
}

RL_WRITER="INSERT INTO event_logs (event_type, user_id, created_at) VALUES ('rl_holder', 1, '2024-02-10 12:00');"
RL_EXCLUSIVE="LOCK TABLE event_logs IN ACCESS EXCLUSIVE MODE;"

# (a) a writer idle in its transaction: the scenario's EXCLUSIVE lock is not
# granted; each attempt waits --lock-timeout, names the writer, and after
# --attempts the run gives up with nothing applied
test_repartition_lock_holder_named_in_every_retry_then_gives_up() {
	trap rl_cleanup EXIT
	rp_fresh_db rl_retries
	local print layout lock_line
	print=$(rp_fingerprint event_logs)
	layout=$(rp_layout event_logs)
	lock_line=$(grep -n '^LOCK TABLE event_logs IN EXCLUSIVE MODE' "$ROOT_DIR/scripts/repartition/10_add_new_partition.sql" | cut -d: -f1)
	[[ -n $lock_line ]] || fail "no LOCK TABLE event_logs line in 10_add_new_partition.sql"
	rl_hold "$RL_WRITER"

	TEST_CMD_TIMEOUT=60 assert_exit 1 "$REPARTITION" --offline --lock-timeout 200 --attempts 3 add
	assert_contains "$OUT" "10_add_new_partition.sql:$lock_line: lock not granted within 200 ms (SQLSTATE 55P03)"
	assert_eq 2 "$(grep -c "lock not granted within 200 ms" <<<"$OUT")" "one warning per attempt but the last"
	assert_contains "$OUT" "rolled back attempt 2 of 3; trying again in"
	assert_contains "$OUT" "10_add_new_partition.sql:$lock_line: lock not granted in 3 attempts (lock_timeout 200 ms each, SQLSTATE 55P03)"
	assert_eq 3 "$(grep -c "detail: oldest holder of a lock on event_logs: pid $RL_HOLDER_PID, idle in transaction for" <<<"$OUT")" \
		"the holder is named after every attempt"
	assert_contains "$OUT" "RowExclusiveLock, application \"rl_holder\""
	assert_contains "$OUT" "scenario \"add\" failed; its transaction was rolled back, nothing changed"
	assert_contains "$OUT" "run repartition add again, or raise --lock-timeout / --attempts"

	# nothing applied: the layout and every row as before (the holder's row is not committed)
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_class WHERE relname = 'event_logs_2024_04'")"
	assert_eq "$layout" "$(rp_layout event_logs)"
	assert_eq "$print" "$(rp_fingerprint event_logs)"

	rl_release
	assert_exit 0 "$REPARTITION" --offline --lock-timeout 200 --attempts 3 add
	assert_not_contains "$OUT" "lock not granted"
	assert_contains "$OUT" "rows into event_logs_2024_04"
	assert_eq 1 "$(sql "SELECT count(*) FROM event_logs WHERE event_type = 'rl_holder'")"
}

# (b) ACCESS EXCLUSIVE held on event_logs: the count of its partitions before
# the scenario waits LOCK_TIMEOUT_MS, not until the holder ends; the run
# names the holder and changes nothing. (Before, that wait had no bound.)
test_repartition_state_read_behind_access_exclusive_is_bounded() {
	trap rl_cleanup EXIT
	rp_fresh_db rl_state_read
	local layout
	layout=$(rp_layout event_logs)
	rl_hold "$RL_EXCLUSIVE"

	TEST_CMD_TIMEOUT=30 assert_exit 1 env LOCK_TIMEOUT_MS=300 "$REPARTITION" add
	assert_contains "$OUT" "error: canceling statement due to lock timeout (SQLSTATE 55P03)"
	assert_contains "$OUT" "detail: oldest holder of a lock on event_logs: pid $RL_HOLDER_PID, idle in transaction for"
	assert_contains "$OUT" "AccessExclusiveLock, application \"rl_holder\""
	assert_contains "$OUT" "hint: nothing was changed: end the transaction named above"
	assert_contains "$OUT" "raise LOCK_TIMEOUT_MS"
	assert_not_contains "$OUT" "running "
	# --json says the same on stderr and prints its document
	TEST_CMD_TIMEOUT=30 assert_exit 1 env LOCK_TIMEOUT_MS=300 "$REPARTITION" --json add
	assert_contains "$STDERR" "oldest holder of a lock on event_logs: pid $RL_HOLDER_PID"
	assert_eq failed "$(rp_json_field "$STDOUT" '{status}')"
	# the dry run connects to nothing, so waits for nothing
	TEST_CMD_TIMEOUT=30 assert_exit 0 "$REPARTITION" --dry-run add
	assert_contains "$STDOUT" "not available within"

	rl_release
	assert_eq "$layout" "$(rp_layout event_logs)"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_class WHERE relname = 'event_logs_2024_04'")"
}

# (b) someone ran the helpers file by hand in a transaction and left it open:
# bin/repartition's own run of it (COMMENT ON SCHEMA, CREATE OR REPLACE
# FUNCTION wait for that transaction) is retried with --lock-timeout, names
# the open transaction (no table is involved), and gives up
test_repartition_helpers_file_behind_an_open_transaction_is_bounded() {
	trap rl_cleanup EXIT
	rp_fresh_db rl_helpers
	local layout
	layout=$(rp_layout event_logs)
	rl_hold "$(cat "$ROOT_DIR/scripts/lib/partition_demo.sql")"

	TEST_CMD_TIMEOUT=60 assert_exit 1 "$REPARTITION" --lock-timeout 200 --attempts 2 add
	assert_contains "$OUT" "partition_demo.sql:"
	assert_contains "$OUT" "lock not granted in 2 attempts (lock_timeout 200 ms each, SQLSTATE 55P03)"
	assert_eq 2 "$(grep -c "detail: oldest open transaction of another session: pid $RL_HOLDER_PID, idle in transaction for" <<<"$OUT")" \
		"the open transaction is named after every attempt"
	assert_contains "$OUT" "application \"rl_holder\""
	assert_contains "$OUT" "hint: nothing was changed"
	assert_not_contains "$OUT" "running "

	rl_release
	assert_eq "$layout" "$(rp_layout event_logs)"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_class WHERE relname = 'event_logs_2024_04'")"
}

# The session's bound comes from LOCK_TIMEOUT_MS, or from PGOPTIONS when that
# sets one other than 0. Each case is told apart by a bound an hour long on
# the other side: the command timeout would end that run (status 124).
test_lock_timeout_of_every_session_from_config_or_pgoptions() {
	trap rl_cleanup EXIT
	rp_fresh_db rl_session
	assert_exit 0 "$BIN_DIR/show-config"
	assert_contains "$STDOUT" "LOCK_TIMEOUT_MS        10000"
	assert_exit 0 env LOCK_TIMEOUT_MS=750 "$BIN_DIR/show-config"
	assert_contains "$STDOUT" "LOCK_TIMEOUT_MS        750"
	assert_contains "$STDOUT" "(environment)"
	assert_exit 2 env LOCK_TIMEOUT_MS=0 "$REPARTITION" add
	assert_contains "$OUT" 'invalid LOCK_TIMEOUT_MS "0" (from environment): must be between 1 and 3600000'
	assert_exit 2 env LOCK_TIMEOUT_MS=2s "$REPARTITION" add
	assert_contains "$OUT" "not a whole number"

	rl_hold "$RL_EXCLUSIVE"
	# PGOPTIONS' bound is kept ...
	TEST_CMD_TIMEOUT=30 assert_exit 1 env LOCK_TIMEOUT_MS=3600000 PGOPTIONS="-c lock_timeout=300" "$REPARTITION" add
	assert_contains "$OUT" "canceling statement due to lock timeout (SQLSTATE 55P03)"
	# ... but 0 is no bound: LOCK_TIMEOUT_MS applies
	TEST_CMD_TIMEOUT=30 assert_exit 1 env LOCK_TIMEOUT_MS=300 PGOPTIONS="-c lock_timeout=0" "$REPARTITION" add
	assert_contains "$OUT" "canceling statement due to lock timeout (SQLSTATE 55P03)"
	rl_release
}

run_test repartition_lock_holder_named_in_every_retry_then_gives_up \
	test_repartition_lock_holder_named_in_every_retry_then_gives_up
run_test repartition_state_read_behind_access_exclusive_is_bounded \
	test_repartition_state_read_behind_access_exclusive_is_bounded
run_test repartition_helpers_file_behind_an_open_transaction_is_bounded \
	test_repartition_helpers_file_behind_an_open_transaction_is_bounded
run_test lock_timeout_of_every_session_from_config_or_pgoptions \
	test_lock_timeout_of_every_session_from_config_or_pgoptions
