# shellcheck shell=bash
# test_repartition_online_engine.sh - the scenarios that bin/repartition runs
# ONLINE (the engine of scripts/online/00_online_functions.sql), add, split
# and detach, each: writes made while it runs into the partitions being replaced
# (updates, deletes, partition-key moves in and out, inserts by name, rows
# deleted moments after their insert) end in their last state, in the right
# partition; kill -9 in the copy and in the swap leaves event_logs complete
# and serving, and the next run resumes (or --abort removes what was built);
# a transaction holding a lock at swap time makes the swap retry, not hang;
# the swap scans nothing (PostgreSQL says so at DEBUG1); online and offline
# give the same partitions.
# Sourced by tests/integration/run.sh.

# shellcheck source=tests/lib/repartition_helpers.sh
source "$ROOT_DIR/tests/lib/repartition_helpers.sh"

ro_wait_session_gone() {
	rp_wait_for "SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'repartition')" \
		"the killed run's session to end"
}

# ro_churn SCENARIO TAG: writes into the rows SCENARIO moves, by a session
# that records the ids it changed (ro_touched, in the same statement): for
# add the April rows in DEFAULT, for split the month of March. An update and
# a delete of a setup row of the source, a row moved into the source from
# another partition and one moved out of it (partition-key changes), an
# insert into the source by name, and a row inserted and deleted again.
ro_churn() {
	local scenario=$1 tag=$2 source into from_part out_by in_day
	case $scenario in
	add) source=event_logs_default into="created_at >= '2024-04-01' AND created_at < '2024-05-01'"
		from_part=event_logs_2024_03 in_by="1 month" out_by="2 months" in_day=2024-04-20 ;;
	split) source=event_logs_2024_03 into=true
		from_part=event_logs_2024_02 in_by="1 month" out_by="2 months" in_day=2024-03-20 ;;
	detach) source=event_logs_2024_01 into=true
		from_part=event_logs_2024_02 in_by="-1 month" out_by="2 months" in_day=2024-01-20 ;;
	esac
	sql "SET client_min_messages = warning; CREATE TABLE IF NOT EXISTS ro_touched (id bigint)" >/dev/null
	sql "WITH c AS (UPDATE event_logs SET event_type = 'churn_$tag' WHERE id = (SELECT min(id) FROM $source
		WHERE $into AND id <= $RP_SETUP_MAX_EVENT_ID AND event_type NOT SIMILAR TO '(churn|moved|direct|out)%')
		RETURNING id) INSERT INTO ro_touched SELECT id FROM c" >/dev/null
	sql "WITH c AS (DELETE FROM event_logs WHERE id = (SELECT max(id) FROM $source
		WHERE $into AND id <= $RP_SETUP_MAX_EVENT_ID AND event_type NOT SIMILAR TO '(churn|moved|direct|out)%')
		RETURNING id) INSERT INTO ro_touched SELECT id FROM c" >/dev/null
	sql "WITH c AS (UPDATE event_logs SET created_at = created_at + interval '$in_by', event_type = 'moved_$tag'
		WHERE id = (SELECT min(id) FROM $from_part WHERE event_type NOT SIMILAR TO '(churn|moved|direct|out)%'
		AND extract(day FROM created_at) <= 28) RETURNING id) INSERT INTO ro_touched SELECT id FROM c" >/dev/null
	sql "WITH c AS (UPDATE event_logs SET created_at = created_at + interval '$out_by', event_type = 'out_$tag'
		WHERE id = (SELECT min(id) FROM $source WHERE $into AND id <= $RP_SETUP_MAX_EVENT_ID
		AND event_type NOT SIMILAR TO '(churn|moved|direct|out)%' AND extract(day FROM created_at) <= 28)
		RETURNING id) INSERT INTO ro_touched SELECT id FROM c" >/dev/null
	sql "INSERT INTO $source (event_type, user_id, created_at) VALUES ('direct_$tag', 1, '$in_day')" >/dev/null
	sql "INSERT INTO event_logs (event_type, user_id, created_at) VALUES ('gone_$tag', 1, '$in_day')" >/dev/null
	assert_eq 1 "$(sql "WITH d AS (DELETE FROM event_logs WHERE event_type = 'gone_$tag' RETURNING 1)
		SELECT count(*) FROM d")" "the row inserted moments before is deleted"
}

# ro_check_churn SCENARIO ROUNDS: the churn's rows in their last state, each
# in the partition its key says; the setup's rows nobody changed as they were
ro_check_churn() {
	local scenario=$1 rounds=$2 touched kind
	for kind in churn moved direct out; do
		assert_eq "$rounds" "$(sql "SELECT count(*) FROM $(rp_events) AS t WHERE event_type LIKE '${kind}\\_%'")" \
			"$scenario: rows of the churn's $kind changes"
	done
	assert_eq 0 "$(sql "SELECT count(*) FROM $(rp_events) AS t WHERE event_type LIKE 'gone\\_%'")" "deleted rows stay deleted"
	assert_eq $((4 * rounds)) "$(sql "SELECT count(DISTINCT id) FROM ro_touched")" "rows the churn changed"
	touched=$(sql "SELECT coalesce(string_agg(id::text, ','), '0') FROM ro_touched")
	assert_eq "$(PGDATABASE=rp_template rp_fingerprint event_logs "id NOT IN ($touched)")" \
		"$(rp_events_fingerprint "id <= $RP_SETUP_MAX_EVENT_ID AND id NOT IN ($touched)")" \
		"the setup's rows that nobody changed"
	rp_assert_rows_in_place "$scenario"
	if [[ $scenario == detach ]]; then
		assert_eq 0 "$(sql "SELECT count(*) FROM event_logs_default WHERE created_at < '2024-02-01'
			AND event_type SIMILAR TO '(churn|moved|direct)%'")" "January rows written before the swap are archived"
	fi
}

# after a successful online scenario: nothing left of the engine, the new
# partitions carry their indexes' canonical names and no CHECK of the engine's
ro_assert_done_cleanly() {
	assert_eq 0 "$(sql "SELECT count(*) FROM partition_demo.online_migrations")" "bookkeeping left"
	assert_eq 0 "$(sql "SELECT count(*) FROM partition_demo.online_plans")" "plan left"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'online\\_%'")" "capture triggers left"
	assert_eq "" "$(sql "SELECT string_agg(relname, ',') FROM pg_class WHERE relname = 'event_logs_default_next'")"
	local tree="SELECT relid FROM pg_partition_tree('event_logs')
		UNION ALL SELECT relid FROM pg_partition_tree(to_regclass('event_logs_archive'))"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_constraint WHERE contype = 'c'
		AND conrelid IN ($tree)")" "CHECKs left on partitions"
	assert_eq 0 "$(sql "SELECT count(*) FROM ($tree) AS t JOIN pg_class AS c ON c.oid = t.relid
		WHERE c.relkind = 'r' AND NOT EXISTS (SELECT FROM pg_index AS i JOIN pg_class AS x ON x.oid = i.indexrelid
		WHERE i.indrelid = c.oid AND i.indisprimary AND x.relname = c.relname || '_pkey')")" \
		"partitions whose primary key is not named <partition>_pkey"
	# detach's tables took source_partition from a default until the swap
	assert_eq "" "$(sql "SELECT string_agg(d.adrelid::regclass::text, ',') FROM pg_attrdef AS d
		JOIN pg_attribute AS a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
		WHERE a.attname = 'source_partition'")" "defaults of source_partition left"
}

# waits until a session of bin/repartition runs the statement $1
ro_wait_for_statement() {
	rp_wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'repartition'
		AND query = '$1' AND state = 'active')" "repartition to run $1"
}

# the statement before the swap's COMMIT, where a sleep is injected
ro_swap_end_step() {
	case $1 in add) echo 6 ;; split) echo 8 ;; detach) echo 7 ;; esac
}

# the scenario's file, a table it builds, a table whose rows it moves, and a
# day of those rows
ro_file() {
	case $1 in add) echo 10_add_new_partition.sql ;; split) echo 11_split_partition.sql ;;
	detach) echo 12_detach_archive.sql ;; esac
}
ro_target() {
	case $1 in add) echo event_logs_2024_04 ;; split) echo event_logs_2024_03_w1 ;;
	detach) echo event_logs_archive_2024_01 ;; esac
}

ro_under_writes() {
	local scenario=$1 dir writer run
	rp_fresh_db "ro_${scenario}_writes"
	dir=$(mktemp -d)
	rp_writer "$dir/ledger" "$dir/errors" "$dir/stop" &
	writer=$!
	# the copy waits for the pause at most LOCK_TIMEOUT_MS: long enough for the churn
	LOCK_TIMEOUT_MS=120000 "$REPARTITION" --batch 50 --json "$scenario" >"$dir/out" 2>"$dir/err" &
	run=$!
	# the churn runs while the copy is under way: after the capture began
	rp_pause_online_copy
	ro_churn "$scenario" a
	ro_churn "$scenario" b
	rp_resume_online_copy
	wait "$run" || fail "online $scenario failed: $(tail -20 "$dir/err")"
	sleep 0.5
	touch "$dir/stop"
	wait "$writer"

	assert_eq online "$(rp_json_field "$(<"$dir/out")" '{mode}')"
	assert_contains "$(<"$dir/err")" "swapped in"
	assert_eq "" "$(cat "$dir/errors")" "no write failed"
	assert_eq 0 "$(rp_ledger_missing "$dir/ledger")" "committed rows missing"
	[[ $(grep -c . "$dir/ledger") -gt 5 ]] || fail "the writer wrote too little"
	ro_check_churn "$scenario" 2
	ro_assert_done_cleanly
	rm -rf "$dir"
}

# kill -9 while the copy is paused; the table serves and captures meanwhile
ro_kill_in_copy() {
	local scenario=$1 dir pid
	dir=$(mktemp -d)
	"$REPARTITION" --batch 50 "$scenario" >"$dir/out" 2>"$dir/err" &
	pid=$!
	rp_pause_online_copy
	kill -9 "$pid"
	wait "$pid" || true
	rp_resume_online_copy
	ro_wait_session_gone
	rm -rf "$dir"
}

ro_kill_in_copy_then_resume() {
	local scenario=$1 layout print
	rp_fresh_db "ro_${scenario}_kill_copy"
	layout=$(rp_layout event_logs)
	ro_kill_in_copy "$scenario"
	assert_eq "$layout" "$(rp_layout event_logs)" "layout while half done"
	assert_eq 1 "$(sql "SELECT count(*) FROM partition_demo.online_migrations WHERE operation = '$scenario'")"
	ro_churn "$scenario" a
	# a target being built is not a partition yet: a write to it by name is
	# refused (it would be a row the sources do not have)
	local target
	target=$(ro_target "$scenario")
	assert_exit 1 psql -XAtq -v ON_ERROR_STOP=1 -c "DELETE FROM $target"
	assert_contains "$OUT" "$target is being built by an online $scenario of event_logs: it takes no writes until it is swapped in"
	print=$(rp_events_fingerprint)
	assert_exit 1 "$REPARTITION" --offline "$scenario"
	assert_contains "$OUT" "an online $scenario of event_logs is in progress already"
	assert_contains "$OUT" "bin/repartition --abort"

	assert_exit 0 "$REPARTITION" "$scenario"
	assert_contains "$OUT" "resuming the online migration started"
	assert_contains "$OUT" "swapped in"
	assert_eq "$print" "$(rp_events_fingerprint)" "every row, the churn's included"
	ro_check_churn "$scenario" 1
	ro_assert_done_cleanly
}

ro_kill_in_copy_then_abort() {
	local scenario=$1 layout print
	rp_fresh_db "ro_${scenario}_abort"
	layout=$(rp_layout event_logs)
	ro_kill_in_copy "$scenario"
	ro_churn "$scenario" a
	print=$(rp_events_fingerprint)

	assert_exit 0 "$REPARTITION" --abort
	assert_contains "$OUT" "online migration removed"
	assert_eq "$layout" "$(rp_layout event_logs)"
	assert_eq "$print" "$(rp_events_fingerprint)"
	assert_eq "" "$(sql "SELECT string_agg(relname, ',') FROM pg_class
		WHERE relname ~ '^event_logs_(2024_04|default_next|2024_03_w[1-5]|archive.*)$'")" \
		"what the run built is gone (detach's archive, created by this run, too)"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'online\\_%'")" "capture triggers left"
	assert_eq 0 "$(sql "SELECT count(*) FROM pg_constraint WHERE contype = 'c'
		AND conrelid IN (SELECT relid FROM pg_partition_tree('event_logs'))")" "the plan's CHECK on DEFAULT is gone"
	assert_exit 0 "$REPARTITION" --abort
	assert_contains "$OUT" "nothing to remove"
	# and the scenario runs from the start
	assert_exit 0 "$REPARTITION" "$scenario"
	assert_eq "$print" "$(rp_events_fingerprint)"
	rp_assert_rows_in_place "$scenario"
	ro_assert_done_cleanly
}

ro_kill_in_swap_then_resume() {
	local scenario=$1 scripts pid print layout file
	rp_fresh_db "ro_${scenario}_kill_swap"
	layout=$(rp_layout event_logs)
	print=$(rp_events_fingerprint)
	file=$(ro_file "$scenario")
	# the last statement of the swap section, before COMMIT
	scripts=$(rp_scripts_with_injection "$file" "SELECT pg_sleep(120)" "$(ro_swap_end_step "$scenario")")
	"$REPARTITION" --scripts "$scripts" "$scenario" >/dev/null 2>&1 &
	pid=$!
	ro_wait_for_statement "SELECT pg_sleep(120)"
	# readers wait behind the swap's lock now; kill -9 ends it within a second
	kill -9 "$pid"
	wait "$pid" || true
	ro_wait_session_gone
	assert_eq "$layout" "$(rp_layout event_logs)" "the swap was rolled back"
	assert_eq "$print" "$(rp_events_fingerprint)"

	TEST_CMD_TIMEOUT=60 assert_exit 0 "$REPARTITION" "$scenario"
	assert_contains "$OUT" "resuming the online migration started"
	assert_eq "$print" "$(rp_events_fingerprint)"
	rp_assert_rows_in_place "$scenario"
	ro_assert_done_cleanly
	rm -rf "$(dirname "$scripts")"
}

ro_swap_retries_behind_a_long_transaction() {
	local scenario=$1 dir pid holder source day
	case $scenario in
	add) source=event_logs_default day=2024-06-02 ;;
	split) source=event_logs_2024_03 day=2024-03-02 ;;
	detach) source=event_logs_2024_01 day=2024-01-02 ;;
	esac
	rp_fresh_db "ro_${scenario}_holder"
	dir=$(mktemp -d)
	"$REPARTITION" --batch 50 --attempts 100 "$scenario" >"$dir/out" 2>"$dir/err" &
	pid=$!
	rp_pause_online_copy
	# a writer of the source that stays idle in its transaction
	{
		echo "BEGIN;"
		echo "INSERT INTO $source (event_type, user_id, created_at) VALUES ('held', 1, '$day');"
		while [[ ! -e $dir/release ]]; do sleep 0.1; done
		echo "COMMIT;"
	} | PGAPPNAME=ro_holder psql -XAtq -v ON_ERROR_STOP=1 >/dev/null &
	holder=$!
	rp_wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'ro_holder'
		AND state = 'idle in transaction')" "the holder to hold its lock"
	rp_resume_online_copy
	until grep -q "swap: lock not granted" "$dir/err"; do
		kill -0 "$pid" 2>/dev/null || fail "repartition ended before its swap waited: $(tail "$dir/err")"
		sleep 0.1
	done
	# meanwhile event_logs serves: a reader and a writer through the parent go through
	assert_eq 1 "$(sql "SELECT count(*) FROM (SELECT FROM event_logs LIMIT 1) AS x")"
	sql "INSERT INTO event_logs (event_type, user_id, created_at) VALUES ('while', 1, '2024-02-02')" >/dev/null
	touch "$dir/release"
	wait "$holder"
	wait "$pid" || fail "online $scenario failed after the holder let go: $(tail -20 "$dir/err")"
	assert_contains "$(<"$dir/err")" "ro_holder"
	assert_contains "$(<"$dir/err")" "swapped in"
	assert_eq 1 "$(sql "SELECT count(*) FROM $(rp_events) AS t WHERE event_type = 'held'")" "the held write"
	assert_eq 1 "$(sql "SELECT count(*) FROM event_logs_2024_02 WHERE event_type = 'while'")"
	rp_assert_rows_in_place "$scenario"
	ro_assert_done_cleanly
	rm -rf "$dir"
}

# The swap is catalog work: ATTACH proves every bound from CHECK constraints
# instead of scanning (PostgreSQL reports it at DEBUG1), and the offline form
# gives the same partitions, rows, indexes and constraints.
ro_swap_scans_nothing_and_matches_offline() {
	local scenario=$1 online offline swap
	rp_fresh_db "ro_${scenario}_offline"
	assert_exit 0 "$REPARTITION" --offline "$scenario"
	offline=$(rp_partition_contents)
	rp_fresh_db "ro_${scenario}_debug"
	assert_exit 0 env PGOPTIONS="-c client_min_messages=debug1" "$REPARTITION" "$scenario"
	assert_contains "$OUT" "swapped in"
	# "verifying table" is a scan: the empty targets' CHECKs in the prepare and
	# DEFAULT's CHECK in the keys step scan (writers go on), the swap must not
	swap=$(sed -n '/rows of both tables at one snapshot/,/swapped in/p' <<<"$OUT")
	assert_contains "$swap" "is implied by existing constraints"
	assert_not_contains "$swap" "verifying table"
	case $scenario in
	add)
		assert_contains "$OUT" "partition constraint for table \"event_logs_2024_04\" is implied by existing constraints"
		assert_contains "$OUT" "partition constraint for table \"event_logs_default_next\" is implied by existing constraints" ;;
	split)
		assert_contains "$OUT" "partition constraint for table \"event_logs_2024_03_w3\" is implied by existing constraints"
		assert_contains "$OUT" "updated partition constraint for default partition \"event_logs_default\" is implied by existing constraints" ;;
	detach)
		assert_contains "$OUT" "partition constraint for table \"event_logs_archive_2024_01\" is implied by existing constraints" ;;
	esac
	online=$(rp_partition_contents)
	assert_eq "$offline" "$online" "online and offline give the same partitions"
}

for ro_scenario in add split detach; do
	for ro_case in under_writes kill_in_copy_then_resume kill_in_copy_then_abort kill_in_swap_then_resume \
		swap_retries_behind_a_long_transaction swap_scans_nothing_and_matches_offline; do
		eval "test_online_${ro_scenario}_${ro_case}() { ro_${ro_case} $ro_scenario; }"
		run_test "online_${ro_scenario}_${ro_case}" "test_online_${ro_scenario}_${ro_case}"
	done
done
unset ro_scenario ro_case
