# shellcheck shell=bash
# test_repartition_online_add.sh - bin/repartition add ONLINE (the engine of
# scripts/online/00_online_functions.sql): writes made while it runs, into
# DEFAULT through the parent and by name, land where they belong; kill -9 in
# the prepare, the copy and the swap leaves event_logs complete and serving,
# and the next run resumes (or --abort removes what was built); a transaction
# holding a lock at swap time makes the swap retry, not hang.
# Sourced by tests/integration/run.sh.

# shellcheck source=tests/lib/repartition_helpers.sh
source "$ROOT_DIR/tests/lib/repartition_helpers.sh"

# ro_wait_for CONDITION_SQL WHAT: polls until the query returns t (60 s)
ro_wait_for() {
	local i
	for ((i = 0; i < 600; i++)); do
		[[ $(sql "$1") == t ]] && return 0
		sleep 0.1
	done
	fail "waited 60 s in vain for $2"
}

# ro_pause_copy: a session locks the online bookkeeping row of event_logs
# once its copy is under way, so the next batch waits; ro_resume_copy lets
# it go on.
ro_pause_copy() {
	PGAPPNAME=ro_pause psql -XAtq -v ON_ERROR_STOP=1 -c "BEGIN" -c "DO \$\$
		BEGIN
		    FOR i IN 1..6000 LOOP
		        PERFORM FROM partition_demo.online_migrations AS o
		         WHERE o.table_name = 'event_logs' AND o.copied_up_to > 0 AND o.copied_up_to < o.copy_end
		           FOR UPDATE;
		        IF FOUND THEN
		            RETURN;
		        END IF;
		        PERFORM pg_sleep(0.01);
		    END LOOP;
		    RAISE EXCEPTION 'the copy never got under way';
		END \$\$" -c "SELECT pg_sleep(600)" -c "COMMIT" >/dev/null 2>&1 &
	RO_PAUSE_JOB=$!
	ro_wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'ro_pause'
			AND query = 'SELECT pg_sleep(600)')
		AND EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'repartition'
			AND wait_event_type = 'Lock')" "the online copy to wait in a batch"
}

ro_resume_copy() {
	sql "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'ro_pause'" >/dev/null
	wait "$RO_PAUSE_JOB" || true
}

ro_wait_session_gone() {
	ro_wait_for "SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'repartition')" \
		"the killed run's session to end"
}

# Writes into the rows being moved, by a session that records the ids it
# touched (ro_touched, in the same statement): an update and a delete of
# DEFAULT rows through the parent, a row moved from March into DEFAULT's
# April (a partition-key change), an insert into event_logs_default by name,
# and a row inserted and deleted again.
ro_churn() {
	local tag=$1
	sql "SET client_min_messages = warning; CREATE TABLE IF NOT EXISTS ro_touched (id bigint)" >/dev/null
	sql "WITH c AS (UPDATE event_logs SET event_type = 'churn_$tag' WHERE id = (SELECT min(id) FROM event_logs_default
		WHERE created_at >= '2024-04-01' AND created_at < '2024-05-01' AND id <= $RP_SETUP_MAX_EVENT_ID
		AND event_type NOT SIMILAR TO '(churn|moved|direct)%') RETURNING id)
		INSERT INTO ro_touched SELECT id FROM c" >/dev/null
	sql "WITH c AS (DELETE FROM event_logs WHERE id = (SELECT max(id) FROM event_logs_default
		WHERE created_at >= '2024-05-01' AND id <= $RP_SETUP_MAX_EVENT_ID) RETURNING id)
		INSERT INTO ro_touched SELECT id FROM c" >/dev/null
	sql "WITH c AS (UPDATE event_logs SET created_at = created_at + interval '1 month', event_type = 'moved_$tag'
		WHERE id = (SELECT min(id) FROM event_logs_2024_03 WHERE event_type NOT LIKE 'moved%') RETURNING id)
		INSERT INTO ro_touched SELECT id FROM c" >/dev/null
	sql "INSERT INTO event_logs_default (event_type, user_id, created_at) VALUES ('direct_$tag', 1, '2024-04-20')" >/dev/null
	sql "INSERT INTO event_logs (event_type, user_id, created_at) VALUES ('gone_$tag', 1, '2024-04-21')" >/dev/null
	assert_eq 1 "$(sql "WITH d AS (DELETE FROM event_logs WHERE event_type = 'gone_$tag' RETURNING 1)
		SELECT count(*) FROM d")" "the row inserted moments before is deleted"
}

# the setup's rows that no churn touched are exactly as after setup
assert_untouched_rows_unchanged() {
	local touched
	touched=$(sql "SELECT coalesce(string_agg(id::text, ','), '0') FROM ro_touched")
	assert_eq "$(PGDATABASE=rp_template rp_fingerprint event_logs "id NOT IN ($touched)")" \
		"$(rp_fingerprint event_logs "id <= $RP_SETUP_MAX_EVENT_ID AND id NOT IN ($touched)")" \
		"the setup's rows that nobody changed"
	assert_eq "$1" "$(sql "SELECT count(DISTINCT id) FROM ro_touched")" "rows the churn changed"
}

# waits until a session of bin/repartition runs the statement $1
ro_wait_for_statement() {
	ro_wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'repartition'
		AND query = '$1' AND state = 'active')" "repartition to run $1"
}

# after a successful add: every row where its key says, nothing left of the engine
assert_added_cleanly() {
	assert_eq 0 "$(sql "SELECT count(*) FROM event_logs WHERE tableoid::regclass::text <>
		CASE WHEN created_at >= '2024-01-01' AND created_at < '2024-05-01'
		     THEN 'event_logs_' || to_char(created_at, 'YYYY_MM') ELSE 'event_logs_default' END")" \
		"rows outside their partition"
	assert_eq 0 "$(sql "SELECT count(*) FROM partition_demo.online_migrations")" "bookkeeping left"
	assert_eq 0 "$(sql "SELECT count(*) FROM partition_demo.online_plans")" "plan left"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'online\\_%'")" "capture triggers left"
	assert_eq "" "$(sql "SELECT string_agg(relname, ',') FROM pg_class WHERE relname = 'event_logs_default_next'")"
	# the new DEFAULT has the old one's index names and no CHECK of the engine's left
	assert_eq "event_logs_default_pkey" "$(sql "SELECT string_agg(indexrelid::regclass::text, ',' ORDER BY 1)
		FROM pg_index WHERE indrelid = 'event_logs_default'::regclass AND indisprimary")"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_constraint WHERE contype = 'c'
		AND conrelid IN ('event_logs_default'::regclass, 'event_logs_2024_04'::regclass)")"
}

test_online_add_under_writes_moves_every_row() {
	rp_fresh_db ro_add_writes
	local dir writer run
	dir=$(mktemp -d)
	rp_writer "$dir/ledger" "$dir/errors" "$dir/stop" &
	writer=$!
	# the copy waits for the pause at most LOCK_TIMEOUT_MS: long enough for the churn
	LOCK_TIMEOUT_MS=120000 "$REPARTITION" --batch 50 --json add >"$dir/out" 2>"$dir/err" &
	run=$!
	# the churn runs while the copy is under way: after the capture began
	ro_pause_copy
	ro_churn a
	ro_churn b
	ro_resume_copy
	wait "$run" || fail "online add failed: $(tail -20 "$dir/err")"
	sleep 0.5
	touch "$dir/stop"
	wait "$writer"

	assert_eq online "$(rp_json_field "$(<"$dir/out")" '{mode}')"
	assert_contains "$(<"$dir/err")" "swapped in"
	assert_eq "" "$(cat "$dir/errors")" "no write failed"
	assert_eq 0 "$(rp_ledger_missing "$dir/ledger")" "committed rows missing"
	[[ $(grep -c . "$dir/ledger") -gt 5 ]] || fail "the writer wrote too little"
	# the churn's last states
	assert_eq 2 "$(sql "SELECT count(*) FROM event_logs_2024_04 WHERE event_type LIKE 'churn\\_%'")" "updates kept"
	assert_eq 2 "$(sql "SELECT count(*) FROM event_logs_2024_04 WHERE event_type LIKE 'moved\\_%'")" "key moves into the new month"
	assert_eq 2 "$(sql "SELECT count(*) FROM event_logs_2024_04 WHERE event_type LIKE 'direct\\_%'")" "direct writes into DEFAULT"
	assert_eq 0 "$(sql "SELECT count(*) FROM event_logs WHERE event_type LIKE 'gone\\_%'")" "deleted rows stay deleted"
	assert_untouched_rows_unchanged 6
	assert_added_cleanly
	rm -rf "$dir"
}

test_online_add_kill_9_in_the_copy_then_resume() {
	rp_fresh_db ro_add_kill_copy
	local dir pid layout print
	dir=$(mktemp -d)
	layout=$(rp_layout event_logs)
	"$REPARTITION" --batch 50 add >"$dir/out" 2>"$dir/err" &
	pid=$!
	ro_pause_copy
	kill -9 "$pid"
	wait "$pid" || true
	ro_resume_copy
	ro_wait_session_gone

	# still the old layout, serving, every change captured
	assert_eq "$layout" "$(rp_layout event_logs)" "layout while half done"
	assert_eq 1 "$(sql "SELECT count(*) FROM partition_demo.online_migrations WHERE operation = 'add'")"
	ro_churn a
	print=$(rp_fingerprint event_logs)
	assert_exit 1 "$REPARTITION" --offline add
	assert_contains "$OUT" "an online add of event_logs is in progress already"
	assert_contains "$OUT" "bin/repartition --abort"

	assert_exit 0 "$REPARTITION" add
	assert_contains "$OUT" "resuming the online migration started"
	assert_contains "$OUT" "swapped in"
	assert_eq "$print" "$(rp_fingerprint event_logs)" "every row, the churn's included"
	assert_eq 1 "$(sql "SELECT count(*) FROM event_logs_2024_04 WHERE event_type = 'direct_a'")"
	assert_untouched_rows_unchanged 3
	assert_added_cleanly
	rm -rf "$dir"
}

test_online_add_kill_9_in_the_copy_then_abort() {
	rp_fresh_db ro_add_abort
	local dir pid layout print
	dir=$(mktemp -d)
	layout=$(rp_layout event_logs)
	"$REPARTITION" --batch 50 add >"$dir/out" 2>"$dir/err" &
	pid=$!
	ro_pause_copy
	kill -9 "$pid"
	wait "$pid" || true
	ro_resume_copy
	ro_wait_session_gone
	ro_churn a
	print=$(rp_fingerprint event_logs)

	assert_exit 0 "$REPARTITION" --abort
	assert_contains "$OUT" "online migration removed"
	assert_contains "$OUT" "event_logs_2024_04"
	assert_eq "$layout" "$(rp_layout event_logs)"
	assert_eq "$print" "$(rp_fingerprint event_logs)"
	assert_eq "" "$(sql "SELECT string_agg(relname, ',') FROM pg_class
		WHERE relname IN ('event_logs_2024_04', 'event_logs_default_next')")" "what the run built is gone"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'online\\_%'")" "capture triggers left"
	assert_exit 0 "$REPARTITION" --abort
	assert_contains "$OUT" "nothing to remove"
	# and the scenario runs from the start
	assert_exit 0 "$REPARTITION" add
	assert_eq "$print" "$(rp_fingerprint event_logs)"
	assert_added_cleanly
	rm -rf "$dir"
}

test_online_add_kill_9_in_the_swap_then_resume() {
	rp_fresh_db ro_add_kill_swap
	local scripts pid print layout
	layout=$(rp_layout event_logs)
	print=$(rp_fingerprint event_logs)
	# the last statement of the swap section, before COMMIT
	scripts=$(rp_scripts_with_injection 10_add_new_partition.sql "SELECT pg_sleep(120)" 6)
	"$REPARTITION" --scripts "$scripts" add >/dev/null 2>&1 &
	pid=$!
	ro_wait_for_statement "SELECT pg_sleep(120)"
	kill -9 "$pid"
	wait "$pid" || true
	ro_wait_session_gone
	assert_eq "$layout" "$(rp_layout event_logs)" "the swap was rolled back"
	assert_eq "$print" "$(rp_fingerprint event_logs)"

	TEST_CMD_TIMEOUT=60 assert_exit 0 "$REPARTITION" add
	assert_contains "$OUT" "resuming the online migration started"
	assert_eq "$print" "$(rp_fingerprint event_logs)"
	assert_added_cleanly
	rm -rf "$(dirname "$scripts")"
}

test_online_add_swap_retries_behind_a_long_transaction() {
	rp_fresh_db ro_add_holder
	local dir pid print
	dir=$(mktemp -d)
	"$REPARTITION" --batch 50 --attempts 100 add >"$dir/out" 2>"$dir/err" &
	pid=$!
	ro_pause_copy
	# a writer of DEFAULT that stays idle in its transaction
	{
		echo "BEGIN;"
		echo "INSERT INTO event_logs_default (event_type, user_id, created_at) VALUES ('held', 1, '2024-06-02');"
		while [[ ! -e $dir/release ]]; do sleep 0.1; done
		echo "COMMIT;"
	} | PGAPPNAME=ro_holder psql -XAtq -v ON_ERROR_STOP=1 >/dev/null &
	local holder=$!
	ro_wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'ro_holder'
		AND state = 'idle in transaction')" "the holder to hold its lock"
	ro_resume_copy
	until grep -q "swap: lock not granted" "$dir/err"; do
		kill -0 "$pid" 2>/dev/null || fail "repartition ended before its swap waited: $(tail "$dir/err")"
		sleep 0.1
	done
	# meanwhile event_logs serves: a reader and a writer through the parent go through
	assert_eq 1 "$(sql "SELECT count(*) FROM (SELECT FROM event_logs LIMIT 1) AS x")"
	sql "INSERT INTO event_logs (event_type, user_id, created_at) VALUES ('while', 1, '2024-02-02')" >/dev/null
	touch "$dir/release"
	wait "$holder"
	wait "$pid" || fail "online add failed after the holder let go: $(tail -20 "$dir/err")"
	assert_contains "$(<"$dir/err")" "ro_holder"
	assert_contains "$(<"$dir/err")" "swapped in"
	assert_eq 1 "$(sql "SELECT count(*) FROM event_logs_default WHERE event_type = 'held'")" "the held write"
	assert_eq 1 "$(sql "SELECT count(*) FROM event_logs_2024_02 WHERE event_type = 'while'")"
	assert_added_cleanly
	rm -rf "$dir"
}

run_test online_add_under_writes_moves_every_row test_online_add_under_writes_moves_every_row
run_test online_add_kill_9_in_the_copy_then_resume test_online_add_kill_9_in_the_copy_then_resume
run_test online_add_kill_9_in_the_copy_then_abort test_online_add_kill_9_in_the_copy_then_abort
run_test online_add_kill_9_in_the_swap_then_resume test_online_add_kill_9_in_the_swap_then_resume
run_test online_add_swap_retries_behind_a_long_transaction test_online_add_swap_retries_behind_a_long_transaction
