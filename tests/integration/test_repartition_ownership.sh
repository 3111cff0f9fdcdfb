# shellcheck shell=bash
# test_repartition_ownership.sh - the scenarios, and setup, never drop, empty,
# detach or write into a table the project did not create: a user's table
# that has the name they would create or reuse (event_logs_archive, the next
# month, a week, a range partition, a month cleanup rebuilds, a serial's
# sequence), or that is attached as a partition of event_logs, makes them
# refuse with the table named, and nothing changes.  Each user table's rows
# are compared with the rows the test put there; event_logs and
# users_distributed with the post-setup template.  Sourced by
# tests/integration/run.sh.

# shellcheck source=tests/lib/repartition_helpers.sh
source "$ROOT_DIR/tests/lib/repartition_helpers.sh"

# event_logs / users_distributed exactly as right after setup (layout, rows)
own_assert_as_after_setup() {
	local t
	for t in "$@"; do
		assert_eq "$(PGDATABASE=rp_template rp_layout "$t")" "$(rp_layout "$t")" "$t: the layout of setup"
		assert_eq "$(grep "^$t " <<<"$RP_SETUP_PRINTS")" "$t $(rp_fingerprint "$t")" "$t: the rows of setup"
	done
}

# every row of a table, as text, ordered: a user's table, compared whole
own_rows() {
	sql "SELECT coalesce(string_agg(t::text, ' ' ORDER BY t::text), '') FROM $1 AS t"
}

test_detach_refuses_a_users_event_logs_archive() {
	rp_fresh_db rp_own_archive
	# the user's own table of that name, with the very columns of the project's
	sql "CREATE TABLE event_logs_archive (
			id bigint NOT NULL, event_type varchar(50) NOT NULL, user_id integer NOT NULL, event_data jsonb,
			ip_address inet, created_at timestamp NOT NULL, archived_at timestamptz NOT NULL DEFAULT now(),
			source_partition text NOT NULL, PRIMARY KEY (id, created_at));
		INSERT INTO event_logs_archive VALUES
			(-1, 'mine', 7, '{\"from\": \"my system\"}', '10.0.0.1', '2023-06-01 10:00', '2023-07-01 00:00+00', 'mine'),
			(-2, 'mine', 8, NULL, NULL, '2023-06-02 11:00', '2023-07-01 00:00+00', 'mine')"
	local mine
	mine=$(own_rows event_logs_archive)
	assert_contains "$mine" "(-1,mine,7,"
	assert_exit 1 "$REPARTITION" detach
	assert_contains "$OUT" "refusing to archive rows into event_logs_archive: it was not created by this project (SQLSTATE 55000)"
	assert_contains "$OUT" "nothing was changed; set it aside, then run again: ALTER TABLE event_logs_archive RENAME TO <another name>"
	assert_eq "$mine" "$(own_rows event_logs_archive)" "the user's two rows, and only them"
	own_assert_as_after_setup event_logs

	# other columns: the same refusal (not an error about a missing column)
	sql "DROP TABLE event_logs_archive;
		CREATE TABLE event_logs_archive (id int, note text);
		INSERT INTO event_logs_archive VALUES (1, 'mine')"
	assert_exit 1 "$REPARTITION" detach
	assert_contains "$OUT" "refusing to archive rows into event_logs_archive: it was not created by this project"
	assert_eq "(1,mine)" "$(own_rows event_logs_archive)"
	own_assert_as_after_setup event_logs

	# set aside, detach makes an archive of its own
	sql "ALTER TABLE event_logs_archive RENAME TO my_archive"
	assert_exit 0 "$REPARTITION" detach
	assert_eq "(1,mine)" "$(own_rows my_archive)"
	assert_eq t "$(sql "SELECT partition_demo.created_by_project('event_logs_archive')")"
	assert_eq "$(sql "SELECT count(*) FROM event_logs_2024_01" -d rp_template)" \
		"$(sql "SELECT count(*) FROM event_logs_archive")" "January, archived"
}

test_detach_and_split_refuse_to_drop_a_users_partition() {
	local layout print
	# the oldest month is the user's: detach would archive and drop it
	rp_fresh_db rp_own_oldest
	sql "CREATE TABLE my_2023_12 (LIKE event_logs INCLUDING DEFAULTS);
		INSERT INTO my_2023_12 (id, event_type, user_id, created_at)
		VALUES (-1, 'mine', 1, '2023-12-05'), (-2, 'mine', 2, '2023-12-24');
		ALTER TABLE event_logs ATTACH PARTITION my_2023_12 FOR VALUES FROM ('2023-12-01') TO ('2024-01-01')"
	layout=$(rp_layout event_logs)
	assert_exit 1 "$REPARTITION" detach
	assert_contains "$OUT" "refusing to archive a month of event_logs: my_2023_12 (a partition of event_logs) was not created by this project (SQLSTATE 55000)"
	assert_contains "$OUT" "ALTER TABLE event_logs DETACH PARTITION my_2023_12"
	assert_eq "my_2023_12:-2 my_2023_12:-1" "$(sql "SELECT string_agg(tableoid::regclass || ':' || id, ' ' ORDER BY id)
		FROM event_logs WHERE id < 0")" "the user's rows, in the user's table, still attached"
	assert_eq "$layout" "$(rp_layout event_logs)"
	assert_eq "$(grep '^event_logs ' <<<"$RP_SETUP_PRINTS")" "event_logs $(rp_fingerprint event_logs 'id > 0')"
	assert_eq "" "$(sql "SELECT to_regclass('event_logs_archive')")" "no archive made"

	# the newest month is the user's: split would copy it into weeks and drop it
	rp_fresh_db rp_own_newest
	sql "CREATE TABLE my_2025_01 (LIKE event_logs INCLUDING DEFAULTS);
		INSERT INTO my_2025_01 (id, event_type, user_id, created_at) VALUES (-3, 'mine', 3, '2025-01-09');
		ALTER TABLE event_logs ATTACH PARTITION my_2025_01 FOR VALUES FROM ('2025-01-01') TO ('2025-02-01')"
	layout=$(rp_layout event_logs)
	assert_exit 1 "$REPARTITION" split
	assert_contains "$OUT" "refusing to split a partition of event_logs: my_2025_01 (a partition of event_logs) was not created by this project"
	assert_eq "my_2025_01:-3" "$(sql "SELECT tableoid::regclass || ':' || id FROM event_logs WHERE id < 0")"
	assert_eq "$layout" "$(rp_layout event_logs)"
	assert_eq "" "$(sql "SELECT string_agg(relname, ',') FROM pg_class WHERE relname LIKE 'event\\_logs\\_2025\\_01%'")"
	assert_eq "$(grep '^event_logs ' <<<"$RP_SETUP_PRINTS")" "event_logs $(rp_fingerprint event_logs 'id > 0')"
	# detached, it is left alone and split works on the project's newest month
	sql "ALTER TABLE event_logs DETACH PARTITION my_2025_01"
	assert_exit 0 "$REPARTITION" split
	assert_contains "$OUT" "splitting event_logs_2024_03 into 5 weekly partitions"
	assert_eq "(-3,mine,3,,,\"2025-01-09 00:00:00\")" "$(own_rows my_2025_01)"
}

test_add_split_migrate_refuse_a_users_table_of_a_name_they_create() {
	local mine
	rp_fresh_db rp_own_names
	sql "CREATE TABLE event_logs_2024_04 (id int, note text);
		INSERT INTO event_logs_2024_04 VALUES (1, 'april, mine');
		CREATE TABLE event_logs_2024_03_w2 (id int);
		INSERT INTO event_logs_2024_03_w2 VALUES (2);
		CREATE TABLE users_distributed_r3 (id int);
		INSERT INTO users_distributed_r3 VALUES (3)"
	mine="$(own_rows event_logs_2024_04) $(own_rows event_logs_2024_03_w2) $(own_rows users_distributed_r3)"
	assert_eq "(1,\"april, mine\") (2) (3)" "$mine"

	assert_exit 1 "$REPARTITION" add
	assert_contains "$OUT" "cannot add partition event_logs_2024_04 to event_logs: event_logs_2024_04 exists already, not created by this project (SQLSTATE 42P07)"
	assert_contains "$OUT" "rename it (ALTER TABLE event_logs_2024_04 RENAME TO <another name>) or move it to another schema"
	assert_exit 1 "$REPARTITION" split
	assert_contains "$OUT" "cannot split event_logs_2024_03 into weeks: event_logs_2024_03_w2 exists already, not created by this project (SQLSTATE 42P07)"
	assert_exit 1 "$REPARTITION" migrate
	assert_contains "$OUT" "cannot change users_distributed to RANGE partitioning: users_distributed_r3 exists already, not created by this project (SQLSTATE 42P07)"
	assert_eq "$mine" "$(own_rows event_logs_2024_04) $(own_rows event_logs_2024_03_w2) $(own_rows users_distributed_r3)"
	own_assert_as_after_setup event_logs users_distributed

	# a table of the user's named like the hash table migrate keeps
	sql "ALTER TABLE users_distributed_r3 RENAME TO my_r3;
		CREATE TABLE users_distributed_hash (id int);
		INSERT INTO users_distributed_hash VALUES (4)"
	assert_exit 1 "$REPARTITION" migrate
	assert_contains "$OUT" "cannot change users_distributed to RANGE partitioning: users_distributed_hash exists already, not created by this project"
	assert_contains "$OUT" "hint: nothing was changed; rename it (ALTER TABLE users_distributed_hash RENAME TO <another name>)"
	# and cleanup, which would drop it as a stale copy, refuses too
	assert_exit 1 "$REPARTITION" cleanup
	assert_contains "$OUT" "refusing to drop users_distributed_hash: it was not created by this project"
	assert_eq "(4)" "$(own_rows users_distributed_hash)"
	own_assert_as_after_setup event_logs users_distributed

	# set aside, every scenario runs, and the user's tables keep their rows
	sql "ALTER TABLE event_logs_2024_04 RENAME TO my_april;
		ALTER TABLE event_logs_2024_03_w2 RENAME TO my_week;
		ALTER TABLE users_distributed_hash RENAME TO my_hash"
	assert_exit 0 "$REPARTITION" add
	assert_exit 0 "$REPARTITION" split
	assert_exit 0 "$REPARTITION" migrate
	assert_exit 0 "$REPARTITION" cleanup
	own_assert_as_after_setup event_logs users_distributed
	assert_eq "$mine (4)" "$(own_rows my_april) $(own_rows my_week) $(own_rows my_r3) $(own_rows my_hash)"
}

test_cleanup_refuses_to_write_into_a_users_month() {
	local archive events
	rp_fresh_db rp_own_cleanup_month
	assert_exit 0 "$REPARTITION" detach
	archive=$(rp_fingerprint event_logs_archive)
	# the user takes the freed name for a January table of their own, attached
	sql "CREATE TABLE event_logs_2024_01 (LIKE event_logs INCLUDING DEFAULTS);
		INSERT INTO event_logs_2024_01 (id, event_type, user_id, created_at) VALUES (-1, 'mine', 1, '2024-01-10');
		ALTER TABLE event_logs ATTACH PARTITION event_logs_2024_01 FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')"
	events=$(rp_fingerprint event_logs)
	assert_exit 1 "$REPARTITION" cleanup
	assert_contains "$OUT" "refusing to restore event_logs: event_logs_2024_01 (a partition of event_logs) was not created by this project (SQLSTATE 55000)"
	assert_eq "-1" "$(sql "SELECT string_agg(id::text, ',') FROM event_logs_2024_01")" "the user's row, and only it"
	assert_eq "$archive" "$(rp_fingerprint event_logs_archive)"
	assert_eq "$events" "$(rp_fingerprint event_logs)"

	# detached, it is in the way of the month cleanup must rebuild
	sql "ALTER TABLE event_logs DETACH PARTITION event_logs_2024_01"
	assert_exit 1 "$REPARTITION" cleanup
	assert_contains "$OUT" "cannot rebuild the months of setup: event_logs_2024_01 exists already, not created by this project (SQLSTATE 42P07)"
	assert_eq "-1" "$(sql "SELECT string_agg(id::text, ',') FROM event_logs_2024_01")"
	assert_eq "$archive" "$(rp_fingerprint event_logs_archive)"

	# set aside: cleanup restores the months of setup, the user's table keeps its row
	sql "ALTER TABLE event_logs_2024_01 RENAME TO my_january"
	assert_exit 0 "$REPARTITION" cleanup
	own_assert_as_after_setup event_logs
	assert_eq "-1" "$(sql "SELECT string_agg(id::text, ',') FROM my_january")"
}

test_cleanup_refuses_a_users_table_named_like_a_lost_hash_partition() {
	local live
	rp_fresh_db rp_own_cleanup_hash
	assert_exit 0 "$REPARTITION" migrate
	# the kept hash table is lost (its partitions went with it), and the user
	# has a table named like one of them
	sql "DROP TABLE users_distributed_hash;
		CREATE TABLE users_distributed_p0 (id int);
		INSERT INTO users_distributed_p0 VALUES (5)"
	live="$(rp_layout users_distributed) $(rp_fingerprint users_distributed)"
	assert_exit 1 "$REPARTITION" cleanup
	assert_contains "$OUT" "cannot rebuild the lost users_distributed_hash: users_distributed_p0 exists already, not created by this project (SQLSTATE 42P07)"
	assert_eq "(5)" "$(own_rows users_distributed_p0)"
	assert_eq "$live" "$(rp_layout users_distributed) $(rp_fingerprint users_distributed)"
	sql "ALTER TABLE users_distributed_p0 RENAME TO my_p0"
	assert_exit 0 "$REPARTITION" cleanup
	own_assert_as_after_setup users_distributed
	assert_eq "(5)" "$(own_rows my_p0)"
}

# setup: a serial column whose sequence name is taken gets another one; the
# sequence of that name, the user's, must neither be dropped nor taken over
test_own_setup_refuses_a_users_sequence_of_a_name_it_uses() {
	fresh_database own_setup_sequence
	sql "CREATE SEQUENCE event_logs_partitioned_id_seq; SELECT setval('event_logs_partitioned_id_seq', 42)" >/dev/null
	assert_exit 1 "$BIN_DIR/setup-database" --seed-rows 300
	assert_contains "$OUT" "cannot partition event_logs: event_logs_partitioned_id_seq exists already, not created by this project (SQLSTATE 42P07)"
	assert_contains "$OUT" "ALTER SEQUENCE event_logs_partitioned_id_seq RENAME TO <another name>"
	assert_eq "42|true|0" "$(sql "SELECT s.last_value || '|' || s.is_called || '|' ||
		(SELECT count(*) FROM pg_depend AS d WHERE d.objid = 'event_logs_partitioned_id_seq'::regclass AND d.deptype = 'a')
		FROM event_logs_partitioned_id_seq AS s")"
	assert_eq r "$(sql "SELECT relkind FROM pg_class WHERE oid = 'event_logs'::regclass")" "event_logs not migrated"
	sql "ALTER SEQUENCE event_logs_partitioned_id_seq RENAME TO my_seq"
	assert_exit 0 "$BIN_DIR/setup-database"
	assert_eq "42|true" "$(sql "SELECT last_value || '|' || is_called FROM my_seq")"
	assert_eq p "$(sql "SELECT relkind FROM pg_class WHERE oid = 'event_logs'::regclass")"

	# before the base tables: the name of users_distributed.id's sequence
	fresh_database own_setup_base_sequence
	sql "CREATE SEQUENCE users_distributed_id_seq; SELECT setval('users_distributed_id_seq', 5)" >/dev/null
	assert_exit 1 "$BIN_DIR/setup-database" --seed-rows 300
	assert_contains "$OUT" "cannot create the base tables: users_distributed_id_seq exists already, not created by this project (SQLSTATE 42P07)"
	assert_eq "5|true|0" "$(sql "SELECT s.last_value || '|' || s.is_called || '|' ||
		(SELECT count(*) FROM pg_depend AS d WHERE d.objid = 'users_distributed_id_seq'::regclass AND d.deptype = 'a')
		FROM users_distributed_id_seq AS s")"
	assert_eq "" "$(sql "SELECT to_regclass('users_distributed')")" "nothing created"
}

run_test detach_refuses_a_users_event_logs_archive test_detach_refuses_a_users_event_logs_archive
run_test detach_and_split_refuse_to_drop_a_users_partition test_detach_and_split_refuse_to_drop_a_users_partition
run_test add_split_migrate_refuse_a_users_table_of_a_name_they_create test_add_split_migrate_refuse_a_users_table_of_a_name_they_create
run_test cleanup_refuses_to_write_into_a_users_month test_cleanup_refuses_to_write_into_a_users_month
run_test cleanup_refuses_a_users_table_named_like_a_lost_hash_partition test_cleanup_refuses_a_users_table_named_like_a_lost_hash_partition
run_test own_setup_refuses_a_users_sequence_of_a_name_it_uses test_own_setup_refuses_a_users_sequence_of_a_name_it_uses
