# shellcheck shell=bash
# test_repartition_direct_writes.sh - sessions that write straight into a
# partition, DEFAULT, the archive or the hash backup (not through the parent)
# while a scenario runs: their transaction is open, with its writes done,
# when the scenario starts, and commits as soon as the scenario waits for one
# of its locks. Every write must be in the final state, which is compared
# with the same writes applied to a copy of the database (the independent
# expected state), and the integrity report must describe what is there.
# Sourced by tests/integration/run.sh.

# shellcheck source=tests/lib/repartition_helpers.sh
source "$ROOT_DIR/tests/lib/repartition_helpers.sh"

# the fingerprint of event_logs plus its archive, as cleanup and detach count them
rp_events_and_archive() {
	sql "SELECT count(*) || ':' || coalesce(sum(h), 0) FROM (
		SELECT hashtextextended(ROW(e.id, e.event_type, e.user_id, e.event_data, e.ip_address, e.created_at)::text, 0) AS h
		  FROM event_logs AS e
		UNION ALL
		SELECT hashtextextended(ROW(a.id, a.event_type, a.user_id, a.event_data, a.ip_address, a.created_at)::text, 0)
		  FROM event_logs_archive AS a) AS x"
}

# "event_type|partition" of event row $1 (empty when it is not in event_logs)
rp_event_at() {
	sql "SELECT event_type || '|' || tableoid::regclass FROM event_logs WHERE id = $1"
}

# applies $2 to a copy of the database named $1 and prints the fingerprint
# of event_logs there (rp_events_and_archive when $3 = archive)
rp_expected_events() {
	rp_copy_db "$1"
	PGDATABASE=$1 sql "$2" >/dev/null
	if [[ ${3-} == archive ]]; then
		PGDATABASE=$1 rp_events_and_archive
	else
		PGDATABASE=$1 rp_fingerprint event_logs
	fi
}

# the issue's case: UPDATE, DELETE and INSERT straight into a weekly
# partition, open while cleanup runs (cleanup used to wait for them only at
# its DETACH, after copying the week, and drop the writes with it)
test_cleanup_keeps_direct_writes_to_a_weekly_partition() {
	rp_fresh_db rp_direct_week
	assert_exit 0 "$REPARTITION" split
	local x y writes expected
	x=$(sql "SELECT min(id) FROM event_logs_2024_03_w2")
	y=$(sql "SELECT max(id) FROM event_logs_2024_03_w2")
	writes="UPDATE event_logs_2024_03_w2 SET event_type = 'direct_update', event_data = '{\"v\": 2}' WHERE id = $x;
		DELETE FROM event_logs_2024_03_w2 WHERE id = $y;
		INSERT INTO event_logs_2024_03_w2 (id, event_type, user_id, created_at)
		VALUES (900001, 'direct_insert', 42, '2024-03-10 12:00')"
	expected=$(rp_expected_events rp_direct_week_expected "$writes")

	rp_direct_writer "$TMPDIR/writer.out" "$writes"
	assert_exit 0 "$REPARTITION" --json ${RP_MODE:+"$RP_MODE"} cleanup
	wait "$RP_WRITER" || fail "the direct writer failed: $(cat "$TMPDIR/writer.out")"

	assert_eq "direct_update|event_logs_2024_03" "$(rp_event_at "$x")" "X has its new value"
	assert_eq "" "$(rp_event_at "$y")" "Y stays deleted"
	assert_eq "direct_insert|event_logs_2024_03" "$(rp_event_at 900001)" "the inserted row is there"
	assert_eq "$expected" "$(rp_fingerprint event_logs)" "event_logs as the same writes left the copy"
	rp_assert_report "$expected"
	assert_eq "$(PGDATABASE=rp_template rp_layout event_logs)" "$(rp_layout event_logs)"
}

# direct writes into DEFAULT during add: rows of the new month among them
# (add used to miss the inserted one and fail on ATTACH, 23514)
test_add_holds_off_direct_writers_of_default() {
	rp_fresh_db rp_direct_add
	local x y z writes expected
	x=$(sql "SELECT min(id) FROM event_logs_default WHERE created_at >= '2024-04-01' AND created_at < '2024-05-01'")
	y=$(sql "SELECT max(id) FROM event_logs_default WHERE created_at >= '2024-04-01' AND created_at < '2024-05-01'")
	z=$(sql "SELECT min(id) FROM event_logs_default WHERE created_at >= '2024-05-01'")
	writes="UPDATE event_logs_default SET event_type = 'direct_update' WHERE id = $x;
		DELETE FROM event_logs_default WHERE id = $y;
		INSERT INTO event_logs_default (id, event_type, user_id, created_at)
		VALUES (900001, 'direct_insert', 42, '2024-04-20 12:00');
		UPDATE event_logs_default SET event_type = 'direct_update_may' WHERE id = $z"
	expected=$(rp_expected_events rp_direct_add_expected "$writes")

	rp_direct_writer "$TMPDIR/writer.out" "$writes"
	assert_exit 0 "$REPARTITION" --json ${RP_MODE:+"$RP_MODE"} add
	wait "$RP_WRITER" || fail "the direct writer failed: $(cat "$TMPDIR/writer.out")"

	assert_eq "direct_update|event_logs_2024_04" "$(rp_event_at "$x")"
	assert_eq "" "$(rp_event_at "$y")"
	assert_eq "direct_insert|event_logs_2024_04" "$(rp_event_at 900001)"
	assert_eq "direct_update_may|event_logs_default" "$(rp_event_at "$z")"
	assert_eq 0 "$(sql "SELECT count(*) FROM event_logs_default WHERE created_at >= '2024-04-01' AND created_at < '2024-05-01'")"
	assert_eq "$expected" "$(rp_fingerprint event_logs)"
	if [[ $RP_MODE == --offline ]]; then
		assert_eq "$expected" "$(rp_report_print "$STDOUT" 0)" "the report counts what is there"
	else
		assert_eq online "$(rp_json_field "$STDOUT" '{mode}')"
	fi
}


# direct writes into DEFAULT while March is split (split used to report
# DEFAULT's old rows as identical), then into the month itself while April is
# split (split used to fail its check)
test_split_holds_off_direct_writers_of_default_and_the_month() {
	rp_fresh_db rp_direct_split
	local x y z writes expected
	z=$(sql "SELECT min(id) FROM event_logs_default")
	writes="UPDATE event_logs_default SET event_type = 'direct_update_default' WHERE id = $z;
		INSERT INTO event_logs_default (id, event_type, user_id, created_at)
		VALUES (900002, 'direct_insert_default', 42, '2024-06-20 12:00')"
	expected=$(rp_expected_events rp_direct_split_expected "$writes")
	rp_direct_writer "$TMPDIR/writer.out" "$writes"
	assert_exit 0 "$REPARTITION" --json ${RP_MODE:+"$RP_MODE"} split
	wait "$RP_WRITER" || fail "the direct writer failed: $(cat "$TMPDIR/writer.out")"
	assert_eq "direct_update_default|event_logs_default" "$(rp_event_at "$z")"
	assert_eq "direct_insert_default|event_logs_default" "$(rp_event_at 900002)"
	assert_eq "$expected" "$(rp_fingerprint event_logs)"
	if [[ $RP_MODE == --offline ]]; then
		assert_eq "$expected" "$(rp_report_print "$STDOUT" 0)" "the report counts what is there"
	fi

	assert_exit 0 "$REPARTITION" add
	x=$(sql "SELECT min(id) FROM event_logs_2024_04")
	y=$(sql "SELECT max(id) FROM event_logs_2024_04")
	writes="UPDATE event_logs_2024_04 SET event_type = 'direct_update', created_at = '2024-04-30 08:00' WHERE id = $x;
		DELETE FROM event_logs_2024_04 WHERE id = $y;
		INSERT INTO event_logs_2024_04 (id, event_type, user_id, created_at)
		VALUES (900001, 'direct_insert', 42, '2024-04-10 12:00')"
	expected=$(rp_expected_events rp_direct_split_expected "$writes")
	rp_direct_writer "$TMPDIR/writer.out" "$writes"
	assert_exit 0 "$REPARTITION" --json ${RP_MODE:+"$RP_MODE"} split
	assert_contains "$(rp_json_field "$STDOUT" '{messages}')" "splitting event_logs_2024_04 into 5 weekly partitions"
	wait "$RP_WRITER" || fail "the direct writer failed: $(cat "$TMPDIR/writer.out")"
	assert_eq "direct_update|event_logs_2024_04_w5" "$(rp_event_at "$x")" "moved to the 30th: the last week"
	assert_eq "" "$(rp_event_at "$y")"
	assert_eq "direct_insert|event_logs_2024_04_w2" "$(rp_event_at 900001)"
	assert_eq "$expected" "$(rp_fingerprint event_logs)"
	if [[ $RP_MODE == --offline ]]; then
		assert_eq "$expected" "$(rp_report_print "$STDOUT" 0)" "the report counts what is there"
	else
		assert_eq online "$(rp_json_field "$STDOUT" '{mode}')"
	fi
}

# direct writes into the month being archived, then (second run) into the
# archive itself while the next month is archived
test_detach_holds_off_direct_writers_of_the_month_and_archive() {
	rp_fresh_db rp_direct_detach
	local x y writes expected
	x=$(sql "SELECT min(id) FROM event_logs_2024_01")
	y=$(sql "SELECT max(id) FROM event_logs_2024_01")
	writes="UPDATE event_logs_2024_01 SET event_type = 'direct_update' WHERE id = $x;
		DELETE FROM event_logs_2024_01 WHERE id = $y;
		INSERT INTO event_logs_2024_01 (id, event_type, user_id, created_at)
		VALUES (900001, 'direct_insert', 42, '2024-01-10 12:00')"
	expected=$(rp_expected_events rp_direct_detach_expected "$writes")

	rp_direct_writer "$TMPDIR/writer.out" "$writes"
	assert_exit 0 "$REPARTITION" --json ${RP_MODE:+"$RP_MODE"} detach
	wait "$RP_WRITER" || fail "the direct writer failed: $(cat "$TMPDIR/writer.out")"
	assert_eq "direct_update|event_logs_2024_01" "$(sql "SELECT event_type || '|' || source_partition FROM event_logs_archive WHERE id = $x")"
	assert_eq 0 "$(sql "SELECT count(*) FROM event_logs_archive WHERE id = $y")"
	assert_eq "direct_insert" "$(sql "SELECT event_type FROM event_logs_archive WHERE id = 900001")"
	assert_eq "$expected" "$(rp_events_and_archive)" "event_logs and its archive hold the written rows"
	rp_assert_report "$expected"

	# the archive is a table a user can write to
	x=$(sql "SELECT min(id) FROM event_logs_archive")
	y=$(sql "SELECT max(id) FROM event_logs_archive")
	writes="UPDATE event_logs_archive SET event_type = 'archive_update' WHERE id = $x;
		DELETE FROM event_logs_archive WHERE id = $y;
		INSERT INTO event_logs_archive (id, event_type, user_id, created_at, source_partition)
		VALUES (900002, 'archive_insert', 42, '2024-01-11 12:00', 'by hand')"
	expected=$(rp_expected_events rp_direct_detach_expected "$writes" archive)
	if [[ $RP_MODE == --offline ]]; then
		rp_direct_writer "$TMPDIR/writer.out" "$writes"
	else
		# online, nothing waits for the archive's writers (ATTACH takes SHARE
		# UPDATE EXCLUSIVE on it): the transaction stays open until February
		# is archived, and commits after
		# (a scan of pg_class, not to_regclass(): the name cache of an open
		# transaction that takes no new lock is not refreshed)
		rp_direct_writer "$TMPDIR/writer.out" "$writes" \
			"NOT EXISTS (SELECT FROM pg_catalog.pg_class WHERE relname = 'event_logs_2024_02')"
	fi
	assert_exit 0 "$REPARTITION" --json ${RP_MODE:+"$RP_MODE"} detach
	assert_contains "$(rp_json_field "$STDOUT" '{messages}')" "archiving the oldest month of event_logs: 2024-02"
	wait "$RP_WRITER" || fail "the direct writer failed: $(cat "$TMPDIR/writer.out")"
	assert_eq "archive_update|archive_insert|0" "$(sql "SELECT (SELECT event_type FROM event_logs_archive WHERE id = $x),
		(SELECT event_type FROM event_logs_archive WHERE id = 900002), (SELECT count(*) FROM event_logs_archive WHERE id = $y)")"
	assert_eq "$expected" "$(rp_events_and_archive)"
	rp_assert_report "$expected"
}

# rp_assert_report EXPECTED [N]: offline, the report's group N (default 0:
# event_logs + archive) counts what is there; online, the JSON says which
# form ran
rp_assert_report() {
	if [[ $RP_MODE == --offline ]]; then
		assert_eq "$1" "$(rp_report_print "$STDOUT" "${2:-0}")" "the report counts what is there"
	else
		assert_eq online "$(rp_json_field "$STDOUT" '{mode}')"
	fi
}

# direct writes into a hash partition of users_distributed during migrate
test_migrate_holds_off_direct_writers_of_a_hash_partition() {
	rp_fresh_db rp_direct_migrate
	local x y new_id writes expected
	x=$(sql "SELECT min(id) FROM users_distributed_p1")
	y=$(sql "SELECT max(id) FROM users_distributed_p1")
	new_id=$(sql "SELECT i FROM generate_series(900000, 900100) AS i
		WHERE satisfies_hash_partition('users_distributed'::regclass, 4, 1, i) LIMIT 1")
	writes="UPDATE users_distributed_p1 SET email = 'direct@example.com' WHERE id = $x;
		DELETE FROM users_distributed_p1 WHERE id = $y;
		INSERT INTO users_distributed_p1 (id, username, email) VALUES ($new_id, 'direct_user', 'new@example.com')"
	rp_copy_db rp_direct_migrate_expected
	PGDATABASE=rp_direct_migrate_expected sql "$writes" >/dev/null
	expected=$(PGDATABASE=rp_direct_migrate_expected rp_fingerprint users_distributed)

	rp_direct_writer "$TMPDIR/writer.out" "$writes"
	assert_exit 0 "$REPARTITION" --json ${RP_MODE:+"$RP_MODE"} migrate
	wait "$RP_WRITER" || fail "the direct writer failed: $(cat "$TMPDIR/writer.out")"
	assert_eq "direct@example.com|0|direct_user" "$(sql "SELECT (SELECT email FROM users_distributed WHERE id = $x),
		(SELECT count(*) FROM users_distributed WHERE id = $y), (SELECT username FROM users_distributed WHERE id = $new_id)")"
	assert_eq "$expected" "$(rp_fingerprint users_distributed)"
	assert_eq "$expected" "$(rp_fingerprint users_distributed_hash)" "the kept hash table too"
	if [[ $RP_MODE == --offline ]]; then
		assert_eq "$expected" "$(rp_report_print "$STDOUT" 0)" "the report counts what is there"
	else
		assert_eq online "$(rp_json_field "$STDOUT" '{mode}')"
	fi
	# offline the bounds are computed under the lock, after the writer's
	# commit; online before it (the writer holds off the capture triggers,
	# not the plan): its id is beyond the ranges then
	assert_eq "$([[ $RP_MODE == --offline ]] && echo users_distributed_r4 || echo users_distributed_rmax)" \
		"$(sql "SELECT tableoid::regclass FROM users_distributed WHERE id = $new_id")" \
		"the highest id is in the last range below MAXVALUE (offline), beyond it (online)"
}

# after detach, January rows in DEFAULT: direct writes there during cleanup
# (cleanup used to miss the inserted one and fail on ATTACH, 23514)
test_cleanup_holds_off_direct_writers_of_default() {
	rp_fresh_db rp_direct_cleanup_default
	assert_exit 0 "$REPARTITION" detach
	local x writes expected
	x=$(sql "INSERT INTO event_logs (event_type, user_id, created_at) VALUES ('late', 1, '2024-01-31 23:00') RETURNING id")
	writes="UPDATE event_logs_default SET event_type = 'direct_update' WHERE id = $x;
		INSERT INTO event_logs_default (id, event_type, user_id, created_at)
		VALUES (900001, 'direct_insert', 42, '2024-01-15 12:00')"
	expected=$(rp_expected_events rp_direct_cleanup_default_expected "$writes" archive)

	rp_direct_writer "$TMPDIR/writer.out" "$writes"
	assert_exit 0 "$REPARTITION" --json ${RP_MODE:+"$RP_MODE"} cleanup
	wait "$RP_WRITER" || fail "the direct writer failed: $(cat "$TMPDIR/writer.out")"
	assert_eq "direct_update|event_logs_2024_01" "$(rp_event_at "$x")"
	assert_eq "direct_insert|event_logs_2024_01" "$(rp_event_at 900001)"
	assert_eq "$expected" "$(rp_fingerprint event_logs)"
	rp_assert_report "$expected"
}

# after detach and migrate: direct writes into the archive (its rows come
# back) and into the hash backup (made equal to the live table again) during
# cleanup
test_cleanup_holds_off_direct_writers_of_archive_and_backup() {
	rp_fresh_db rp_direct_cleanup_archive
	assert_exit 0 "$REPARTITION" detach
	assert_exit 0 "$REPARTITION" migrate
	local x y writes expected users
	x=$(sql "SELECT min(id) FROM event_logs_archive")
	y=$(sql "SELECT max(id) FROM event_logs_archive")
	writes="UPDATE event_logs_archive SET event_type = 'archive_update' WHERE id = $x;
		DELETE FROM event_logs_archive WHERE id = $y;
		INSERT INTO event_logs_archive (id, event_type, user_id, created_at, source_partition)
		VALUES (900001, 'archive_insert', 42, '2024-01-11 12:00', 'by hand')"
	expected=$(rp_expected_events rp_direct_cleanup_archive_expected "$writes" archive)
	users=$(rp_fingerprint users_distributed)

	# the backup refuses writes since migrate: a writer that lifts that
	# guard on purpose makes it differ from the live table
	rp_direct_writer "$TMPDIR/writer.out" "$writes;
		SELECT partition_demo.backup_accept_writes('users_distributed_hash');
		UPDATE users_distributed_hash SET email = 'stale@example.com' WHERE id = 7;
		DELETE FROM users_distributed_hash WHERE id = 8"
	assert_exit 0 "$REPARTITION" --json ${RP_MODE:+"$RP_MODE"} cleanup
	wait "$RP_WRITER" || fail "the direct writer failed: $(cat "$TMPDIR/writer.out")"
	assert_eq "archive_update|event_logs_2024_01" "$(rp_event_at "$x")"
	assert_eq "" "$(rp_event_at "$y")"
	assert_eq "archive_insert|event_logs_2024_01" "$(rp_event_at 900001)"
	assert_eq "$expected" "$(rp_fingerprint event_logs)"
	rp_assert_report "$expected"
	# the live table is the reference: the backup's own writes are undone
	assert_eq "$users" "$(rp_fingerprint users_distributed)"
	rp_assert_report "$users" 1
	assert_eq h "$(sql "SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'users_distributed'::regclass")"
}

# The final check scans what is there. A change inside the scenario's
# transaction that the transaction's write counters do not see (made with
# track_counts off) went unnoticed by the memoized measurement, which then
# compared the old state with itself; now the scenario fails and rolls back.
test_repartition_final_check_scans_the_final_state() {
	rp_fresh_db rp_final_check
	local scripts print layout
	print=$(rp_fingerprint event_logs)
	layout=$(rp_layout event_logs)
	scripts=$(rp_scripts_with_injection 11_split_partition.sql "SET LOCAL track_counts = off; UPDATE event_logs_2024_01 SET event_type = 'corrupted' WHERE id = (SELECT min(id) FROM event_logs_2024_01); SET LOCAL track_counts = on" 8)

	assert_exit 1 "$REPARTITION" --offline --scripts "$scripts" split
	assert_contains "$OUT" "verification failed: no row lost, added or changed in event_logs"
	assert_contains "$OUT" "nothing of it was applied"
	assert_eq 0 "$(sql "SELECT count(*) FROM event_logs WHERE event_type = 'corrupted'")"
	assert_eq "$print" "$(rp_fingerprint event_logs)"
	assert_eq "$layout" "$(rp_layout event_logs)"
	rm -rf "$(dirname "$scripts")"
}

RP_MODE=--offline run_test cleanup_keeps_direct_writes_to_a_weekly_partition test_cleanup_keeps_direct_writes_to_a_weekly_partition
RP_MODE= run_test cleanup_online_keeps_direct_writes_to_a_weekly_partition test_cleanup_keeps_direct_writes_to_a_weekly_partition
RP_MODE=--offline run_test add_holds_off_direct_writers_of_default test_add_holds_off_direct_writers_of_default
# online, the writer holds off the prepare's CREATE TRIGGER instead (its
# writes are then either before the copy or captured)
RP_MODE= run_test add_online_waits_for_direct_writers_of_default test_add_holds_off_direct_writers_of_default
RP_MODE=--offline run_test split_holds_off_direct_writers_of_default_and_the_month test_split_holds_off_direct_writers_of_default_and_the_month
RP_MODE= run_test split_online_waits_for_direct_writers_of_the_month test_split_holds_off_direct_writers_of_default_and_the_month
RP_MODE=--offline run_test detach_holds_off_direct_writers_of_the_month_and_archive test_detach_holds_off_direct_writers_of_the_month_and_archive
RP_MODE= run_test detach_online_waits_for_direct_writers_of_the_month test_detach_holds_off_direct_writers_of_the_month_and_archive
RP_MODE=--offline run_test migrate_holds_off_direct_writers_of_a_hash_partition test_migrate_holds_off_direct_writers_of_a_hash_partition
RP_MODE= run_test migrate_online_waits_for_direct_writers_of_a_hash_partition test_migrate_holds_off_direct_writers_of_a_hash_partition
RP_MODE=--offline run_test cleanup_holds_off_direct_writers_of_default test_cleanup_holds_off_direct_writers_of_default
RP_MODE= run_test cleanup_online_waits_for_direct_writers_of_default test_cleanup_holds_off_direct_writers_of_default
RP_MODE=--offline run_test cleanup_holds_off_direct_writers_of_archive_and_backup test_cleanup_holds_off_direct_writers_of_archive_and_backup
RP_MODE= run_test cleanup_online_waits_for_direct_writers_of_archive_and_backup test_cleanup_holds_off_direct_writers_of_archive_and_backup
run_test repartition_final_check_scans_the_final_state test_repartition_final_check_scans_the_final_state
