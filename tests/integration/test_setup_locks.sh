# shellcheck shell=bash
# test_setup_locks.sh - every lock wait of bin/setup-database is bounded: a
# session idle in transaction after writing to event_logs makes the offline
# migration (and --reset) wait --lock-timeout, roll back, retry with backoff
# naming the holder, and give up after --attempts with nothing applied; a
# program killed while it waits for a lock leaves the lock queue within
# seconds (client_connection_check_interval, set on every connection); the
# reads outside the retried files (and load-data's) wait LOCK_TIMEOUT_MS (or
# --lock-timeout) at most and name the holder.
# Sourced by tests/integration/run.sh.

SL_SETUP=$BIN_DIR/setup-database
SL_LOAD=$BIN_DIR/load-data
SL_SEED_ROWS=300

# sl_template: the four plain tables seeded with SL_SEED_ROWS rows, the two
# 00 files applied, nothing migrated (a copy of scripts/ whose 01 stops the
# setup right after the seed).
sl_make_template() {
	local dir log=$TESTLIB_LOG_DIR/setup_locks_template.log rc=0
	dir=$(mktemp -d) || return 1
	cp -r "$ROOT_DIR/scripts" "$dir/" || return 1
	echo "DO \$\$ BEGIN RAISE EXCEPTION 'sl_template: stop after the seed'; END \$\$;" \
		>"$dir/scripts/01_range_partitions.sql"
	"$SL_SETUP" --scripts "$dir/scripts" --seed-rows "$SL_SEED_ROWS" >"$log" 2>&1 || rc=$?
	rm -rf -- "$dir"
	[[ $rc -eq 1 ]] && grep -q "sl_template: stop after the seed" "$log"
}

if [[ -z ${SL_TEMPLATE_READY-} ]]; then
	SL_TEMPLATE_READY=1
	sl_saved_db=${PGDATABASE-}
	if fresh_database sl_template && ! sl_make_template; then
		_testlib_record_fail "setup locks template database (log: $TESTLIB_LOG_DIR/setup_locks_template.log)"
	fi
	if [[ -n $sl_saved_db ]]; then
		export POSTGRES_DB=$sl_saved_db PGDATABASE=$sl_saved_db
	fi
	unset sl_saved_db
fi

# sl_fresh_db NAME: database NAME as sl_template; exports POSTGRES_DB and PGDATABASE
sl_fresh_db() {
	fresh_database "$1" sl_template
}

# sl_wait_for QUERY WHAT [SECONDS]: polls until QUERY returns t; fails the
# test after SECONDS (default 30)
sl_wait_for() {
	local deadline=$((SECONDS + ${3:-30}))
	until [[ $(sql "$1") == t ]]; do
		((SECONDS < deadline)) || fail "waited ${3:-30} s in vain for $2"
		sleep 0.05
	done
}

# sl_wait_pid PID [SECONDS]: waits for a background program; its status in SL_RC
sl_wait_pid() {
	local deadline=$((SECONDS + ${2:-60}))
	while kill -0 "$1" 2>/dev/null; do
		((SECONDS < deadline)) || fail "process $1 still running after ${2:-60} s"
		sleep 0.1
	done
	SL_RC=0
	wait "$1" || SL_RC=$?
}

# sl_hold [STATEMENT]: a session (application_name sl_holder, backend pid in
# SL_HOLDER_PID) runs STATEMENT (default: inserts the row 'sl_holder' into
# event_logs, as any writer does) and stays idle in transaction, holding its
# locks, until sl_release commits (60 s at most).
sl_hold() {
	local statement=${1:-"INSERT INTO event_logs (event_type, user_id, created_at) VALUES ('sl_holder', 1, '2024-02-10 12:00')"}
	local release
	release=$(mktemp -d)/release
	SL_RELEASE=$release
	{
		echo "BEGIN;"
		echo "$statement;"
		for ((i = 0; i < 600; i++)); do
			[[ -e $release ]] && break
			sleep 0.1
		done
		echo "COMMIT;"
	} | PGAPPNAME=sl_holder psql -XAtq -v ON_ERROR_STOP=1 >/dev/null &
	SL_HOLDER_JOB=$!
	# idle in transaction after STATEMENT (not just after BEGIN): its locks are held
	sl_wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity AS a
		WHERE a.datname = current_database() AND a.application_name = 'sl_holder'
		  AND a.state = 'idle in transaction' AND a.query = '${statement//\'/\'\'};')" "the lock holder"
	SL_HOLDER_PID=$(sql "SELECT pid FROM pg_stat_activity WHERE datname = current_database()
		AND application_name = 'sl_holder'")
}

sl_release() {
	touch "$SL_RELEASE"
	wait "$SL_HOLDER_JOB"
}

# EXIT trap: a failed test leaves nothing running, holding or waiting
sl_cleanup() {
	local pid
	if [[ -n ${SL_RELEASE-} ]]; then
		touch "$SL_RELEASE" 2>/dev/null || true
	fi
	for pid in $(jobs -p); do
		kill "$pid" 2>/dev/null || true
	done
}

# "rows:checksum" of TABLE, independent of the program's own report
sl_fingerprint() {
	sql "SELECT f.row_count || ':' || f.checksum
		FROM partition_demo.table_fingerprint('$1', partition_demo.table_columns('$1')) AS f"
}

sl_relkinds() {
	sql "SELECT string_agg(relname || ':' || relkind::text, ' ' ORDER BY relname) FROM pg_catalog.pg_class
		WHERE relname IN ('event_logs', 'users_distributed', 'orders_by_region', 'sales_data')"
}

sl_applied() {
	sql "SELECT coalesce(string_agg(script, ',' ORDER BY script), '') FROM partition_demo.applied_scripts"
}

SL_PLAIN="event_logs:r orders_by_region:r sales_data:r users_distributed:r"
SL_PARTITIONED="event_logs:p orders_by_region:p sales_data:p users_distributed:p"
SL_SEEDED="00_initial_seed_data.sql,00_setup_base_tables.sql"

test_setup_lock_holder_makes_the_migration_give_up_then_rerun_completes() {
	trap sl_cleanup EXIT
	sl_fresh_db sl_give_up
	local print lock_line
	print=$(sl_fingerprint event_logs)
	lock_line=$(grep -n '^LOCK TABLE event_logs' "$ROOT_DIR/scripts/01_range_partitions.sql" | cut -d: -f1)
	sl_hold

	# bounded: without lock_timeout this waits for the holder, i.e. until killed
	TEST_CMD_TIMEOUT=60 assert_exit 1 "$SL_SETUP" --lock-timeout 200 --attempts 3
	assert_contains "$OUT" "01_range_partitions.sql:$lock_line: lock not granted within 200 ms (SQLSTATE 55P03)"
	assert_eq 2 "$(grep -c "lock not granted within 200 ms" <<<"$OUT")" "one warning per attempt but the last"
	assert_contains "$OUT" "rolled back attempt 1 of 3; trying again in"
	assert_contains "$OUT" "rolled back attempt 2 of 3; trying again in"
	assert_contains "$OUT" "error: "
	assert_contains "$OUT" "01_range_partitions.sql:$lock_line: lock not granted in 3 attempts (lock_timeout 200 ms each, SQLSTATE 55P03)"
	assert_eq 3 "$(grep -c "oldest holder of a lock on event_logs: pid $SL_HOLDER_PID, idle in transaction for" <<<"$OUT")" \
		"the holder is named after every attempt"
	assert_contains "$OUT" "RowExclusiveLock, application \"sl_holder\": INSERT INTO event_logs"
	assert_contains "$OUT" "gave up after 3 attempts"
	assert_contains "$OUT" "files before 01_range_partitions.sql stay applied"
	assert_contains "$OUT" "--lock-timeout"

	# nothing of 01 applied, the files before it still are; event_logs as it was
	assert_eq "$SL_SEEDED" "$(sl_applied)"
	assert_eq "$SL_PLAIN" "$(sl_relkinds)"
	assert_eq "$print" "$(sl_fingerprint event_logs)"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_catalog.pg_class WHERE relname IN ('event_logs_partitioned', 'event_logs_old')")"

	# the holder commits: the next run continues at 01 and takes its row along
	sl_release
	assert_exit 0 "$SL_SETUP" --lock-timeout 200 --attempts 3
	assert_contains "$OUT" "continuing an earlier setup: 2 of 6 scripts already applied"
	assert_not_contains "$OUT" "lock not granted"
	assert_eq "$SL_PARTITIONED" "$(sl_relkinds)"
	assert_eq $((SL_SEED_ROWS + 1)) "$(sql "SELECT count(*) FROM event_logs")"
	assert_eq "1 1" "$(sql "SELECT (SELECT count(*) FROM event_logs WHERE event_type = 'sl_holder')
		|| ' ' || (SELECT count(*) FROM event_logs_old WHERE event_type = 'sl_holder')")"
}

test_setup_lock_released_during_the_retries_completes_with_every_row() {
	trap sl_cleanup EXIT
	sl_fresh_db sl_released
	local dir pid deadline
	dir=$(mktemp -d)
	sl_hold
	"$SL_SETUP" --lock-timeout 200 --attempts 20 >"$dir/out" 2>"$dir/err" &
	pid=$!
	deadline=$((SECONDS + 30))
	until grep -q "rolled back attempt 1 of 20" "$dir/err"; do
		((SECONDS < deadline)) || fail "no attempt rolled back within 30 s: $(cat "$dir/err")"
		sleep 0.05
	done
	sl_release
	sl_wait_pid "$pid" 60
	assert_eq 0 "$SL_RC" "exit status: $(cat "$dir/err")"
	assert_contains "$(<"$dir/err")" "oldest holder of a lock on event_logs: pid $SL_HOLDER_PID"
	assert_contains "$(<"$dir/err")" "(attempt "
	assert_not_contains "$(<"$dir/err")" "gave up"
	assert_eq "$SL_PARTITIONED" "$(sl_relkinds)"
	assert_eq $((SL_SEED_ROWS + 1)) "$(sql "SELECT count(*) FROM event_logs")"
	assert_eq $((SL_SEED_ROWS + 1)) "$(sql "SELECT count(*) FROM event_logs_old")"
	assert_eq 1 "$(sql "SELECT count(*) FROM event_logs WHERE event_type = 'sl_holder'")"
	assert_eq "$(sl_fingerprint event_logs_old)" "$(sl_fingerprint event_logs)"
	rm -rf -- "$dir"
}

test_setup_lock_kill_9_while_waiting_frees_the_lock_queue() {
	trap sl_cleanup EXIT
	sl_fresh_db sl_kill
	local pid backend
	sl_hold
	# a long lock_timeout: the program is still waiting when it is killed
	"$SL_SETUP" --lock-timeout 60000 --attempts 1 >/dev/null 2>&1 &
	pid=$!
	sl_wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database()
		AND application_name = 'setup-database' AND wait_event_type = 'Lock')" "setup-database to wait for its lock"
	backend=$(sql "SELECT pid FROM pg_stat_activity WHERE datname = current_database()
		AND application_name = 'setup-database'")
	kill -9 "$pid"
	wait "$pid" || true

	# the server notices the dead client and ends its session (and lock request)
	sl_wait_for "SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid = $backend)
		AND NOT EXISTS (SELECT FROM pg_locks WHERE pid = $backend)" "the killed program's backend to go" 10
	# so a writer is no longer queued behind its EXCLUSIVE request
	assert_exit 0 psql -XAtq -v ON_ERROR_STOP=1 -c "SET lock_timeout = '5s'" \
		-c "INSERT INTO event_logs (event_type, user_id, created_at) VALUES ('sl_after_kill', 1, '2024-01-05')"

	sl_release
	assert_eq "$SL_SEEDED" "$(sl_applied)"
	assert_eq "$SL_PLAIN" "$(sl_relkinds)"
	assert_eq $((SL_SEED_ROWS + 2)) "$(sql "SELECT count(*) FROM event_logs")"
	# and its advisory lock went too: the next run is not refused
	assert_exit 0 "$SL_SETUP"
	assert_eq $((SL_SEED_ROWS + 2)) "$(sql "SELECT count(*) FROM event_logs")"
}

test_setup_lock_reset_behind_a_held_lock_drops_nothing() {
	trap sl_cleanup EXIT
	sl_fresh_db sl_reset
	assert_exit 0 "$SL_SETUP"
	local events old_events sales
	sl_hold
	events=$(sl_fingerprint event_logs)
	old_events=$(sl_fingerprint event_logs_old)
	sales=$(sl_fingerprint sales_data)

	TEST_CMD_TIMEOUT=60 assert_exit 1 "$SL_SETUP" --reset --lock-timeout 200 --attempts 3
	assert_contains "$OUT" "[reset] lib/reset.sql"
	assert_contains "$OUT" "reset.sql:"
	assert_contains "$OUT" "lock not granted in 3 attempts (lock_timeout 200 ms each, SQLSTATE 55P03)"
	assert_contains "$OUT" "oldest holder of a lock on event_logs: pid $SL_HOLDER_PID, idle in transaction for"
	assert_contains "$OUT" "nothing was dropped"
	assert_not_contains "$OUT" "[helpers]"

	# every object still there, every row
	assert_eq "$SL_PARTITIONED" "$(sl_relkinds)"
	assert_eq "$events" "$(sl_fingerprint event_logs)"
	assert_eq "$old_events" "$(sl_fingerprint event_logs_old)"
	assert_eq "$sales" "$(sl_fingerprint sales_data)"
	assert_eq 6 "$(sql "SELECT count(*) FROM partition_demo.applied_scripts")"

	sl_release
	assert_exit 0 "$SL_SETUP" --reset --lock-timeout 200 --attempts 3 --seed-rows 100
	assert_eq "$SL_PARTITIONED" "$(sl_relkinds)"
	assert_eq 100 "$(sql "SELECT count(*) FROM event_logs")"
	assert_eq 0 "$(sql "SELECT count(*) FROM event_logs WHERE event_type = 'sl_holder'")"
}

test_setup_lock_files_run_by_hand_wait_a_bounded_time() {
	trap sl_cleanup EXIT
	sl_fresh_db sl_by_hand
	local print
	print=$(sl_fingerprint event_logs)
	sl_hold
	# as docs/setup-database.md says to run them, with no lock_timeout in the session
	TEST_CMD_TIMEOUT=30 assert_exit 3 psql -X -v ON_ERROR_STOP=1 -1 -f "$ROOT_DIR/scripts/01_range_partitions.sql"
	assert_contains "$OUT" "canceling statement due to lock timeout"
	TEST_CMD_TIMEOUT=30 assert_exit 3 psql -X -v ON_ERROR_STOP=1 -1 -f "$ROOT_DIR/scripts/lib/reset.sql"
	assert_contains "$OUT" "canceling statement due to lock timeout"
	sl_release
	assert_eq "$SL_PLAIN" "$(sl_relkinds)"
	assert_eq "$SL_SEEDED" "$(sl_applied)"
	assert_eq $((SL_SEED_ROWS + 1)) "$(sql "SELECT count(*) FROM event_logs")"
	assert_contains "$print" "$SL_SEED_ROWS:"
}

# The connection layer: another program's backend leaves the queue too.
test_lock_wait_of_a_killed_load_data_leaves_the_queue() {
	trap sl_cleanup EXIT
	sl_fresh_db sl_load_kill
	assert_exit 0 "$SL_SETUP"
	local pid backend
	# SHARE: every insert into event_logs waits
	sl_hold "LOCK TABLE event_logs IN SHARE MODE"
	"$SL_LOAD" --lock-timeout 600000 --progress 0 10 60 >/dev/null 2>&1 &
	pid=$!
	sl_wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database()
		AND application_name = 'load-data' AND wait_event_type = 'Lock')" "load-data to wait for its lock"
	backend=$(sql "SELECT pid FROM pg_stat_activity WHERE datname = current_database()
		AND application_name = 'load-data'")
	kill -9 "$pid"
	wait "$pid" || true
	sl_wait_for "SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid = $backend)" \
		"the killed load-data's backend to go" 10
	sl_release
}

# The reads outside the retried files wait the session's lock_timeout
# (LOCK_TIMEOUT_MS), then name the holder. Before, they waited without bound.
# The summary's count of event_logs behind ACCESS EXCLUSIVE, after an online
# migration of another table: exit 1, but that migration is applied.
test_setup_lock_summary_behind_access_exclusive_is_bounded() {
	trap sl_cleanup EXIT
	sl_fresh_db sl_summary
	local events
	events=$(sl_fingerprint event_logs)
	sl_hold "LOCK TABLE event_logs IN ACCESS EXCLUSIVE MODE"

	TEST_CMD_TIMEOUT=60 assert_exit 1 env LOCK_TIMEOUT_MS=300 "$SL_SETUP" --online --table sales_data
	assert_contains "$OUT" "swapped in"
	assert_contains "$OUT" "error: canceling statement due to lock timeout (SQLSTATE 55P03)"
	assert_contains "$OUT" "detail: oldest holder of a lock on event_logs: pid $SL_HOLDER_PID, idle in transaction for"
	assert_contains "$OUT" "AccessExclusiveLock, application \"sl_holder\""
	assert_contains "$OUT" "hint: every file of this run is applied"
	assert_contains "$OUT" "raise LOCK_TIMEOUT_MS"

	sl_release
	assert_eq "$SL_SEEDED,04_composite_partitions.sql" "$(sl_applied)"
	assert_eq "event_logs:r orders_by_region:r sales_data:p users_distributed:r" "$(sl_relkinds)"
	assert_eq "$(sl_fingerprint sales_data_old)" "$(sl_fingerprint sales_data)"
	assert_eq "$events" "$(sl_fingerprint event_logs)"
}

# The read of partition_demo.applied_scripts behind ACCESS EXCLUSIVE: no
# migration file runs.
test_setup_lock_applied_scripts_read_behind_access_exclusive_is_bounded() {
	trap sl_cleanup EXIT
	sl_fresh_db sl_applied_read
	sl_hold "LOCK TABLE partition_demo.applied_scripts IN ACCESS EXCLUSIVE MODE"

	TEST_CMD_TIMEOUT=60 assert_exit 1 env LOCK_TIMEOUT_MS=300 "$SL_SETUP" --lock-timeout 100 --attempts 2
	assert_contains "$OUT" "error: canceling statement due to lock timeout (SQLSTATE 55P03)"
	assert_contains "$OUT" "detail: oldest holder of a lock on partition_demo.applied_scripts: pid $SL_HOLDER_PID"
	assert_contains "$OUT" "hint: no migration file was run"
	assert_not_contains "$OUT" "01_range_partitions.sql"

	sl_release
	assert_eq "$SL_SEEDED" "$(sl_applied)"
	assert_eq "$SL_PLAIN" "$(sl_relkinds)"
	assert_exit 0 "$SL_SETUP"
	assert_eq "$SL_PARTITIONED" "$(sl_relkinds)"
}

# load-data's waits were bounded already (--lock-timeout is its session's
# lock_timeout): its retried inserts, and the reads of --verify and of the
# final summary, which now also name the holder.
test_load_data_lock_waits_are_bounded_and_name_the_holder() {
	trap sl_cleanup EXIT
	sl_fresh_db sl_load_bounded
	assert_exit 0 "$SL_SETUP"
	local dir pid
	dir=$(mktemp -d)
	assert_exit 0 "$SL_LOAD" --max --rows 40 --progress 0 --ledger "$dir/ledger"
	sl_hold "LOCK TABLE users_distributed IN ACCESS EXCLUSIVE MODE"

	TEST_CMD_TIMEOUT=30 assert_exit 1 "$SL_LOAD" --lock-timeout 200 --verify "$dir/ledger"
	assert_contains "$OUT" "canceling statement due to lock timeout (SQLSTATE 55P03)"
	assert_contains "$OUT" "detail: oldest holder of a lock on users_distributed: pid $SL_HOLDER_PID"
	assert_contains "$OUT" "hint: the ledger is not verified"

	# a load: batches with a user row wait 200 ms and are retried; stopped,
	# the summary's count of users_distributed waits 200 ms too, and says who
	# holds its lock
	"$SL_LOAD" --lock-timeout 200 --progress 0 --batch 20 10 >"$dir/out" 2>"$dir/err" &
	pid=$!
	sl_wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database()
		AND application_name = 'load-data' AND wait_event_type = 'Lock')" "load-data to wait for its lock"
	kill -INT "$pid"
	sl_wait_pid "$pid" 30
	assert_eq 1 "$SL_RC" "exit status: $(cat "$dir/err")"
	assert_contains "$(<"$dir/err")" "oldest holder of a lock on users_distributed: pid $SL_HOLDER_PID"
	assert_contains "$(<"$dir/err")" "hint: the counts above stand; only the rows per partition of users_distributed"
	assert_contains "$(<"$dir/out")" "load-data summary"
	sl_release
	rm -rf -- "$dir"
}

run_test setup_lock_holder_makes_the_migration_give_up_then_rerun_completes \
	test_setup_lock_holder_makes_the_migration_give_up_then_rerun_completes
run_test setup_lock_released_during_the_retries_completes_with_every_row \
	test_setup_lock_released_during_the_retries_completes_with_every_row
run_test setup_lock_kill_9_while_waiting_frees_the_lock_queue test_setup_lock_kill_9_while_waiting_frees_the_lock_queue
run_test setup_lock_reset_behind_a_held_lock_drops_nothing test_setup_lock_reset_behind_a_held_lock_drops_nothing
run_test setup_lock_files_run_by_hand_wait_a_bounded_time test_setup_lock_files_run_by_hand_wait_a_bounded_time
run_test lock_wait_of_a_killed_load_data_leaves_the_queue test_lock_wait_of_a_killed_load_data_leaves_the_queue
run_test setup_lock_summary_behind_access_exclusive_is_bounded test_setup_lock_summary_behind_access_exclusive_is_bounded
run_test setup_lock_applied_scripts_read_behind_access_exclusive_is_bounded \
	test_setup_lock_applied_scripts_read_behind_access_exclusive_is_bounded
run_test load_data_lock_waits_are_bounded_and_name_the_holder test_load_data_lock_waits_are_bounded_and_name_the_holder
